"""What the language server answers, as functions of a checked Workspace.

Positions in and out are 1-based lines and code-point columns, as in every constc Span;
the server converts them to and from the client's units. Each function returns
lsprotocol types so the server only routes requests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types as lsp

from constc.diagnostics.model import Diagnostic, Severity, Span
from constc.ir.nodes import (
    PRINCIPLE_FIELDS, PRINCIPLE_ID, SEVERITIES, Addendum, Header, Include, Jurisdiction, Precedence, Principle,
)
from constc.lsp.workspace import TOKEN, Occurrence, Workspace

_SEVERITY = {Severity.error: lsp.DiagnosticSeverity.Error, Severity.warning: lsp.DiagnosticSeverity.Warning,
             Severity.info: lsp.DiagnosticSeverity.Information}
RENAME_ANNOTATION = "constc.rename"


def lsp_range(span: Span, first_line_only: bool = False) -> lsp.Range:
    end_line, end_col = span.end_line, span.end_column
    if first_line_only and end_line != span.line:  # a whole block: underline its first line
        end_line, end_col = span.line, 10**6
    return lsp.Range(start=lsp.Position(line=span.line - 1, character=span.column - 1),
                     end=lsp.Position(line=end_line - 1, character=max(end_col - 1, span.column)))


def uri(ws: Workspace, rel: str) -> str:
    return (ws.root / rel).as_uri()


def location(ws: Workspace, span: Span) -> lsp.Location:
    return lsp.Location(uri=uri(ws, span.file), range=lsp_range(span))


# ---- diagnostics ---------------------------------------------------------------------
def to_lsp_diagnostic(d: Diagnostic) -> lsp.Diagnostic:
    assert d.span is not None
    message = d.message + (f"\n{d.hint}" if d.hint else "")
    return lsp.Diagnostic(range=lsp_range(d.span, first_line_only=True), message=message,
                          severity=_SEVERITY[d.severity], code=d.code, source="constc")


# ---- hover -----------------------------------------------------------------------------
def hover(ws: Workspace, rel: str, line: int, column: int) -> lsp.Hover | None:
    pid = ws.id_at(rel, line, column)
    if pid is None or ws.ctx is None:
        return None
    from constc.ir.resolve import applies, apply_addendum, fallback_chain

    const = ws.ctx.constitution
    p = const.principle(pid)
    assert p is not None
    facts = [f"category `{p.category}`", f"priority {p.priority}", f"severity {p.severity or '—'}"]
    if p.threshold is not None:
        facts.append(f"threshold {p.threshold}")
    if p.jurisdiction:
        facts.append(f"jurisdiction {p.jurisdiction}")
    out = [f"**{p.id}** — {p.title}", " · ".join(facts), "", _quote(p.statement)]
    wins = [r.loser for r in const.precedences if r.winner == pid]
    loses = [r.winner for r in const.precedences if r.loser == pid]
    if wins or loses:
        out += ["", "Precedence: " + "; ".join(
            ([f"over {', '.join(wins)}"] if wins else []) + ([f"under {', '.join(loses)}"] if loses else []))]
    header = const.header
    default = (header.locale or "").lower() if header else ""
    for tag in header.locales if header else []:
        assert header is not None
        if default and default in fallback_chain(tag):
            continue
        addenda = sorted((a for a in const.addenda if a.principle_id == pid and applies(a, tag, None)),
                         key=lambda a: fallback_chain(tag).index(a.scope.tag.lower()))
        if not any("statement" in a.field_spans for a in addenda):
            out += ["", f"**{tag}**: *no translation* (the critic falls back to {header.locale or 'the default'})"]
            continue
        resolved = p
        for a in addenda:
            resolved = apply_addendum(resolved, a)
        title = f" — {resolved.title}" if resolved.title != p.title else ""
        out += ["", f"**{tag}**{title}", _quote(resolved.statement)]
    cases = [c for c in ws.ctx.evalcases if pid in c.principles]
    if cases:
        where = ", ".join(f"`{c.id}` ({c.source.file}:{c.source.line})" for c in cases[:5] if c.source)
        more = f" and {len(cases) - 5} more" if len(cases) > 5 else ""
        out += ["", f"Eval cases: {len(cases)} — {where}{more}"]
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n".join(out)))


def _quote(text: str | None) -> str:
    if not text:
        return "> *(no statement)*"
    return "\n".join("> " + ln.strip() for ln in text.strip().splitlines())


# ---- definition, references, rename ------------------------------------------------------
def definition(ws: Workspace, rel: str, line: int, column: int) -> list[lsp.Location]:
    pid = ws.id_at(rel, line, column)
    return [location(ws, o.span) for o in ws.occurrences(pid) if o.kind == "definition"] if pid else []


def references(ws: Workspace, rel: str, line: int, column: int, declaration: bool) -> list[lsp.Location]:
    pid = ws.id_at(rel, line, column)
    if pid is None:
        return []
    return [location(ws, o.span) for o in ws.occurrences(pid) if declaration or o.kind != "definition"]


class RenameRefused(ValueError):
    pass


def rename(ws: Workspace, pid: str, new: str) -> lsp.WorkspaceEdit:
    """Every place `pid` is written, rewritten to `new`, in one edit that says how the
    differ will see it."""
    if ws.ctx is None or ws.ctx.constitution.principle(pid) is None:
        raise RenameRefused(f"{pid} is not a principle of this constitution")
    if not PRINCIPLE_ID.fullmatch(new):
        raise RenameRefused(f"'{new}' is not a principle ID (letters, a hyphen, letters or digits: HARM-01)")
    if ws.ctx.constitution.principle(new) is not None:
        raise RenameRefused(f"{new} is already a principle ID")
    by_file: dict[str, list[Occurrence]] = {}
    for o in ws.occurrences(pid):
        by_file.setdefault(o.file, []).append(o)
    changes = [lsp.TextDocumentEdit(
        text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri(ws, rel), version=None),
        edits=[lsp.AnnotatedTextEdit(range=lsp_range(o.span), new_text=new, annotation_id=RENAME_ANNOTATION)
               for o in occs]) for rel, occs in sorted(by_file.items())]
    note = lsp.ChangeAnnotation(
        label=f"Rename {pid} to {new}",
        description=f"constc diff will report this as PRINCIPLE_ID_NO_CHANGE ({pid} was renamed to {new}): "
                    "a major change, so bump the constitution's major version",
        needs_confirmation=False)
    return lsp.WorkspaceEdit(document_changes=changes, change_annotations={RENAME_ANNOTATION: note})


def edited_files(edit: lsp.WorkspaceEdit) -> list[str]:
    return [c.text_document.uri for c in edit.document_changes or [] if isinstance(c, lsp.TextDocumentEdit)]


# ---- symbols ---------------------------------------------------------------------------
def _id_range(ws: Workspace, rel: str, node_span: Span, pid: str) -> lsp.Range:
    for o in ws.occurrences(pid):
        if o.file == rel and node_span.line <= o.line <= node_span.end_line:
            return lsp_range(o.span)
    return lsp_range(node_span, first_line_only=True)


def document_symbols(ws: Workspace, rel: str) -> list[lsp.DocumentSymbol]:
    source = ws.ctx.sources.get(rel) if ws.ctx else None
    if source is None:
        return []

    def symbol(item) -> lsp.DocumentSymbol | None:
        if item.span is None:
            return None
        full = lsp_range(item.span)
        if isinstance(item, Principle):
            return lsp.DocumentSymbol(name=item.id, detail=item.title, kind=lsp.SymbolKind.Class, range=full,
                                      selection_range=_id_range(ws, rel, item.span, item.id))
        if isinstance(item, Addendum):
            return lsp.DocumentSymbol(name=f"{item.principle_id} ({item.scope})", kind=lsp.SymbolKind.Object,
                                      range=full, selection_range=_id_range(ws, rel, item.span, item.principle_id))
        if isinstance(item, Precedence):
            return lsp.DocumentSymbol(name=f"{item.winner} over {item.loser}", kind=lsp.SymbolKind.Operator,
                                      range=full, selection_range=full)
        if isinstance(item, Header):
            return lsp.DocumentSymbol(name=item.name, detail=f"constitution {item.version or ''}".strip(),
                                      kind=lsp.SymbolKind.Namespace, range=full,
                                      selection_range=lsp_range(item.span, first_line_only=True))
        if isinstance(item, Jurisdiction):
            children = [s for s in map(symbol, item.principles) if s]
            return lsp.DocumentSymbol(name=f"jurisdiction {item.name}", kind=lsp.SymbolKind.Module, range=full,
                                      selection_range=lsp_range(item.span, first_line_only=True), children=children)
        if isinstance(item, Include):
            return lsp.DocumentSymbol(name=f"include {item.path}", kind=lsp.SymbolKind.File, range=full,
                                      selection_range=full)
        return None

    return [s for s in map(symbol, source.items) if s]


def workspace_symbols(ws: Workspace, query: str) -> list[lsp.WorkspaceSymbol]:
    if ws.ctx is None:
        return []
    q = query.lower()
    return [lsp.WorkspaceSymbol(name=p.id, kind=lsp.SymbolKind.Class, location=location(ws, p.span),
                                container_name=p.title)
            for p in ws.ctx.constitution.principles
            if p.span and (q in p.id.lower() or q in p.title.lower())]


# ---- formatting ----------------------------------------------------------------------------
class TooLarge(Exception):
    """A document over the formatter's size limit: formatting it would stall the server."""


