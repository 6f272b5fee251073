"""Every code any constc command prints, declared once.

Four kinds, each declared in its own explicit table next to the code that emits it:

- reserved `E` codes (constc.diagnostics.model.RESERVED): input, parse, reference, config
  and internal errors; not rules, cannot be turned off;
- lint rules `L` (constc.lint.rules.TABLE), with their docstring examples;
- diff change rules (constc.diff.semantic.Rule), with their level and version bump;
- regress verdict codes (constc.regress.VERDICT_CODES).

`constc explain`, the SARIF rule metadata, docs/rules.md and the table in docs/diff.md
are all read from here; tests fail when the generated docs are stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from constc.errors import UsageError, did_you_mean


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    kind: str       # reserved | lint | change | verdict
    level: str      # severity (error/warning/info); for a change rule its diff level or "-"
    summary: str
    doc: str = ""   # longer text: a lint rule's docstring, a change rule's bump


KINDS = {"reserved": "reserved code", "lint": "lint rule", "change": "`constc diff` change rule",
         "verdict": "`constc regress` verdict"}


def catalogue() -> dict[str, Code]:
    from constc.diagnostics.model import RESERVED
    from constc.diff.semantic import RULES as CHANGE_RULES
    from constc.lint import all_rules
    from constc.regress import VERDICT_CODES

    out: dict[str, Code] = {}
    for code, (name, text) in RESERVED.items():
        out[code] = Code(code, name, "reserved", "error", text)
    for r in all_rules().values():
        out[r.code] = Code(r.code, r.name, "lint", r.severity.value, r.summary,
                           "\n".join(r.doc.splitlines()[1:]).strip())
    for c in CHANGE_RULES.values():
        out[c.id] = Code(c.id, c.id.lower().replace("_", "-"), "change", c.level or "-", c.summary, _change_doc(c))
    for v in VERDICT_CODES.values():
        out[v.code] = Code(v.code, v.code.lower().replace("_", "-"), "verdict", v.severity, v.summary, v.doc)
    return out


def _change_doc(c) -> str:
    """When a change rule fails and what it asks of the version, from the rule itself."""
    if c.always_fails:
        when = ("It always fails the diff while `[diff] require_version_bump` is on (the default), at every "
                "`fail_level`: bump the version as far as the message says.")
    elif c.level is None:
        when = "Level — (none): reported, never fails."
    else:
        when = (f"Level {c.level}: fails at `[diff] fail_level` {c.level} or looser, unless approved in the "
                "changelog (for a change to a principle) or listed in `[diff] ignore`.")
    bump = "It needs no version bump of its own." if c.bump == "none" else f"It needs a {c.bump} version bump."
    return f"{when} {bump}"


def names() -> dict[str, tuple[str, str]]:
    """code -> (name, summary), for SARIF rule metadata."""
    return {c.code: (c.name, c.summary) for c in catalogue().values()}


def explain(code: str) -> str:
    codes = catalogue()
    key = code.upper()
    if key not in codes:
        raise UsageError(f"unknown code '{code}'{did_you_mean(key, codes)}; `constc explain --docs` lists every "
                         "code")
    c = codes[key]
    level = f"level {c.level}" if c.kind == "change" else c.level
    body = f"\n\n{c.doc}" if c.doc else ""
    return f"{c.code} {c.name} ({KINDS[c.kind]}, {level})\n\n{c.summary}{body}\n"


def check_lint_codes(codes, where: str) -> None:
    """Unknown lint codes are errors, with a suggestion: a typo must not pass silently."""
    from constc.lint import all_rules

    lint = list(all_rules())
    for code in codes:
        if code not in lint:
            raise UsageError(f"{where}: unknown lint rule '{code}'{did_you_mean(code, lint)}")


def rules_markdown() -> str:
    """docs/rules.md."""
    codes = catalogue().values()
    out = ["# Codes: lint rules, reserved codes, diff change rules, regress verdicts", "",
           "Generated from `constc/catalogue.py` by `constc explain --docs`; do not edit by hand "
           "(a test fails when this file is stale). `constc explain CODE` prints any entry.", "",
           "## Lint rules", "",
           "Lint rules (`L` codes) can be disabled or re-graded in `constc.toml` "
           "(`[lint] disable`, `[lint.severity]`) and suppressed in a file with "
           "`# constc: disable=CODE`.", "",
           "| code | name | default severity | summary |", "| --- | --- | --- | --- |"]
    lint = [c for c in codes if c.kind == "lint"]
    out += [f"| {c.code} | {c.name} | {c.level} | {c.summary} |" for c in lint]
    for c in lint:
        body = c.doc.replace("```const bad", "Fails:\n\n```").replace("```const good", "Passes:\n\n```")
        out += ["", f"### {c.code} {c.name}", "", c.summary, "", body]
    out += ["", "## Reserved codes", "",
            "Errors that are not rules: they cannot be disabled or suppressed.", "",
            "| code | name | meaning |", "| --- | --- | --- |"]
    out += [f"| {c.code} | {c.name} | {c.summary} |" for c in codes if c.kind == "reserved"]
    out += ["", "## Diff change rules", "", "See docs/diff.md for levels and version bumps.", "",
            change_table()]
    out += ["", "## Regress verdicts", "", "See docs/regress.md for how each is decided.", "",
            "| code | severity | meaning |", "| --- | --- | --- |"]
    out += [f"| `{c.code}` | {c.level} | {c.summary} {c.doc} |".replace("  |", " |")
            for c in codes if c.kind == "verdict"]
    return "\n".join(out) + "\n"


def change_table() -> str:
    """The change-rule table of docs/diff.md (between its `rules-table` markers)."""
    from constc.diff.semantic import RULES

    rows = ["| rule | level | bump |", "| --- | --- | --- |"]
    rows += [f"| `{r.id}` — {r.summary} | {r.level or '—'} | {r.bump} |" for r in RULES.values()]
    return "\n".join(rows)


DIFF_MARKERS = ("<!-- rules-table: generated from constc/diff/semantic.py; do not edit -->",
                "<!-- /rules-table -->")


def with_change_table(doc: str) -> str:
    """docs/diff.md with its generated table replaced by the current one."""
    start, end = DIFF_MARKERS
    head, rest = doc.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{change_table()}\n{end}{tail}"


if __name__ == "__main__":  # python -m constc.catalogue: regenerate the docs, from the project root
    from pathlib import Path

    Path("docs/rules.md").write_text(rules_markdown(), encoding="utf-8")
    diff_doc = Path("docs/diff.md")
    diff_doc.write_text(with_change_table(diff_doc.read_text(encoding="utf-8")), encoding="utf-8")
