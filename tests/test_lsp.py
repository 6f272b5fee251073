"""`constc lsp` end to end: the real server as a subprocess, spoken to over LSP by
pytest-lsp's client, on a copy of the sample project."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from constc.cache import Memo
from constc.fmt import format_text
from constc.passes.chunks import parse_chunked
from constc.passes.load import parse_source

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ("constc.toml", "constitutions", "locales", "evalcases")


# no server_env: the server inherits the environment when it starts, after conftest has
# pointed CONSTC_CACHE_DIR at a private folder
@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "constc", "lsp"]))
async def client(lsp_client: LanguageClient, project: Path):
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=project.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=project.as_uri(), name="sample")]))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in SAMPLE:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    return tmp_path


def uri(project: Path, rel: str) -> str:
    return (project / rel).as_uri()


def open_doc(client: LanguageClient, project: Path, rel: str, text: str | None = None) -> str:
    text = (project / rel).read_text() if text is None else text
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri(project, rel), language_id="constc" if rel.endswith(".const") else "jsonl", version=1, text=text)))
    return text


def change_doc(client: LanguageClient, project: Path, rel: str, text: str, version: int) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri(project, rel), version=version),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))


async def diagnostics_until(client: LanguageClient, doc_uri: str, want, timeout: float = 20.0) -> list:
    """The diagnostics of `doc_uri` once `want(diagnostics)` holds."""
    async def wait():
        while True:
            diags = client.diagnostics.get(doc_uri)
            if diags is not None and want(diags):
                return diags
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return await asyncio.wait_for(wait(), timeout)


def codes(diags) -> set[str]:
    return {str(d.code) for d in diags}


def line_of(text: str, needle: str) -> tuple[int, int]:
    """0-based (line, character) of the first `needle`."""
    for n, line in enumerate(text.split("\n")):
        if needle in line:
            return n, line.index(needle)
    raise AssertionError(f"{needle!r} not found")


def apply_edit(project: Path, edit: lsp.WorkspaceEdit) -> list[str]:
    """Write a WorkspaceEdit to disk, as an editor would; the files it touched."""
    per_file: dict[str, list] = {}
    for change in edit.document_changes or []:
        if isinstance(change, lsp.CreateFile):
            path = Path(change.uri.removeprefix("file://"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        else:
            per_file.setdefault(change.text_document.uri, []).extend(change.edits)
    for doc_uri, edits in (edit.changes or {}).items():
        per_file.setdefault(doc_uri, []).extend(edits)
    for doc_uri, edits in per_file.items():
        path = Path(doc_uri.removeprefix("file://"))
        lines = path.read_text().split("\n")
        offsets = [0]
        for ln in lines:
            offsets.append(offsets[-1] + len(ln) + 1)
        text = "\n".join(lines)
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            a = offsets[e.range.start.line] + e.range.start.character
            b = offsets[e.range.end.line] + e.range.end.character
            text = text[:a] + e.new_text + text[b:]
        path.write_text(text)
    return sorted(p.removeprefix("file://") for p in per_file)


def check(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "constc", "check", "-q"], cwd=project, capture_output=True,
                          text=True)


HARM = "constitutions/harmlessness.const"


@pytest.mark.asyncio
async def test_diagnostics_appear_and_clear(client: LanguageClient, project: Path):
    text = open_doc(client, project, HARM)
    broken = text.replace("priority 700", "priority seven", 1)
    change_doc(client, project, HARM, broken, 2)
    diags = await diagnostics_until(client, uri(project, HARM), lambda d: "E100" in codes(d))
    line, _ = line_of(broken, "priority seven")
    assert any(d.range.start.line == line for d in diags if d.code == "E100")
    change_doc(client, project, HARM, text, 3)
    await diagnostics_until(client, uri(project, HARM), lambda d: len(d) == 0)


@pytest.mark.asyncio
async def test_a_change_in_one_file_reports_in_another(client: LanguageClient, project: Path):
    """Renaming a principle by hand (not with rename) leaves eval cases dangling: the
    eval-case file gets the E300s, though it was never opened."""
    text = open_doc(client, project, HARM)
    change_doc(client, project, HARM, text.replace("principle HARM-01 ", "principle HARM-11 ", 1), 2)
    diags = await diagnostics_until(client, uri(project, "evalcases/core.jsonl"), lambda d: "E300" in codes(d))
    assert all("HARM-01" in d.message for d in diags if d.code == "E300")


@pytest.mark.asyncio
async def test_hover_shows_each_locale(client: LanguageClient, project: Path):
    text = open_doc(client, project, "constitutions/constitution.const")
    line, col = line_of(text, "HARM-01 over")
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri(project, "constitutions/constitution.const")),
        position=lsp.Position(line=line, character=col + 2)))
    value = hover.contents.value
    assert "**HARM-01** — Illegal acts" in value and "priority 700" in value
    assert "**de-DE** — Straftaten" in value and "Bevorzuge die Antwort" in value
    assert "**fr-FR**" in value and "Eval cases: 18" in value


@pytest.mark.asyncio
async def test_definition_and_references_reach_eval_cases(client: LanguageClient, project: Path):
    rel = "evalcases/core.jsonl"
    text = open_doc(client, project, rel)
    line, col = line_of(text, '"HARM-01"')
    at = lsp.Position(line=line, character=col + 3)
    doc = lsp.TextDocumentIdentifier(uri=uri(project, rel))
    found = await client.text_document_definition_async(lsp.DefinitionParams(text_document=doc, position=at))
    assert [(loc.uri, loc.range.start.line) for loc in found] == [
        (uri(project, HARM), line_of((project / HARM).read_text(), "principle HARM-01")[0])]
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc, position=at, context=lsp.ReferenceContext(include_declaration=True)))
    where = {(r.uri.rsplit("/", 2)[-2] + "/" + r.uri.rsplit("/", 1)[-1], r.range.start.line) for r in refs}
    assert ("evalcases/core.jsonl", line) in where
    assert ("constitutions/harmlessness.const", line_of((project / HARM).read_text(), "HARM-01")[0]) in where
    assert ("de-DE/principles.const", 2) in where  # the addendum
    assert ("constitutions/constitution.const", line_of((project / "constitutions/constitution.const")
                                                         .read_text(), "HARM-01 over")[0]) in where


@pytest.mark.asyncio
async def test_rename_changes_every_file_and_the_project_still_checks(client: LanguageClient, project: Path):
    assert check(project).returncode == 0
    text = open_doc(client, project, HARM)
    line, col = line_of(text, "HARM-01")
    doc = lsp.TextDocumentIdentifier(uri=uri(project, HARM))
    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(
        text_document=doc, position=lsp.Position(line=line, character=col + 1)))
    assert prepared.placeholder == "HARM-01"
    edit = await client.text_document_rename_async(lsp.RenameParams(
        text_document=doc, position=lsp.Position(line=line, character=col + 1), new_name="HARM-09"))
    note = edit.change_annotations["constc.rename"]
    assert "PRINCIPLE_ID_NO_CHANGE" in note.description
    touched = apply_edit(project, edit)
    assert len(touched) == 7  # the root (precedence), the definition, 2 locale files, 3 eval-case files
    result = check(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "HARM-01" not in (project / "evalcases/core.jsonl").read_text()
    with pytest.raises(Exception, match="already a principle ID"):
        await client.text_document_rename_async(lsp.RenameParams(
            text_document=doc, position=lsp.Position(line=line, character=col + 1), new_name="HARM-02"))


@pytest.mark.asyncio
async def test_formatting_equals_constc_fmt(client: LanguageClient, project: Path):
    messy = (project / HARM).read_text().replace("  priority 700", "priority    700").replace("\n\n", "\n\n\n", 1)
    (project / HARM).write_text(messy)
    open_doc(client, project, HARM)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri(project, HARM)),
        options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert len(edits) == 1
    apply_edit(project, lsp.WorkspaceEdit(changes={uri(project, HARM): edits}))
    formatted = (project / HARM).read_text()
    assert formatted != messy
    (project / HARM).write_text(messy)
    subprocess.run([sys.executable, "-m", "constc", "fmt", "-q", HARM], cwd=project, check=True)
    assert formatted == (project / HARM).read_text()


@pytest.mark.asyncio
async def test_suppression_action_silences_the_finding(client: LanguageClient, project: Path):
    text = (project / HARM).read_text()
    old = text[text.index('  statement """\n    Prefer the response that gives no practical'):]
    old = old[: old.index('"""', 20) + 3]
    placeholder = text.replace(old, '  statement "TODO"', 1)
    open_doc(client, project, HARM, placeholder)
    doc_uri = uri(project, HARM)
    diags = await diagnostics_until(client, doc_uri, lambda d: "L008" in codes(d))
    finding = next(d for d in diags if d.code == "L008")
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri), range=finding.range,
        context=lsp.CodeActionContext(diagnostics=[finding])))
    suppress = next(a for a in actions if a.title == "Suppress L008 here")
    (project / HARM).write_text(placeholder)
    apply_edit(project, suppress.edit)
    fixed = (project / HARM).read_text()
    assert "# constc: disable=L008" in fixed
    change_doc(client, project, HARM, fixed, 2)
    await diagnostics_until(client, doc_uri, lambda d: "L008" not in codes(d) and "L011" not in codes(d))


