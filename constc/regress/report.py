"""Render a RegressResult: human, markdown (PR), json, JUnit XML, github annotations."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape, quoteattr

from constc.regress import Outcome, RegressResult


def _pct(x: tuple) -> str:
    flagged, n, ci = x
    if n == 0:
        return "n/a"
    return f"{flagged / n:.0%} ({flagged}/{n}, 95% CI {ci[0]:.0%}–{ci[1]:.0%})"


def _where(o: Outcome) -> str:
    parts = [f"{o.head_span.file}:{o.head_span.line}" if o.head_span else "(removed)"]
    if o.addendum_span:
        parts.append(f"addendum {o.addendum_span.file}:{o.addendum_span.line}")
    return ", ".join(parts)


def _verdict(r: RegressResult) -> str:
    reasons = r.failing_reasons
    head = f"FAIL: {'; '.join(reasons)}" if reasons else "PASS"
    return (f"{head} — {len(r.regressions)} regression(s), {sum(o.kind == 'fix' for o in r.outcomes)} fix(es), "
            f"{sum(o.kind == 'flip' for o in r.outcomes)} other flip(s) over {len(r.outcomes)} "
            f"(case, principle) pairs; {r.labeled} scored by the model, the rest from cache")


def _fmt_p(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def render_human(r: RegressResult) -> str:
    out = [f"constc regress: {r.diff.base.label} -> {r.diff.head.label}"]
    for o in sorted(r.outcomes, key=lambda o: (o.kind != "regression", o.kind != "fix", o.principle_id, o.case_id)):
        if o.kind in ("regression", "fix", "flip", "new", "gone"):
            out.append(f"{o.kind.upper():<10} {o.principle_id:<9} {o.case_id}"
                       f"{' [' + o.mutation + ']' if o.mutation else ''} ({o.locale}) expected {o.expected}: "
                       f"P(violation) {_fmt_p(o.base)} -> {_fmt_p(o.head)}")
            out.append(f"           at {_where(o)}; changed by {', '.join(o.rules) or 'nothing (canary)'}")
    for s in r.stats:
        out.append(f"{s.principle_id:<9} detection {_pct(s.detection['base'])} -> {_pct(s.detection['head'])}; "
                   f"false flags {_pct(s.false_flag['base'])} -> {_pct(s.false_flag['head'])}; "
                   f"McNemar p = {s.p_value:.3g}")
        for t in s.targets:
            out.append(f"          target {t['metric']} {t['op']} {t['target']:.2%}: {t['value']:.2%} "
                       f"{'ok' if t['ok'] else 'MISSED'}")
    out += [f"note: {n}" for n in r.notes]
    out.append(_verdict(r))
    return "\n".join(out)


def render_markdown(r: RegressResult) -> str:
    head_p = {p.id: p for p in r.diff.head_ctx.constitution.principles}
    base_p = {p.id: p for p in r.diff.base_ctx.constitution.principles}
    out = [f"## constc regress: `{r.diff.base.label}` → `{r.diff.head.label}`", "", f"**{_verdict(r)}**", ""]
    if r.notes:
        out += [f"> {n}" for n in r.notes] + [""]
    regs = r.regressions
    if regs:
        out += ["### Regressions", "", "| case | principle | locale | mutation | expected | P(violation) | rule | where |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        out += [f"| `{o.case_id}` | {o.principle_id} | {o.locale} | {o.mutation or '—'} | {o.expected} | "
                f"{_fmt_p(o.base)} → {_fmt_p(o.head)} | {', '.join(o.rules) or '—'} | `{_where(o)}` |" for o in regs]
        for pid in sorted({o.principle_id for o in regs}):
            before, after = base_p.get(pid), head_p.get(pid)
            out += ["", f"#### {pid} — {(after or before).title}", "",
                    "Before:", "", *[f"> {ln}" for ln in (before.statement if before else "(absent)").splitlines()],
                    "", "After:", "", *[f"> {ln}" for ln in (after.statement if after else "(removed)").splitlines()]]
        out.append("")
    fixes = [o for o in r.outcomes if o.kind == "fix"]
    if fixes:
        out += ["### Fixes", ""] + [f"- `{o.case_id}` ({o.principle_id}): {_fmt_p(o.base)} → {_fmt_p(o.head)}"
                                    for o in fixes] + [""]
    out += ["### Metrics", "", "| principle | cases | detection (base → head) | false flags (base → head) | "
            "regressions / fixes | McNemar p | targets at head |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for s in r.stats:
        targets = "; ".join(f"{t['metric']} {t['op']} {t['target']:.1%}: {t['value']:.1%} "
                            f"{'ok' if t['ok'] else '**missed**'}" for t in s.targets) or "—"
        out.append(f"| {s.principle_id} | {s.n} | {_pct(s.detection['base'])} → {_pct(s.detection['head'])} | "
                   f"{_pct(s.false_flag['base'])} → {_pct(s.false_flag['head'])} | {s.regressions} / {s.fixes} | "
                   f"{s.p_value:.3g}{' **significant**' if s.significant else ''} | {targets} |")
    if r.categories:
        out += ["", "| category | cases | detection at head | false flags at head | regressions |",
                "| --- | --- | --- | --- | --- |"]
        out += [f"| {c['category']} | {c['n']} | {_pct(c['detection'])} | {_pct(c['false_flag'])} | "
                f"{c['regressions']} |" for c in r.categories]
    return "\n".join(out) + "\n"


def render_json(r: RegressResult) -> str:
    def span(s):
        return f"{s.file}:{s.line}" if s else None

    return json.dumps({
        "base": r.diff.base.label, "head": r.diff.head.label, "verdict": "fail" if r.failing_reasons else "pass",
        "reasons": r.failing_reasons, "labeled": r.labeled, "affected_pairs": r.affected_pairs, "notes": r.notes,
        "outcomes": [{"case_id": o.case_id, "principle_id": o.principle_id, "locale": o.locale,
                      "mutation": o.mutation, "expected": o.expected, "kind": o.kind, "base": o.base, "head": o.head,
                      "rules": o.rules, "where": span(o.head_span), "addendum": span(o.addendum_span),
                      "canary": o.canary} for o in r.outcomes],
        "principles": [{"principle_id": s.principle_id, "category": s.category, "n": s.n,
                        "regressions": s.regressions, "fixes": s.fixes, "mcnemar_p": s.p_value,
                        "significant": s.significant, "detection": s.detection, "false_flag": s.false_flag,
                        "targets": s.targets} for s in r.stats],
        "categories": r.categories,
    }, indent=2, ensure_ascii=False)


def render_junit(r: RegressResult) -> str:
    cases = []
    for o in r.outcomes:
        name = quoteattr(f"{o.case_id} x {o.principle_id} ({o.locale})")
        body = ""
        if o.head_pass is False:
            kind = "regression" if o.kind == "regression" else "failure"
            body = (f"<failure type={quoteattr(kind)} message={quoteattr(f'expected {o.expected}, P(violation) {_fmt_p(o.head)}')}>"
                    f"{escape(f'{o.principle_id} at {_where(o)}; changed by {chr(44).join(o.rules)}')}</failure>")
        elif o.head_pass is None:
            body = "<skipped/>"
        cases.append(f'    <testcase classname={quoteattr("constc." + o.principle_id)} name={name}>{body}</testcase>')
    failures = sum(o.head_pass is False for o in r.outcomes)
    skipped = sum(o.head_pass is None for o in r.outcomes)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites><testsuite name="constc regress" tests="{len(r.outcomes)}" failures="{failures}" '
            f'skipped="{skipped}">\n' + "\n".join(cases) + "\n</testsuite></testsuites>\n")


def render_github(r: RegressResult) -> str:
    from constc.diagnostics.render import github_annotation

    out = []
    for pid in sorted({o.principle_id for o in r.regressions}):
        o = next(x for x in r.regressions if x.principle_id == pid)
        n = sum(x.principle_id == pid for x in r.regressions)
        out.append(github_annotation("error", "constc regress", f"{pid}: {n} eval case(s) regressed", o.head_span))
    return "\n".join(out)


RENDERERS = {"human": render_human, "markdown": render_markdown, "json": render_json, "junit": render_junit,
             "github": render_github}