def formatting(ws: Workspace, rel: str) -> list[lsp.TextEdit]:
    """The whole file as `constc fmt` writes it; nothing while it has syntax errors."""
    from constc.fmt import MAX_BYTES, FormatError, format_text

    text = ws.text(rel)
    if text is None or not rel.endswith(".const"):
        return []
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:  # the formatter is linear but slow (~0.3 s/MB): 50 MB would block every request
        raise TooLarge(f"{rel} is {size / 1e6:.1f} MB; constc formats files up to {MAX_BYTES >> 20} MiB, "
                       "as `constc fmt` does")
    try:
        out, _ = format_text(text, rel)
    except FormatError:
        return []
    if out is None or out == text:
        return []
    lines = text.split("\n")
    end = lsp.Position(line=len(lines) - 1, character=len(lines[-1]))
    return [lsp.TextEdit(range=lsp.Range(start=lsp.Position(line=0, character=0), end=end), new_text=out)]


# ---- completion ------------------------------------------------------------------------------
TOP_KEYWORDS = ("principle", "addendum", "include", "jurisdiction", "constitution")
BLOCK_FIELDS = tuple(f.name for f in PRINCIPLE_FIELDS if f.kind != "block") + ("target", "example")
HEADER_FIELDS = ("version", "owners", "review", "locale", "locales")


