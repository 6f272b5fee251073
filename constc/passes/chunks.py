"""Parse a file block by block, for a caller that parses the same file again and again
with one block changed (the language server, on every keystroke).

A file is cut before each top-level item that starts a line (`principle`, `addendum`,
`jurisdiction`, `include`, the header, a precedence rule); each chunk is parsed on its own
and memoised by its text, then its spans are moved to the chunk's line in the file. Typing
inside one principle re-parses that principle only. The result equals a whole-file parse
(tests/test_lsp.py checks it); when any chunk has an error, the whole file is parsed
instead, so the diagnostics are exactly those of `constc check`.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from constc.cache import Memo
from constc.diagnostics.model import Span
from constc.ir.nodes import PRINCIPLE_ID, STRINGS_AND_COMMENTS, SourceFile

# what decides a cut: strings and comments (skipped whole), braces, and the first word of a line
_SCAN = re.compile(STRINGS_AND_COMMENTS + r"|[{}]|^[ \t]*([A-Za-z][A-Za-z0-9_.]*(?:-[A-Za-z0-9_]+)?)", re.M)
_STARTS = {"constitution", "include", "principle", "addendum", "jurisdiction"}


def cut_lines(text: str) -> list[int]:
    """0-based offsets of the lines where a top-level item starts. (A precedence rule
    broken across lines may be cut wrongly; its chunk then fails to parse, and the whole
    file is parsed instead.)"""
    cuts, depth = [0], 0
    for m in _SCAN.finditer(text):
        word = m.group(1)
        if word is not None:
            if depth == 0 and (word in _STARTS or PRINCIPLE_ID.fullmatch(word)) and m.start() > cuts[-1]:
                cuts.append(m.start())
        elif m.group() == "{":
            depth += 1
        elif m.group() == "}" and depth:
            depth -= 1
    return cuts


def shift(value, lines: int):
    """`value` with every Span in it moved down by `lines`."""
    if isinstance(value, Span):
        return value.model_copy(update={"line": value.line + lines, "end_line": value.end_line + lines})
    if isinstance(value, BaseModel):
        return value.model_copy(update={k: shift(v, lines) for k, v in value.__dict__.items()
                                        if isinstance(v, (Span, BaseModel, list, dict))})
    if isinstance(value, list):
        return [shift(v, lines) for v in value]
    if isinstance(value, dict):
        return {k: shift(v, lines) for k, v in value.items()}
    return value


def parse_chunked(text: str, path: str, parse, memo: Memo):
    """`parse(text, path)`'s result, built from memoised chunks where it can be. A file's
    first version comes whole from the disk cache (warm after any `constc check`); its
    chunks are parsed at its first edit."""
    from constc.cache import cached_parse

    if path not in memo.paths:
        memo.paths.add(path)
        return memo.get(("const", path, text), lambda: cached_parse(text, path, parse))
    return memo.get(("const", path, text), lambda: _parse_chunked(text, path, parse, memo))


def _parse_chunked(text: str, path: str, parse, memo: Memo):
    from constc.grammar.parser import scan_comments

    cuts = cut_lines(text)
    items, diags = [], []
    before, counted = 0, 0  # lines above the chunk, counted once: linear time
    for start, end in zip(cuts, cuts[1:] + [len(text)]):
        chunk = text[start:end]
        before += text.count("\n", counted, start)
        counted = start
        source, chunk_diags = memo.get(("chunk", path, chunk), lambda: parse(chunk, path))
        if source is None or any(d.severity == "error" for d in chunk_diags):
            return parse(text, path)  # located exactly as `check` locates it
        placed = memo.get(("placed", path, chunk, before), lambda: (shift(source.items, before),
                                                                     shift(chunk_diags, before)))
        items += placed[0]
        diags += placed[1]
    out = SourceFile(path=path, items=items)
    out.comments = scan_comments(text)
    return out, diags
