"""Grammar and parse errors: named, positioned, never a traceback."""

import pytest

from constc.grammar.parser import get_parser, parse_text, scan_comments
from constc.ir.build import block_value
from constc.passes.load import decode_source, parse_source


def test_grammar_has_no_conflicts_or_collisions():
    get_parser(strict=True)  # raises on shift/reduce conflicts and terminal collisions


@pytest.mark.parametrize("src, code, message, col", [
    ('principle HARM-01 "Illegal', "E101", "unterminated string", 19),
    ('principle HARM-01 "x" {\n  statement """never closed\n}', "E101", "unterminated string", 15),
    ('principle HARM-01 "x" { colour red }', "E100", "unknown field 'colour'", 25),
    ('principle harm "x" {}', "E100", "expected a principle ID like HARM-01, found 'harm'", 11),
    ('principle HARM1 "x" {}', "E100", "expected a principle ID like HARM-01, found 'HARM1'", 11),
    ('principle HARM-01 "x" { categry harm }', "E100", "unknown field 'categry' (did you mean category?)", 25),
    ('principle HARM-01 "x" {', "E102", "missing its closing '}'", 24),
    ('policy HARM-01 {}', "E100", "unknown keyword 'policy' at top level", 1),
    ('principle HARM-01 "x" { priority high }', "E100", "expected a whole number", 34),
    ('principle HARM-01 "x" { statement "bad \\q escape" }', "E103", "invalid string", 35),
    ('principle HARM-01 "x" { priority 99999999999999 }', "E104", "too large", 34),
    ("{" * 20000, "E100", "unexpected '{'", 1),
], ids=["unterminated", "unterminated-block", "unknown-field", "bad-id", "bad-id-whole-word", "misspelt-field",
        "eof", "unknown-keyword",
        "not-a-number", "bad-escape", "int-overflow", "deep-nesting"])
def test_named_errors(src, code, message, col):
    source, diags = parse_source(src, "f.const")
    assert diags, "expected a diagnostic"
    d = diags[0]
    assert d.code == code
    assert message in d.message
    assert d.span.file == "f.const" and d.span.column == col


def test_an_unknown_field_lists_every_field_a_block_takes():
    _, diags = parse_text('principle HARM-01 "x" { colour red }', "f.const")
    listed = diags[0].hint.removeprefix("a principle block takes: ").split(", ")
    assert listed == sorted(["category", "compare", "critique", "example", "priority", "revision", "severity",
                             "statement", "tags", "target", "threshold", "title"])


def test_expected_tokens_are_words_not_token_names():
    _, diags = parse_text('principle HARM-01 "x" { priority }', "f.const")
    assert "SIGNED_INT" not in diags[0].message and "whole number" in diags[0].message


@pytest.mark.parametrize("data, code", [
    (b"principle \x00\x01\x02", "E202"),
    (b'principle HARM-01 "caf\xe9" {}', "E201"),
    (b"x" * 5000, "E203"),
])
def test_bad_bytes(data, code):
    text, diags = decode_source(data, "f.const", max_bytes=4000)
    assert text is None and diags[0].code == code


def test_invalid_utf8_points_at_the_byte():
    _, diags = decode_source(b'ok\nprinciple "\xff"', "f.const", 10_000)
    assert (diags[0].span.line, diags[0].span.column) == (2, 12)


def test_block_string_dedent():
    assert block_value('"""\n    first\n      second\n  """') == "first\n  second"
    assert block_value('"""one line"""') == "one line"


def test_comments_inside_strings_are_text():
    text = 'principle AB-01 "# not a comment" { # real\n statement """\n # also text\n """ }\n'
    assert [c.text for c in scan_comments(text)] == ["# real"]
    source, diags = parse_source(text, "f.const")
    assert not diags and source.items[0].statement == "# also text"


def test_spans_on_every_node():
    source, _ = parse_source('principle AB-01 "t" {\n  category a.b\n  example violates x { prompt "p" }\n}\n', "f")
    p = source.items[0]
    assert (p.span.line, p.span.end_line) == (1, 4)
    assert p.field_spans["category"].line == 2
    assert p.examples[0].span.line == 3


def test_the_python_name_pattern_is_the_grammars():
    """init and import make names with constc.grammar.NAME; it must be the lark terminal."""
    import re

    from constc.grammar import NAME
    from constc.grammar.parser import GRAMMAR

    assert re.search(r"^NAME: /(.*)/$", GRAMMAR.read_text(), re.M).group(1) == NAME.pattern