@pytest.mark.asyncio
async def test_translation_stub_and_id_fix_actions(client: LanguageClient, project: Path):
    text = open_doc(client, project, HARM)
    new = text + '\nprinciple vand-3 "Vandalism" {\n  category harm.illegal\n  priority 40\n' \
        '  statement "Give no help damaging property that belongs to others."\n}\n'
    change_doc(client, project, HARM, new, 2)
    doc_uri = uri(project, HARM)
    diags = await diagnostics_until(client, doc_uri, lambda d: {"L002", "L007"} <= codes(d))
    wanted = [d for d in diags if d.code in ("L002", "L007")]
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri), range=wanted[0].range,
        context=lsp.CodeActionContext(diagnostics=wanted)))
    titles = [a.title for a in actions]
    assert "Rename vand-3 to VAND-03 everywhere" in titles
    stub = next(a for a in actions if a.title.startswith("Add a de-DE translation stub for vand-3"))
    apply_edit(project, stub.edit)
    assert "addendum vand-3 locale de-DE {" in (project / "locales/de-DE/principles.const").read_text()


@pytest.mark.asyncio
async def test_symbols_and_completion(client: LanguageClient, project: Path):
    text = open_doc(client, project, HARM)
    doc = lsp.TextDocumentIdentifier(uri=uri(project, HARM))
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc))
    assert [s.name for s in symbols][:2] == ["HARM-01", "HARM-02"]
    found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="personal"))
    assert [s.name for s in found] == ["PRIV-01"]
    line, col = line_of(text, "category harm.illegal")
    items = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc, position=lsp.Position(line=line, character=col + len("category "))))
    assert "harm.weapons" in [i.label for i in items.items]
    line, _ = line_of(text, "  severity high")
    items = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc, position=lsp.Position(line=line, character=2)))
    assert {"statement", "critique", "target", "example"} <= {i.label for i in items.items}
    rel = "evalcases/core.jsonl"
    cases = open_doc(client, project, rel)
    line, col = line_of(cases, '"HARM-01"')
    doc = lsp.TextDocumentIdentifier(uri=uri(project, rel))
    items = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc, position=lsp.Position(line=line, character=col + 1)))
    assert "PRIV-01" in [i.label for i in items.items]
    line, col = line_of(cases, '"prompt": "')
    items = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc, position=lsp.Position(line=line, character=col + 11)))
    assert not items.items  # prose, not an ID list


