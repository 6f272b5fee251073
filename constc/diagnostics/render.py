"""Renderers: one list of diagnostics, four formats (human, json, github, sarif)."""

from __future__ import annotations

import json
import re
from typing import Callable, Mapping

from constc.diagnostics.model import RESERVED, Diagnostic

FORMATS = ("human", "json", "github", "sarif")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SHOWN = 160  # characters of a source line shown around the column


def terminal_safe(text: str) -> str:
    """Control characters (ANSI escapes, bidi overrides) shown as escapes, never sent raw:
    a source file or case must not be able to rewrite the reader's terminal."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


def render_human(diags: list[Diagnostic], texts: Mapping[str, str] | None = None, rules=None) -> str:
    """`path:line:col: CODE message`, then the source line with a caret under the column."""
    texts = texts or {}
    out = []
    split: dict[str, list[str]] = {}  # each file is split once, however many diagnostics it has
    for d in diags:
        s = d.span
        where = f"{s.file}:{s.line}:{s.column}: " if s else ""
        sev = "" if d.severity == "error" else f"[{d.severity.value}] "
        out.append(terminal_safe(f"{where}{d.code} {sev}{d.message}"))
        if s is not None and s.file not in split:
            split[s.file] = texts.get(s.file, "").splitlines()
        lines = split[s.file] if s is not None else []
        if s and 0 < s.line <= len(lines):
            src = lines[s.line - 1].expandtabs(1)
            column = s.column
            if len(src) > _SHOWN:  # a window around the column of a very long line
                start = max(0, column - 1 - _SHOWN // 2)
                src, column = ("…" if start else "") + src[start:start + _SHOWN] + "…", column - start + bool(start)
            width = max(1, (s.end_column - s.column) if s.end_line == s.line else len(src) - column + 1)
            out.append(f"  {terminal_safe(src)}")
            out.append("  " + " " * (column - 1) + "^" + "~" * (min(width, 80) - 1))
        out += [terminal_safe(f"  also at {r.file}:{r.line}:{r.column}") for r in d.related]
        out += [terminal_safe(f"  {note}") for note in d.notes]
        if d.hint:
            out.append(terminal_safe(f"  hint: {d.hint}"))
    return "\n".join(out)


def summary(diags: list[Diagnostic]) -> str:
    counts = {sev: sum(d.severity == sev for d in diags) for sev in ("error", "warning", "info")}
    parts = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in counts.items() if n]
    return ", ".join(parts) if parts else "no problems"


def as_records(diags: list[Diagnostic]) -> list[dict]:
    """The JSON form of diagnostics (also embedded in the diff and regress JSON reports)."""
    return [d.model_dump(mode="json") for d in diags]


def render_json(diags: list[Diagnostic], texts=None, rules=None) -> str:
    return json.dumps(as_records(diags), indent=2, ensure_ascii=False)


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github_annotation(level: str, title: str, message: str, span=None) -> str:
    """One GitHub Actions workflow command (error, warning or notice), on a line when given a span."""
    props = []
    if span is not None:
        props = [f"file={_gh_escape(span.file, True)}", f"line={span.line}", f"col={span.column}",
                 f"endLine={span.end_line}"]
    props.append(f"title={_gh_escape(title, True)}")
    return f"::{level} {','.join(props)}::{_gh_escape(message)}"


def _full_message(d: Diagnostic) -> str:
    return "\n".join([d.message, *d.notes] + ([d.hint] if d.hint else []))


def render_github(diags: list[Diagnostic], texts=None, rules=None) -> str:
    """GitHub Actions workflow commands: annotations on the changed lines of a PR."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    return "\n".join(github_annotation(level[d.severity.value], d.code, _full_message(d), d.span) for d in diags)


def render_sarif(diags: list[Diagnostic], texts=None, rules: Mapping[str, tuple[str, str]] | None = None) -> str:
    """SARIF 2.1.0. `rules`: code -> (name, summary) for the rule metadata (the catalogue's
    names(); this layer sits below the rule tables and cannot read them itself)."""
    from constc import __version__

    names = rules or RESERVED
    codes = sorted({d.code for d in diags})
    driver_rules = []
    for code in codes:
        name, text = names.get(code, (code, code))
        driver_rules.append({"id": code, "name": name, "shortDescription": {"text": text}})
    index = {code: i for i, code in enumerate(codes)}
    level = {"error": "error", "warning": "warning", "info": "note"}
    results = []
    for d in diags:
        r = {"ruleId": d.code, "ruleIndex": index[d.code], "level": level[d.severity.value],
             "message": {"text": _full_message(d)}}
        if d.span:
            s = d.span
            r["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": s.file},
                "region": {"startLine": s.line, "startColumn": s.column,
                           "endLine": s.end_line, "endColumn": max(s.end_column, s.column)}}}]
        if d.related:
            r["relatedLocations"] = [{"id": i, "physicalLocation": {
                "artifactLocation": {"uri": s.file}, "region": {"startLine": s.line, "startColumn": s.column}}}
                for i, s in enumerate(d.related)]
        results.append(r)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "constc", "version": __version__,
                                      "rules": driver_rules}},
                  "results": results}],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


RENDERERS: dict[str, Callable[..., str]] = {
    "human": render_human, "json": render_json, "github": render_github, "sarif": render_sarif,
}
