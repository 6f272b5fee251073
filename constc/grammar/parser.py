"""Parse constitution source text into a lark tree, or into named, helpful diagnostics."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path

from lark import (
    Lark,
    Tree,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)
from lark.grammar import Rule
from lark.lexer import PatternStr, TerminalDef

from constc.diagnostics.model import Diagnostic, Span, diag
from constc.errors import did_you_mean
from constc.ir.nodes import STRINGS_AND_COMMENTS, Comment

GRAMMAR = Path(__file__).with_name("constitution.lark")

# Named terminals in words; keywords and punctuation are shown as themselves.
_WORDS = {
    "PRINCIPLE_ID": "a principle ID like HARM-01",
    "LOCALE_TAG": "a locale tag like de-DE",
    "CATEGORY": "a category path like harm.illegal",
    "NAME": "a lower-case name",
    "LABEL": "'violates' or 'complies'",
    "COMPARATOR": "a comparison (<=, >=, <, >, ==)",
    "PERCENT": "'%'",
    "INT": "a whole number",
    "SIGNED_INT": "a whole number",
    "NUMBER": "a number",
    "STRING": "a quoted string",
    "LONG_STRING": 'a """block string"""',
    "$END": "the end of the file",
}
_BLOCK_FIELDS = {"TITLE", "STATEMENT", "CATEGORY", "PRIORITY", "CRITIQUE", "EXAMPLE"}
_TOP_LEVEL = {"PRINCIPLE", "ADDENDUM", "INCLUDE"}


@functools.lru_cache(maxsize=None)
def get_parser(strict: bool = False) -> Lark:
    """The LALR parser. Building its tables takes ~200 ms, so they are cached as JSON in
    constc's own cache directory (never lark's pickle cache in the shared temp directory:
    loading a pickle another user or a pull request planted would run its code)."""
    text = GRAMMAR.read_text(encoding="utf-8")
    options = dict(parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True)
    if strict:
        return Lark(text, strict=True, **options)
    from constc.cache import cache_root, write_atomic

    root = cache_root()
    import lark

    key = hashlib.sha256(f"{lark.__version__}\0{sorted(options.items())}\0{text}".encode()).hexdigest()[:32]
    path = None if root is None else root / "grammar" / f"{key}.json"
    if path is not None:
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_size < 4 << 20:
                return Lark.__new__(Lark)._load(_untag(json.loads(path.read_bytes())))
        except Exception:  # malformed, planted or from another lark: build it again
            pass
    parser = Lark(text, **options)
    if path is not None:
        data, memo = parser.memo_serialize([TerminalDef, Rule])
        try:
            write_atomic(path, json.dumps(_tag({"data": data, "memo": memo})).encode())
        except (OSError, TypeError, ValueError):
            pass
    return parser


def _tag(x):
    """JSON for lark's serialised tables, keeping what JSON would lose: non-string dict
    keys (parse-table states) and tuples."""
    if isinstance(x, dict):
        if all(isinstance(k, str) for k in x) and "\0pairs" not in x and "\0tuple" not in x:
            return {k: _tag(v) for k, v in x.items()}
        return {"\0pairs": [[_tag(k), _tag(v)] for k, v in x.items()]}
    if isinstance(x, tuple):
        return {"\0tuple": [_tag(v) for v in x]}
    if isinstance(x, list):
        return [_tag(v) for v in x]
    return x


def _untag(x):
    if isinstance(x, dict):
        if "\0pairs" in x:
            return {_untag(k): _untag(v) for k, v in x["\0pairs"]}
        if "\0tuple" in x:
            return tuple(_untag(v) for v in x["\0tuple"])
        return {k: _untag(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_untag(v) for v in x]
    return x


def _describe(name: str) -> str:
    if name in _WORDS:
        return _WORDS[name]
    try:
        pattern = get_parser().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    if isinstance(pattern, PatternStr):
        return f"'{pattern.value}'"
    return name.lower()


def expected_words(names) -> str:
    words = sorted({_describe(n) for n in names})
    if len(words) > 6:
        words = words[:6] + ["..."]
    return ", ".join(words)


def _span(path: str, line: int, col: int, width: int = 1) -> Span:
    return Span(file=path, line=line, column=col, end_line=line, end_column=col + width)


def _translate(err: UnexpectedInput, text: str, path: str) -> Diagnostic:
    if isinstance(err, UnexpectedCharacters):
        span = _span(path, err.line, err.column)
        pos = err.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        if ch == '"':
            return diag("E101", "unterminated string", span,
                        hint='close it with " on the same line, or use """ for text over several lines')
        shown = ch if ch.isprintable() else repr(ch)
        return diag("E100", f"unexpected character '{shown}'; expected {expected_words(err.allowed or [])}", span)
    if isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and err.token.type == "$END"):
        line = text.count("\n") + 1
        col = len(text) - (text.rfind("\n") + 1) + 1
        expected = set(err.expected)
        if "RBRACE" in expected:
            return diag("E102", "unexpected end of file: a block is missing its closing '}'",
                        _span(path, line, col, 0))
        return diag("E102", f"unexpected end of file; expected {expected_words(expected)}",
                    _span(path, line, col, 0))
    assert isinstance(err, UnexpectedToken)
    tok = err.token
    span = _span(path, tok.line, tok.column, len(str(tok)))
    expected = set(err.expected)
    value = str(tok)
    wordlike = tok.type in ("NAME", "CATEGORY", "LOCALE_TAG", "PRINCIPLE_ID")
    if expected & _BLOCK_FIELDS and wordlike:
        # every field a block takes, not the parser's expected set at this point (which
        # leaves out the fields a block must open with, such as category)
        names = sorted(n.lower() for n in _FIELD_KEYWORDS)  # each keyword is its terminal's name
        return diag("E100", f"unknown field '{value}'{did_you_mean(value, names)}", span,
                    hint=f"a principle block takes: {', '.join(names)}")
    if expected & _TOP_LEVEL and wordlike:
        return diag("E100", f"unknown keyword '{value}' at top level", span,
                    hint="a file holds: constitution, include, principle, addendum, jurisdiction, "
                         "and precedence rules like HARM-01 over HELP-02")
    if expected == {"PRINCIPLE_ID"}:
        # the lexer may have cut the word short ('HAR' of 'HARM1'): show the whole word
        word = re.match(r'[^\s{}"]+', text[tok.start_pos:]) if tok.start_pos is not None else None
        shown = word.group() if word else value
        return diag("E100", f"expected a principle ID like HARM-01, found '{shown}'",
                    _span(path, tok.line, tok.column, len(shown)))
    return diag("E100", f"unexpected '{value}'; expected {expected_words(expected)}", span)


_FIELD_KEYWORDS = {
    "TITLE", "CATEGORY", "PRIORITY", "SEVERITY", "THRESHOLD", "TAGS", "STATEMENT",
    "CRITIQUE", "REVISION", "COMPARE", "TARGET", "EXAMPLE",
}


def parse_text(text: str, path: str) -> tuple[Tree | None, list[Diagnostic]]:
    try:
        return get_parser().parse(text), []
    except UnexpectedInput as err:
        return None, [_translate(err, text, path)]


_LEXEMES = re.compile(STRINGS_AND_COMMENTS)


def scan_comments(text: str) -> list[Comment]:
    """Comments of a file that parsed: strings are skipped whole, so '#' inside them is text."""
    out = []
    line, counted = 1, 0  # newlines are counted once, from the previous comment on: linear time
    for m in _LEXEMES.finditer(text):
        if m.group().startswith("#"):
            line += text.count("\n", counted, m.start())
            counted = m.start()
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            out.append(Comment(line=line, column=col, text=m.group().rstrip()))
    return out
