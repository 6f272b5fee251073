"""Golden files: input -> diagnostics, input -> formatted output. --update-golden rewrites."""

from pathlib import Path

import pytest

from constc.config import find_project
from constc.diagnostics.render import render_human
from constc.fmt import format_text
from constc.passes import compile_project

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("path", sorted((GOLDEN / "diagnostics").glob("*.const")), ids=lambda p: p.stem)
def test_diagnostics(path, golden, tmp_path, monkeypatch):
    target = tmp_path / path.name
    target.write_bytes(path.read_bytes())
    ctx = compile_project(find_project(target))
    golden(path.with_suffix(".txt"), render_human(ctx.diagnostics, ctx.texts) + "\n")


@pytest.mark.parametrize("path", sorted(p for p in (GOLDEN / "fmt").glob("*.const")
                                         if not p.name.endswith(".expected.const")), ids=lambda p: p.stem)
def test_formatted(path, golden):
    out, diags = format_text(path.read_text(encoding="utf-8"), path.name)
    assert not diags
    golden(path.with_name(path.stem + ".expected.const"), out)
    assert format_text(out, path.name)[0] == out