def test_a_workspace_below_the_project_checks_the_project(project: Path):
    from constc.lsp.features import hover
    from constc.lsp.workspace import Workspace

    ws = Workspace(project / "locales" / "de-DE")
    ws.check()
    assert ws.found and ws.root == project.resolve()
    text = (project / "locales/de-DE/principles.const").read_text()
    line = next(n for n, ln in enumerate(text.split("\n"), start=1) if "HARM-01" in ln)
    shown = hover(ws, "locales/de-DE/principles.const", line, text.split("\n")[line - 1].index("HARM-01") + 2)
    assert shown is not None and "**de-DE** — Straftaten" in shown.contents.value
    lone = Workspace(project.parent / "elsewhere")
    assert not lone.found and lone.check() is None and lone.diagnostics() == {}


def test_the_id_pattern_is_the_grammars():
    import re

    from constc.ir.nodes import PRINCIPLE_ID

    lark = (ROOT / "constc/grammar/constitution.lark").read_text()
    assert re.search(r"^PRINCIPLE_ID: /(.*)/$", lark, re.M).group(1) == PRINCIPLE_ID.pattern


def test_chunked_parse_equals_a_whole_file_parse():
    for path in sorted((ROOT / "constitutions").glob("*.const")) + sorted((ROOT / "locales").glob("*/*.const")):
        text = path.read_text()
        memo = Memo()
        for edited in (text, text.replace("}", "}\n\n", 3), text.replace("{", "{ # x\n", 2), text[: len(text) // 2]):
            whole, chunked = parse_source(edited, "f.const"), parse_chunked(edited, "f.const", parse_source, memo)
            assert dump(whole) == dump(chunked), path


def dump(result):
    source, diags = result
    return (source.model_dump() if source else None, [c.model_dump() for c in source.comments] if source else None,
            [d.model_dump() for d in diags])


def test_lsp_command_without_the_extra_is_a_usage_error(tmp_path: Path):
    code = "import sys; sys.modules['pygls'] = None; from constc.cli import main; sys.exit(main(['lsp']))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 2 and "pip install 'constc[lsp]'" in r.stderr


def test_formatting_agrees_with_format_text():
    text = (ROOT / HARM).read_text()
    assert format_text(text, HARM)[0] == text  # the sample is formatted: `fmt --check` holds


def test_the_server_never_imports_torch():
    code = "import sys, constc.lsp.server, constc.lsp.features; sys.exit('torch' in sys.modules or " \
           "'transformers' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


class RawClient:
    """The server over stdio with hand-written JSON-RPC: pytest-lsp's client only sends
    well-typed parameters, and a hostile or buggy client does not."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "constc", "lsp"], cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""
        self.request(1, "initialize", {"capabilities": {}, "rootUri": root.as_uri()})
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, msg_id: int, method: str, params, timeout: float = 20.0) -> dict:
        """The answer to this request (notifications in between are skipped)."""
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, **({} if params is None else {"params": params})})
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            while b"\r\n\r\n" in self.buf:
                head, rest = self.buf.split(b"\r\n\r\n", 1)
                size = int(re.search(rb"Content-Length: *(\d+)", head, re.I).group(1))
                if len(rest) < size:
                    break
                message, self.buf = json.loads(rest[:size]), rest[size:]
                if message.get("id") == msg_id and "method" not in message:
                    return message
            if select.select([self.proc.stdout], [], [], 0.2)[0]:
                self.buf += os.read(self.proc.stdout.fileno(), 1 << 16)
        raise AssertionError(f"no answer to {method} in {timeout} s")

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def test_a_request_with_bad_parameters_is_answered(project: Path):
    raw = RawClient(project)
    doc = {"uri": uri(project, HARM)}
    try:
        for n, (method, params, where) in enumerate([
                ("textDocument/hover", {"textDocument": doc}, "$.params.position"),
                ("textDocument/hover", {"textDocument": doc, "position": {"line": -1, "character": 0}},
                 "$.params.position"),
                ("textDocument/definition", None, "$.params"),
                ("textDocument/formatting", {"textDocument": doc}, "$.params.options")], start=10):
            answer = raw.request(n, method, params, timeout=5)
            assert answer["error"]["code"] == -32602 and where in answer["error"]["message"], answer
        # and the server goes on answering well-formed ones
        ok = raw.request(20, "textDocument/hover", {"textDocument": doc, "position": {"line": 0, "character": 0}})
        assert "error" not in ok
    finally:
        raw.close()


def test_formatting_a_huge_document_is_refused_at_once(project: Path):
    from constc.fmt import MAX_BYTES

    raw = RawClient(project)
    block = (project / HARM).read_text()
    text = "".join(block.replace("HARM-", f"B{i}x-") for i in range(MAX_BYTES // len(block) * 3))
    big = {"uri": uri(project, "constitutions/big.const")}
    try:
        raw.send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                  "params": {"textDocument": {**big, "languageId": "constc", "version": 1, "text": text}}})
        started = time.monotonic()
        answer = raw.request(30, "textDocument/formatting",
                             {"textDocument": big, "options": {"tabSize": 2, "insertSpaces": True}})
        assert answer["error"]["code"] == -32803 and "constc formats files up to 4 MiB" in answer["error"]["message"]
        assert time.monotonic() - started < 10  # refused, not attempted (formatting takes ~0.3 s a MB)
    finally:
        raw.close()
