"""Loading passes: read and parse the root file and its includes, the locale folders and
the eval cases. Bad bytes, missing files, cycles and escapes become diagnostics."""

from __future__ import annotations

import posixpath

from constc.cache import cached_parse
from constc.diagnostics.model import Diagnostic, Severity, Span, diag
from constc.evalcases import parse_evalcases
from constc.ir.nodes import Include, SourceFile
from constc.sources import Refused

_GLOB_CHARS = set("*?[")


def decode_source(data: bytes, path: str, max_bytes: int) -> tuple[str | None, list[Diagnostic]]:
    """Bytes to text, or a diagnostic saying why they are not a constitution source."""
    start = Span.file_start(path)
    if len(data) > max_bytes:
        return None, [diag("E203", f"file is {len(data):,} bytes; the limit is {max_bytes:,}", start,
                           hint="raise [project] max_file_bytes in constc.toml if this is intended")]
    if b"\0" in data:
        return None, [diag("E202", "file contains NUL bytes: not a text file", start)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        span = Span(file=path, line=line, column=col, end_line=line, end_column=col + 1)
        return None, [diag("E201", f"invalid UTF-8 byte 0x{data[err.start]:02x}", span)]
    return text.removeprefix("\ufeff"), []


def parse_source(text: str, path: str) -> tuple[SourceFile | None, list[Diagnostic]]:
    # imported here: a run served from the parse cache never loads lark
    from constc.grammar.parser import parse_text, scan_comments
    from constc.ir.build import build_file

    tree, diags = parse_text(text, path)
    if tree is None:
        return None, diags
    source, build_diags = build_file(tree, path)
    source.comments = scan_comments(text)
    return source, build_diags


def read(ctx, rel: str, limit: int, span: Span | None = None) -> bytes | None:
    """The file's bytes, or None after reporting why there are none: missing, outside the
    project, not a regular file, or over `limit` (checked before reading)."""
    try:
        data = ctx.tree.read(rel, limit)
    except Refused as err:
        ctx.diagnostics.append(diag(err.code, str(err), span or Span.file_start(rel)))
        return None
    if data is None:
        ctx.diagnostics.append(diag("E200", f"file not found: {rel}", span))
    return data


def _memo(ctx, key, compute):
    return ctx.memo.get(key, compute) if ctx.memo is not None else compute()


def _load(ctx, rel: str, span: Span | None) -> SourceFile | None:
    data = read(ctx, rel, ctx.project.config.project.max_file_bytes, span)
    if data is None:
        return None
    text, diags = decode_source(data, rel, ctx.project.config.project.max_file_bytes)
    ctx.diagnostics += diags
    if text is None:
        return None
    ctx.texts[rel] = text
    if ctx.memo is None:
        source, diags = cached_parse(text, rel, parse_source)
    else:  # a long-lived caller: re-parse only the blocks that changed since the last run
        from constc.passes.chunks import parse_chunked

        source, diags = parse_chunked(text, rel, parse_source, ctx.memo)
    ctx.diagnostics += diags
    if source is not None:
        ctx.sources[rel] = source
    else:
        ctx.unparsed.add(rel)
    return source


def _targets(ctx, inc: Include, from_rel: str) -> list[str]:
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_rel), inc.path))
    if inc.path.startswith("/") or joined == ".." or joined.startswith("../"):
        ctx.diagnostics.append(diag("E205", f"include '{inc.path}' points outside the project root", inc.span))
        return []
    if not _GLOB_CHARS & set(inc.path):
        return [joined]
    found = [p for p in ctx.tree.glob(joined) if p.endswith(".const") and p != from_rel]
    if not found:
        ctx.diagnostics.append(diag("E206", f"include pattern '{inc.path}' matches no .const file", inc.span,
                                    severity=Severity.warning))
    return found


def resolve_includes(ctx) -> None:
    root = ctx.project.rel(ctx.project.root_file)
    stack: list[str] = []
    visited: set[str] = set()

    def visit(rel: str, span: Span | None) -> None:
        visited.add(rel)
        source = _load(ctx, rel, span)
        if source is None:
            return
        stack.append(rel)
        for inc in (i for i in source.items if isinstance(i, Include)):
            for target in _targets(ctx, inc, rel):
                if target in stack:
                    cycle = " -> ".join(stack[stack.index(target):] + [target])
                    ctx.diagnostics.append(diag("E204", f"include cycle: {cycle}", inc.span))
                elif target not in visited:
                    visit(target, inc.span)
        stack.pop()

    visit(root, None)


def load_locales(ctx) -> None:
    folder = ctx.project.config.project.locales.strip("/")
    for rel in ctx.tree.glob(f"{folder}/*/**/*.const"):
        tag = rel[len(folder) + 1:].split("/", 1)[0]
        if rel not in ctx.sources and _load(ctx, rel, None) is not None:
            ctx.locale_dirs[rel] = tag
    load_translation_lock(ctx)


def load_translation_lock(ctx) -> None:
    """<locales>/translations.lock.json (constc.translations), when the project has one."""
    import json

    from constc.translations import lock_path

    rel = lock_path(ctx.project)
    if not ctx.tree.glob(rel):
        return
    data = read(ctx, rel, ctx.project.config.project.max_file_bytes)
    if data is None:
        return
    try:
        lock = json.loads(data.decode("utf-8"))
        if not isinstance(lock, dict) or not all(isinstance(v, dict) and all(isinstance(h, str) for h in v.values())
                                                 for v in lock.values()):
            raise ValueError("expected {locale: {principle ID: stamp}}")
    except (ValueError, UnicodeDecodeError) as err:
        ctx.diagnostics.append(diag("E308", f"{rel} is not a translations lock: {err}",
                                    Span.file_start(rel),
                                    hint="regenerate it with `constc translations stamp`"))
        return
    ctx.translation_lock = lock


def load_evalcases(ctx) -> None:
    cfg = ctx.project.config.project
    folder = cfg.evalcases.strip("/")
    left = cfg.max_evalcase_total_bytes  # the budget for every eval file together
    for rel in ctx.tree.glob(f"{folder}/**/*.jsonl"):
        limit = min(cfg.max_evalcase_file_bytes, left)
        data = read(ctx, rel, limit)
        if data is None:
            if limit == left and left < cfg.max_evalcase_file_bytes:
                why = (f"the eval files together may hold {cfg.max_evalcase_total_bytes:,} bytes "
                       "([project] max_evalcase_total_bytes)")
                ctx.diagnostics[-1] = ctx.diagnostics[-1].model_copy(update={"hint": why})
            continue
        left -= len(data)
        text, diags = decode_source(data, rel, limit)
        ctx.diagnostics += diags
        if text is not None:
            cases, diags = _memo(ctx, ("jsonl", rel, text), lambda: parse_evalcases(text, rel))
            ctx.evalcases += cases
            ctx.diagnostics += diags