def completion(ws: Workspace, rel: str, line: int, column: int) -> list[lsp.CompletionItem]:
    text = ws.text(rel) or ""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return []
    before = lines[line - 1][: column - 1]
    const = ws.ctx.constitution if ws.ctx else None
    ids = [p.id for p in const.principles] if const else []

    def items(words, kind, detail=None):
        return [lsp.CompletionItem(label=w, kind=kind, detail=detail(w) if detail else None) for w in words]

    def title(pid):
        p = const.principle(pid) if const else None
        return p.title if p else None

    if rel.endswith(".jsonl"):  # inside a case's "principles": [...] list
        at = before.rfind('"principles"')
        inside = at >= 0 and "[" in before[at:] and "]" not in before[at:]
        return items(ids, lsp.CompletionItemKind.Reference, title) if inside else []
    words = re.findall(r"[A-Za-z0-9_.\-]+|\[|\]", before)
    if before and not before[-1].isspace() and words:  # typing a word: the one before it decides
        words = words[:-1]
    prev = words[-1] if words else ""
    if prev == "category":
        cats = sorted({p.category for p in const.principles if p.category}) if const else []
        return items(cats, lsp.CompletionItemKind.EnumMember)
    if prev == "severity":
        return items(SEVERITIES, lsp.CompletionItemKind.EnumMember)
    if prev == "target":
        from constc.passes.merge import METRICS

        return items(METRICS, lsp.CompletionItemKind.EnumMember)
    if prev == "example":
        return items(("violates", "complies"), lsp.CompletionItemKind.EnumMember)
    if prev in ("over", "addendum"):
        return items(ids, lsp.CompletionItemKind.Reference, title)
    if prev == "locale" or "locales" in words and "]" not in words[words.index("locales"):]:
        return items(_locale_tags(ws), lsp.CompletionItemKind.EnumMember)
    depth, in_header = _depth(text, sum(len(x) + 1 for x in lines[: line - 1]) + len(before))
    if depth == 0:
        return items(TOP_KEYWORDS, lsp.CompletionItemKind.Keyword) + items(ids, lsp.CompletionItemKind.Reference,
                                                                            title)
    if in_header:
        return items(HEADER_FIELDS, lsp.CompletionItemKind.Field)
    return items(BLOCK_FIELDS, lsp.CompletionItemKind.Field)


def _locale_tags(ws: Workspace) -> list[str]:
    tags: set[str] = set()
    if ws.ctx:
        header = ws.ctx.constitution.header
        if header:
            tags |= set(header.locales) | ({header.locale} if header.locale else set())
        tags |= set(ws.ctx.locale_dirs.values())
    return sorted(tags)


def _depth(text: str, offset: int) -> tuple[int, bool]:
    """Brace depth at `offset` (strings and comments skipped), and whether the innermost
    open block is the constitution header."""
    opened: list[str] = []
    last = ""
    for m in TOKEN.finditer(text, 0, offset):
        tok = m.group()
        if tok == "{":
            opened.append(last)
        elif tok == "}" and opened:
            opened.pop()
        elif not tok.startswith(("#", '"')):
            if tok in ("constitution", "principle", "addendum", "jurisdiction", "example"):
                last = tok
    return len(opened), bool(opened) and opened[-1] == "constitution"


