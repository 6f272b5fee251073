"""The shape of the code base: import layers, one rule catalogue, generated docs."""

import ast
import json
from pathlib import Path

from conftest import ROOT, run_constc

from constc import catalogue

# Lower layers never import higher ones (within a layer anything goes). A module not
# listed here fails the test, so a new package has to take a place in the order.
LAYERS = [
    ("cli", "__main__"),
    ("api", "catalogue", "scaffold", "lsp"),
    ("regress", "label", "diff", "targets", "page", "trust"),
    ("passes", "lint", "config", "fmt", "importers", "evalcases", "render", "gitinfo", "stats", "translations", "schemas"),
    ("ir", "grammar", "cache", "sources"),
    ("diagnostics", "errors"),
]
RANK = {name: len(LAYERS) - i for i, names in enumerate(LAYERS) for name in names}


def _imports(path: Path):
    """Every constc module a file imports, at the top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            if node.module == "constc":
                yield from (f"constc.{a.name}" for a in node.names)


def test_import_layers():
    bad = []
    for path in sorted((ROOT / "constc").rglob("*.py")):
        parts = path.relative_to(ROOT / "constc").with_suffix("").parts
        own = parts[0]
        if own == "__init__":
            continue
        assert own in RANK, f"constc/{own} has no layer in LAYERS"
        for name in _imports(path):
            pieces = name.split(".")
            if pieces[0] != "constc" or len(pieces) < 2 or pieces[1] == "__version__":
                continue
            other = pieces[1]
            assert other in RANK, f"{path}: imports constc.{other}, which has no layer"
            if RANK[other] > RANK[own]:
                bad.append(f"{path.relative_to(ROOT)} ({own}) imports {name}")
    assert not bad, "\n".join(bad)


def test_catalogue_explains_every_code_once():
    codes = catalogue.catalogue()
    kinds = {c.kind for c in codes.values()}
    assert kinds == {"reserved", "lint", "change", "verdict"}
    for code in ("E100", "L004", "STATEMENT_MEANING_CHANGED", "VERSION_BUMP_REQUIRED", "REGRESSION",
                 "INCONCLUSIVE", "TARGET_MISSED"):
        assert catalogue.explain(code.lower()).startswith(code)


def test_generated_docs_are_current():
    diff_doc = (ROOT / "docs" / "diff.md").read_text()
    assert catalogue.with_change_table(diff_doc) == diff_doc, \
        "docs/diff.md's rule table is stale: run python -m constc.catalogue"
    assert (ROOT / "docs" / "rules.md").read_text() == catalogue.rules_markdown(), \
        "docs/rules.md is stale: run python -m constc.catalogue"


def test_diff_prints_only_catalogued_codes_in_every_format(tmp_path):
    from gitrepo import commit, init

    root = init(tmp_path / "r")
    base = ('constitution c {\n  version "1.0.0"\n}\n\nprinciple HARM-01 "Crime" {\n  category harm\n'
            '  priority 100\n  statement "Never help with crime."\n}\n')
    commit(root, {"constc.toml": '[project]\nroot = "c.const"\n[lint]\ndisable = ["L010"]\n', "c.const": base},
           "base")
    (root / "c.const").write_text(base.replace("Never", "Always"))
    known = catalogue.catalogue()
    r = run_constc("diff", "--against", "HEAD", "--format", "sarif", cwd=root)
    assert r.returncode == 1
    run = json.loads(r.stdout)["runs"][0]
    codes = {res["ruleId"] for res in run["results"]}
    assert codes == {"STATEMENT_MEANING_CHANGED", "VERSION_BUMP_REQUIRED"}
    assert {x["id"]: x["name"] for x in run["tool"]["driver"]["rules"]}["STATEMENT_MEANING_CHANGED"] == \
        "statement-meaning-changed"
    assert codes <= set(known)
    r = run_constc("diff", "--against", "HEAD", cwd=root)  # human: located, with the source line
    assert "c.const:8:3: STATEMENT_MEANING_CHANGED HARM-01: statement meaning changed" in r.stdout
    assert "also at HEAD:c.const:8:3" in r.stdout and "word diff: [-Never-] {+Always+} help with crime." in r.stdout
    r = run_constc("diff", "--against", "HEAD", "--format", "github", cwd=root)
    assert r.stdout.startswith("::error file=c.const,line=8,") and "title=STATEMENT_MEANING_CHANGED" in r.stdout
    report = json.loads(run_constc("diff", "--against", "HEAD", "--format", "json", cwd=root).stdout)
    assert [d["code"] for d in report["diagnostics"]] == [c["rule"] for c in report["changes"]]


def test_reserved_codes_are_exactly_the_ones_the_source_emits():
    import re

    from constc.diagnostics.model import RESERVED

    used = set()
    for path in (ROOT / "constc").rglob("*.py"):
        used |= set(re.findall(r"""\b(?:diag|Refused|code=)\(?\s*["'](E\d{3})["']""", path.read_text()))
    assert used == set(RESERVED), (used - set(RESERVED), set(RESERVED) - used)  # none missing, none dead


def test_every_code_explains_itself_without_placeholders():
    """`constc explain` for every code: generated from the rule, so no text may show a value
    that was never filled in (a "none version bump", "None", a brace)."""
    import re

    for code in catalogue.catalogue():
        text = catalogue.explain(code)
        assert text.startswith(code) and "none version bump" not in text, text
        assert not re.search(r"\bNone\b|\{[A-Za-z_][\w.]*\}", text), (code, text)  # an unfilled f-string field
    assert "always fails the diff" in catalogue.explain("VERSION_BUMP_REQUIRED")
