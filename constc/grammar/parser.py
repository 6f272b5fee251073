"""Parse constitution source text into a lark tree, or into named, helpful diagnostics."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from lark import Lark, Tree, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from constc.diagnostics.model import Diagnostic, diag
from constc.ir.nodes import Comment, Span

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
    """The LALR parser; the grammar analysis is cached on disk by lark."""
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        strict=strict,
        cache=not strict,
    )


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
        ch = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
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
        fields = ", ".join(sorted(_describe(n).strip("'") for n in expected if n in _FIELD_KEYWORDS))
        return diag("E100", f"unknown field '{value}'", span, hint=f"a principle block takes: {fields}")
    if expected & _TOP_LEVEL and wordlike:
        return diag("E100", f"unknown keyword '{value}' at top level", span,
                    hint="a file holds: constitution, include, principle, addendum, jurisdiction, "
                         "and precedence rules like HARM-01 over HELP-02")
    if expected == {"PRINCIPLE_ID"}:
        return diag("E100", f"expected a principle ID like HARM-01, found '{value}'", span)
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


_LEXEMES = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def scan_comments(text: str) -> list[Comment]:
    """Comments of a file that parsed: strings are skipped whole, so '#' inside them is text."""
    out = []
    for m in _LEXEMES.finditer(text):
        if m.group().startswith("#"):
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            out.append(Comment(line=line, column=col, text=m.group().rstrip()))
    return out