# ---- code actions ------------------------------------------------------------------------------
def code_actions(ws: Workspace, rel: str, diagnostics: Sequence[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    from constc.lint import all_rules

    rules = all_rules()
    text = ws.text(rel) or ""
    lines = text.split("\n")
    out = []
    for d in diagnostics:
        code = str(d.code or "")
        if code in rules and code != "L011":
            out.append(_suppress(ws, rel, lines, d, code))
        if code == "L007":
            out += _translation_stub(ws, d)
        if code == "L002":
            out += _fix_id(ws, rel, d)
    return [a for a in out if a]


def _suppress(ws: Workspace, rel: str, lines: list[str], d: lsp.Diagnostic, code: str) -> lsp.CodeAction:
    """A `# constc: disable=CODE` comment on its own line above the finding: it covers
    the next line, and the whole block when that line opens one."""
    n = d.range.start.line
    line = lines[n] if n < len(lines) else ""
    indent = line[: len(line) - len(line.lstrip())]
    edit = lsp.TextEdit(range=lsp.Range(start=lsp.Position(line=n, character=0), end=lsp.Position(line=n, character=0)),
                        new_text=f"{indent}# constc: disable={code}\n")
    return lsp.CodeAction(title=f"Suppress {code} here", kind=lsp.CodeActionKind.QuickFix, diagnostics=[d],
                          edit=lsp.WorkspaceEdit(changes={uri(ws, rel): [edit]}))


def _translation_stub(ws: Workspace, d: lsp.Diagnostic) -> list[lsp.CodeAction]:
    m = re.match(r"(\S+) has no statement for locale (\S+)", d.message)
    if not m or ws.ctx is None:
        return []
    pid, tag = m.groups()
    p = ws.ctx.constitution.principle(pid)
    if p is None:
        return []
    folder = ws.ctx.project.config.project.locales.strip("/")
    mine = sorted(rel for rel, t in ws.ctx.locale_dirs.items() if t.lower() == tag.lower())
    source = "\n".join(f"# {ln.strip()}" for ln in (p.statement or "").strip().splitlines())
    stub = (f"# translate from {ws.ctx.constitution.header.locale if ws.ctx.constitution.header else 'the source'}:"
            f"\n{source}\naddendum {pid} locale {tag} {{\n  statement \"TODO\"\n}}\n")
    if mine:
        target = mine[0]
        text = ws.text(target) or ""
        lines = text.split("\n")
        at = lsp.Position(line=len(lines) - 1, character=len(lines[-1]))
        sep = "" if not text or text.endswith("\n\n") else "\n" if text.endswith("\n") else "\n\n"
        edit = lsp.WorkspaceEdit(changes={uri(ws, target): [lsp.TextEdit(range=lsp.Range(start=at, end=at),
                                                                           new_text=sep + stub)]})
    else:
        target = f"{folder}/{tag}/principles.const"
        new_uri = uri(ws, target)
        origin = lsp.Position(line=0, character=0)
        edit = lsp.WorkspaceEdit(document_changes=[
            lsp.CreateFile(uri=new_uri, options=lsp.CreateFileOptions(ignore_if_exists=True)),
            lsp.TextDocumentEdit(text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=new_uri, version=None),
                                 edits=[lsp.TextEdit(range=lsp.Range(start=origin, end=origin), new_text=stub)])])
    return [lsp.CodeAction(title=f"Add a {tag} translation stub for {pid} to {target}",
                           kind=lsp.CodeActionKind.QuickFix, diagnostics=[d], edit=edit)]


def fixed_id(pid: str) -> str | None:
    """`harm-1` -> `HARM-01`: the L002 shape, when the ID's parts allow it."""
    from constc.lint.rules.l002_id_format import ID_FORMAT

    m = re.fullmatch(r"([A-Za-z]+)[-_]*0*([0-9]+)", pid)
    if not m:
        return None
    new = f"{m.group(1).upper()}-{m.group(2).zfill(2)}"
    return new if ID_FORMAT.match(new) else None


def _fix_id(ws: Workspace, rel: str, d: lsp.Diagnostic) -> list[lsp.CodeAction]:
    m = re.search(r"bad principle ID '([^']+)'", d.message)
    new = fixed_id(m.group(1)) if m else None
    if not m or new is None:
        return []
    try:
        edit = rename(ws, m.group(1), new)
    except RenameRefused:
        return []
    return [lsp.CodeAction(title=f"Rename {m.group(1)} to {new} everywhere", kind=lsp.CodeActionKind.QuickFix,
                           diagnostics=[d], edit=edit)]


def path_of(ws: Workspace, document_uri: str) -> str | None:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(document_uri)
    if parsed.scheme != "file":
        return None
    return ws.rel(Path(unquote(parsed.path)))
