"""Properties: formatting preserves meaning, and no text makes the parser raise."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constc.fmt import format_source, format_text
from constc.ir.nodes import strip_spans
from constc.passes.load import parse_source

from strategies import source_files

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(source_files())
def test_format_then_parse_gives_the_same_ir(source):
    text = format_source(source, "")
    parsed, diags = parse_source(text, "gen.const")
    assert not diags, (text, diags)
    assert strip_spans(parsed) == strip_spans(source)
    assert format_text(text, "gen.const")[0] == text  # idempotent


KEYWORDS = ["principle", "addendum", "constitution", "jurisdiction", "include", "over", "{", "}", "[", "]",
            '"', '"""', "#", "HARM-01", "category", "priority", "statement", "example", "violates", "\n", " ",
            "locale", "de-DE", "1", "%", "<=", "\\", "\x00", "é"]


@SETTINGS
@given(st.one_of(st.text(max_size=200), st.lists(st.sampled_from(KEYWORDS), max_size=60).map(" ".join)))
def test_random_text_gives_diagnostics_never_exceptions(text):
    source, diags = parse_source(text, "fuzz.const")
    assert source is not None or diags
    for d in diags:
        assert d.code.startswith("E") and d.span is not None and d.span.line >= 1
    if source is not None and not diags:
        out, fdiags = format_text(text, "fuzz.const")
        assert out is not None or fdiags
