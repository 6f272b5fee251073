"""`constc lsp`: the language server (stdio), on pygls.

Checking is coalesced rather than delayed: an edit marks the project dirty and, after a
short pause for the keystrokes already on their way, one check runs with the latest text
of every open file. Edits that arrive while it runs mark it dirty again, and the next check
starts as soon as it ends. Diagnostics are published for every file of the project that
has any, and cleared for the files that had some last time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from constc import __version__
from constc.lsp import features
from constc.lsp.workspace import Workspace

PAUSE_S = 0.015  # let a burst of keystrokes land before checking; well under a frame of typing


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed: the parameters were fine and the server cannot do it."""

    CODE = -32803
    MESSAGE = "Request Failed"


class Protocol(LanguageServerProtocol):
    def structure_message(self, data):
        """pygls drops a request whose parameters do not fit the protocol's types (a missing
        position, a negative line) with a log line and no answer, so the client waits for ever.
        JSON-RPC requires an answer to every request: send the Invalid Params error here."""
        try:
            return super().structure_message(data)
        except JsonRpcException as err:
            if isinstance(data, dict) and "id" in data and "method" in data and "result" not in data:
                error = JsonRpcInvalidParams(f"{data['method']}: {_what(err.__cause__)}")
                self._send_response(data["id"], None, error.to_response_error())
            raise


def _what(err: BaseException | None) -> str:
    """The first few problems cattrs found, with where ("required field missing @ $.params.position")."""
    from cattrs import transform_error
    from cattrs.errors import ClassValidationError

    if isinstance(err, ClassValidationError):
        return "; ".join(transform_error(err)[:3])
    return "the parameters do not match the protocol"


class ConstcServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("constc", __version__, protocol_cls=Protocol)
        self.ws: Workspace | None = None
        self.dirty = False
        self.checking: asyncio.Task | None = None
        self.published: set[str] = set()
        self.uris: dict[str, str] = {}  # rel path -> the URI the client opened it by

    # ---- positions: the client's units <-> code points -----------------------------------
    def _lines(self, rel: str) -> list[str]:
        assert self.ws is not None
        return (self.ws.text(rel) or "").split("\n")

    def where(self, params) -> tuple[str, int, int] | None:
        """(rel path, 1-based line, 1-based code-point column) of a position request."""
        if self.ws is None:
            return None
        rel = features.path_of(self.ws, params.text_document.uri)
        if rel is None:
            return None
        pos = self.workspace.position_codec.position_from_client_units(self._lines(rel), params.position)
        return rel, pos.line + 1, pos.character + 1

    def out_range(self, rel: str, rng: lsp.Range) -> lsp.Range:
        return self.workspace.position_codec.range_to_client_units(self._lines(rel), rng)

    def out_locations(self, locs: list[lsp.Location]) -> list[lsp.Location]:
        assert self.ws is not None
        out = []
        for loc in locs:
            rel = features.path_of(self.ws, loc.uri)
            out.append(lsp.Location(uri=loc.uri, range=self.out_range(rel, loc.range)) if rel else loc)
        return out

    # ---- checking ---------------------------------------------------------------------
    def edited(self) -> None:
        self.dirty = True
        if self.checking is None or self.checking.done():
            self.checking = asyncio.get_event_loop().create_task(self._check_loop())

    async def _check_loop(self) -> None:
        while self.dirty:
            await asyncio.sleep(PAUSE_S)
            self.dirty = False
            self.check_now()

    def check_now(self) -> None:
        if self.ws is None:
            return
        self.ws.check()
        by_file = self.ws.diagnostics()
        # open documents always get an answer, with their version: the client knows it is current
        for rel in sorted(set(by_file) | self.published | set(self.ws.docs)):
            diags = [features.to_lsp_diagnostic(d) for d in by_file.get(rel, [])]
            for d in diags:
                d.range = self.out_range(rel, d.range)
            doc_uri = self.uris.get(rel) or features.uri(self.ws, rel)
            version = self.workspace.text_documents[doc_uri].version if doc_uri in self.workspace.text_documents \
                else None
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=doc_uri, diagnostics=diags, version=version))
        self.published = set(by_file)


server = ConstcServer()


@server.feature(lsp.INITIALIZED)
def initialized(ls: ConstcServer, params: lsp.InitializedParams) -> None:
    root = ls.workspace.root_path or "."
    ls.ws = Workspace(Path(root))
    if not ls.ws.found:
        ls.window_show_message(lsp.ShowMessageParams(
            type=lsp.MessageType.Warning,
            message=f"constc: no constc.toml in {root} or above, so there is no project to check "
                    "(`constc init` creates one)"))
    ls.check_now()


def _sync(ls: ConstcServer, document_uri: str, text: str | None) -> None:
    if ls.ws is None:
        return
    rel = features.path_of(ls.ws, document_uri)
    if rel is None:
        return
    if text is None:
        ls.ws.close(rel)
        ls.uris.pop(rel, None)
    else:
        ls.ws.set_text(rel, text)
        ls.uris[rel] = document_uri
    ls.edited()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ConstcServer, params: lsp.DidOpenTextDocumentParams) -> None:
    _sync(ls, params.text_document.uri, params.text_document.text)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ConstcServer, params: lsp.DidChangeTextDocumentParams) -> None:
    doc = ls.workspace.get_text_document(params.text_document.uri)  # pygls applied the change
    _sync(ls, params.text_document.uri, doc.source)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ConstcServer, params: lsp.DidCloseTextDocumentParams) -> None:
    _sync(ls, params.text_document.uri, None)  # back to the file on disk


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ConstcServer, params: lsp.DidSaveTextDocumentParams) -> None:
    ls.edited()


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def files_changed(ls: ConstcServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    ls.edited()  # a file changed on disk (git checkout, a rename's edits saved)


def _ready(ls: ConstcServer) -> Workspace | None:
    """The workspace, checked with the latest text: a request answers about what is on screen."""
    if ls.ws is not None and ls.dirty:
        ls.dirty = False
        ls.check_now()
    return ls.ws


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: ConstcServer, params: lsp.HoverParams) -> lsp.Hover | None:
    at, ws = ls.where(params), _ready(ls)
    return features.hover(ws, *at) if at and ws else None


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(ls: ConstcServer, params: lsp.DefinitionParams) -> list[lsp.Location]:
    at, ws = ls.where(params), _ready(ls)
    return ls.out_locations(features.definition(ws, *at)) if at and ws else []


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def references(ls: ConstcServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    at, ws = ls.where(params), _ready(ls)
    if not at or not ws:
        return []
    return ls.out_locations(features.references(ws, *at, params.context.include_declaration))


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: ConstcServer, params: lsp.PrepareRenameParams):
    at, ws = ls.where(params), _ready(ls)
    pid = ws.id_at(*at) if at and ws else None
    if pid is None or at is None or ws is None:
        return None
    return lsp.PrepareRenamePlaceholder(range=ls.out_range(at[0], _word_range(ws, at, pid)), placeholder=pid)


def _word_range(ws: Workspace, at: tuple[str, int, int], pid: str) -> lsp.Range:
    rel, line, column = at
    text = (ws.text(rel) or "").split("\n")[line - 1]
    start = max(i for i in range(len(text)) if text.startswith(pid, i) and i < column)
    return lsp.Range(start=lsp.Position(line=line - 1, character=start),
                     end=lsp.Position(line=line - 1, character=start + len(pid)))


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
def rename(ls: ConstcServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    at, ws = ls.where(params), _ready(ls)
    pid = ws.id_at(*at) if at and ws else None
    if pid is None or ws is None:
        return None
    try:
        edit = features.rename(ws, pid, params.new_name)
    except features.RenameRefused as err:
        raise JsonRpcInvalidParams(str(err)) from None
    for change in edit.document_changes or []:
        if isinstance(change, lsp.TextDocumentEdit):
            rel = features.path_of(ws, change.text_document.uri)
            for e in change.edits:
                e.range = ls.out_range(rel, e.range) if rel else e.range
    return edit


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(ls: ConstcServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    ws = _ready(ls)
    rel = features.path_of(ws, params.text_document.uri) if ws else None
    return features.document_symbols(ws, rel) if ws and rel else []


@server.feature(lsp.WORKSPACE_SYMBOL)
def workspace_symbols(ls: ConstcServer, params: lsp.WorkspaceSymbolParams) -> list[lsp.WorkspaceSymbol]:
    ws = _ready(ls)
    return features.workspace_symbols(ws, params.query) if ws else []


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: ConstcServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
    ws = ls.ws
    rel = features.path_of(ws, params.text_document.uri) if ws else None
    if ws is None or rel is None:
        return []
    try:
        edits = features.formatting(ws, rel)
    except features.TooLarge as err:
        raise RequestFailed(str(err)) from None
    for e in edits:
        e.range = ls.out_range(rel, e.range)
    return edits


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                lsp.CompletionOptions(trigger_characters=[" ", "[", ",", '"']))
def completion(ls: ConstcServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    at, ws = ls.where(params), _ready(ls)
    return lsp.CompletionList(is_incomplete=False, items=features.completion(ws, *at) if at and ws else [])


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def code_action(ls: ConstcServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    ws = _ready(ls)
    rel = features.path_of(ws, params.text_document.uri) if ws else None
    return features.code_actions(ws, rel, params.context.diagnostics) if ws and rel else []


def main() -> int:
    server.start_io()
    return 0
