"""A RegressResult as diagnostics (human, github, sarif through the one renderer; the JSON
report embeds them) and as the report formats (markdown for the PR, JUnit XML).

Every format starts with the verdict and, when any principle is inconclusive, says so
before anything else: a reader must never take "no regression found" from a judge that
could not tell. docs/regress.md explains each number.
"""

from __future__ import annotations

import json
import math
import re
from xml.sax.saxutils import escape, quoteattr

from constc.diagnostics.markdown import code, md, quote
from constc.diagnostics.model import Diagnostic, Severity
from constc.diagnostics.render import RENDERERS as DIAGNOSTIC_RENDERERS
from constc.diagnostics.render import as_records, terminal_safe
from constc.diff.report import as_dict as diff_dict
from constc.diff.report import on_base, texts
from constc.regress import Outcome, PrincipleVerdict, RegressResult, TargetCheck


def _pct(x) -> str:
    """A Rate as `33% (2/6, 95% CI 10%–70%)`."""
    if not x:
        return "n/a"
    k, n, ci = x
    if n == 0:
        return "n/a"
    return f"{k / n:.0%} ({k}/{n}" + (f", 95% CI {ci[0]:.0%}–{ci[1]:.0%})" if ci else ")")


def _auc(a) -> str:
    if a is None:
        return "n/a"
    variants = f", {a.cases} cases" if a.cases > a.n else ""
    return f"{a.value:.2f} (95% CI {a.low:.2f}–{a.high:.2f}, n = {a.n} parent cases{variants})"


def _where(o: Outcome) -> str:
    parts = [f"{o.head_span.file}:{o.head_span.line}" if o.head_span else "(removed)"]
    if o.addendum_span:
        parts.append(f"addendum {o.addendum_span.file}:{o.addendum_span.line}")
    return ", ".join(parts)


def _fmt_p(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _summary(r: RegressResult) -> str:
    from constc.label.methods import GENERATING

    counts = {v: sum(s.verdict == v for s in r.stats) for v in ("regression", "no regression", "inconclusive")}
    return (f"{counts['regression']} principle(s) regressed, {counts['no regression']} without regression, "
            f"{counts['inconclusive']} inconclusive; {len(r.outcomes)} (case, principle) pairs, "
            f"{r.labeled} prompt(s) scored by the model (method {r.method}), the rest from cache; "
            f"{r.control_pairs} pair(s) also under the control principle ({r.control_scored} scored)"
            + (f". {r.method} writes labels, not probabilities: each score is 0 or 1, so an AUROC is the balanced "
               "accuracy and the matched false-flag cut is the label itself" if r.method in GENERATING else ""))


def _headline(r: RegressResult) -> str:
    what = _summary(r)
    if r.status == "fail":
        return f"FAIL: {'; '.join(r.failing_reasons)} — {what}"
    if r.status == "inconclusive":
        return f"INCONCLUSIVE: no regression shown, but nothing could be concluded for some principles — {what}"
    return f"PASS — {what}"


def _roc(s: PrincipleVerdict) -> str:
    if s.roc is None:
        return f"base {_auc(s.validity)}"
    tested = "not tested" if s.p_adjusted is None else f"Holm-adjusted {s.p_adjusted:.3g} over {s.family}"
    return (f"{s.roc.base.value:.2f} → {s.roc.head.value:.2f} (difference {s.roc.difference:+.2f}, "
            f"one-sided p = {s.roc.p_value:.3g}, {tested})")


def _target(t: TargetCheck) -> str:
    base = "n/a" if t.base is None else _pct(t.base)
    return f"{t.metric} {t.op} {t.target:.1%}: base {base} → head {_pct(t.head)}: {t.status}"


_VERDICT = {"regression": ("REGRESSION", Severity.error), "inconclusive": ("INCONCLUSIVE", Severity.warning),
            "no regression": ("NO_REGRESSION", Severity.info)}


def _numbers(s: PrincipleVerdict) -> list[str]:
    out = [f"judge validity (base): AUROC {_auc(s.validity)}", f"AUROC base → head (the deciding test): {_roc(s)}",
           f"explanation, at a matched false-flag rate of {s.matched_rate:.0%}: detection "
           f"{_pct(s.detection.get('base'))} → {_pct(s.detection.get('head'))}; false flags in this sample "
           f"{_pct(s.false_flag.get('base'))} → {_pct(s.false_flag.get('head'))}; flips lost / gained "
           f"{s.regressions} / {s.fixes}"]
    out.append(f"principle sensitivity: {s.sensitivity_note}")
    if s.mean_shift is not None:
        out.append(f"calibration shift: mean P(violation) {s.mean_shift:+.3f} (information, never a verdict)")
    return out + [f"power: {s.power_note}"]


def diagnostics(r: RegressResult) -> list[Diagnostic]:
    """One diagnostic per principle verdict and per target, at the principle's line."""
    head = {p.id: p.span for p in r.diff.head_ctx.constitution.principles}
    base = {p.id: p.span for p in r.diff.base_ctx.constitution.principles}
    out = []
    for s in r.stats:
        span = head.get(s.principle_id) or on_base(base.get(s.principle_id), r.diff)
        base_span = on_base(base.get(s.principle_id), r.diff)
        related = [base_span] if base_span and s.principle_id in head else []
        code, severity = _VERDICT[s.verdict]
        if s.verdict == "inconclusive" and r.on_inconclusive == "fail":
            severity = Severity.error
        out.append(Diagnostic(code=code, severity=severity, message=f"{s.name}: {s.reason}", span=span,
                              related=related, notes=_numbers(s)))
        for t in s.targets:
            out.append(Diagnostic(
                code="TARGET_MISSED" if t.fails else "TARGET_NOTE",
                severity=Severity.error if t.fails and r.fail_on_targets else
                Severity.warning if t.fails else Severity.info,
                message=f"{s.name}: target {_target(t)}", span=span))
    return out


def render_human(r: RegressResult) -> str:
    out = [f"constc regress: {r.diff.base.label} -> {r.diff.head.label}", _headline(r)]
    out += [f"WARNING: {b}" for b in r.banners]
    out += ["", DIAGNOSTIC_RENDERERS["human"](diagnostics(r), texts(r.diff))]
    flips = [o for o in r.outcomes if o.kind in ("regression", "fix")]
    if flips:
        out.append("")
    for o in sorted(flips, key=lambda o: (o.kind != "regression", o.principle_id, o.case_id)):
        out.append(f"{o.kind.upper():<10} {o.principle_id:<9} {o.case_id}"
                   f"{' [' + o.mutation + ']' if o.mutation else ''} ({o.locale}) expected {o.expected}: "
                   f"P(violation) {_fmt_p(o.base)} -> {_fmt_p(o.head)}")
        out.append(f"           at {_where(o)}; changed by {', '.join(o.rules) or 'nothing (canary)'}")
    out += [f"note: {n}" for n in r.notes]
    # case IDs, labels and notes are project text: no escape sequence reaches the terminal
    return "\n".join(terminal_safe(line) for line in out)


def render_markdown(r: RegressResult) -> str:
    head_p = {p.id: p for p in r.diff.head_ctx.constitution.principles}
    base_p = {p.id: p for p in r.diff.base_ctx.constitution.principles}
    out = [f"## constc regress: {code(r.diff.base.label)} → {code(r.diff.head.label)}", "", f"**{_headline(r)}**", ""]
    if r.banners:
        out += [f"> ⚠️ **{b}**" for b in r.banners] + [""]
    if r.notes:
        out += [f"> {md(n)}" for n in r.notes] + [""]
    out += ["### Verdicts", "",
            "| principle | verdict | judge validity: AUROC at base | under the control principle | AUROC base → head "
            "(deciding test) | detection at matched false-flag rate (base → head) | flips lost / gained | mean ΔP | "
            "power |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in r.stats:
        shift = "—" if s.mean_shift is None else f"{s.mean_shift:+.3f}"
        control = "n/a" if s.sensitivity is None else \
            f"{s.sensitivity.base.value:.2f} ({'reads it' if s.responds else 'not shown to read it'})"
        out.append(f"| {md(s.name)} | **{s.verdict}** | {_auc(s.validity)} | {control} | {_roc(s)} | "
                   f"{_pct(s.detection.get('base'))} → {_pct(s.detection.get('head'))} at {s.matched_rate:.0%} | "
                   f"{s.regressions} / {s.fixes} | {shift} | {s.power_note} |")
    out += [""] + [f"- **{md(s.name)}**: {s.reason}" for s in r.stats] + [""]
    if r.family:
        out += [f"One-sided tests; Holm's adjustment spans {r.family} test(s) (principles and gated targets), so the "
                f"gate's family-wise false-alarm rate is at most α = {r.alpha}. Detection and flips at the matched "
                "false-flag rate explain a verdict; they do not decide it.", ""]
    targets = [(s, t) for s in r.stats for t in s.targets]
    if targets:
        out += ["### Targets (at the configured thresholds)", "",
                "| principle | target | base | head | status |", "| --- | --- | --- | --- | --- |"]
        out += [f"| {md(s.name)} | {t.metric} {t.op} {t.target:.1%} | "
                f"{'n/a' if t.base is None else _pct(t.base)} | {_pct(t.head)} | "
                f"{'**' + t.status + '**' if t.fails else t.status} |" for s, t in targets]
        out.append("")
    regs = r.regressions
    if regs:
        out += ["### Violating cases no longer flagged (at the matched false-flag rate)", "",
                "| case | principle | locale | mutation | P(violation) | rule | where |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        out += [f"| {code(o.case_id)} | {o.principle_id} | {md(o.locale)} | {o.mutation or '—'} | "
                f"{_fmt_p(o.base)} → {_fmt_p(o.head)} | {', '.join(o.rules) or '—'} | {code(_where(o))} |"
                for o in regs if o.expected == "violates"]
        out += [f"| {code(o.case_id)} (complying, now flagged) | {o.principle_id} | {md(o.locale)} | "
                f"{o.mutation or '—'} | {_fmt_p(o.base)} → {_fmt_p(o.head)} | {', '.join(o.rules) or '—'} | "
                f"{code(_where(o))} |" for o in regs if o.expected != "violates"]
        for pid in sorted({o.principle_id for o in regs}):
            before, after = base_p.get(pid), head_p.get(pid)
            shown = after or before
            title = shown.title if shown else ""
            old = (before.statement if before else None) or "(absent)"
            new = (after.statement if after else None) or "(removed)"
            out += ["", f"#### {pid} — {md(title)}", "", "Before:", "", quote(old), "", "After:", "", quote(new)]
        out.append("")
    fixes = [o for o in r.outcomes if o.kind == "fix"]
    if fixes:
        out += ["### Fixes", ""] + [f"- {code(o.case_id)} ({o.principle_id}, expected {o.expected}): "
                                    f"{_fmt_p(o.base)} → {_fmt_p(o.head)}" for o in fixes] + [""]
    return "\n".join(out) + "\n"


def _rate_json(x):
    if not x:
        return None
    k, n, ci = x
    return {"count": k, "n": n, "rate": k / n if n else None, "ci": list(ci) if ci else None}


def _auc_json(a):
    return None if a is None else a.as_dict()


def as_dict(r: RegressResult) -> dict:
    def span(s):
        return f"{s.file}:{s.line}" if s else None

    return {
        "base": r.diff.base.label, "head": r.diff.head.label, "verdict": r.status, "headline": _headline(r), "summary": _summary(r),
        "method": r.method,
        "reasons": r.failing_reasons, "inconclusive": r.banners, "labeled": r.labeled,
        "affected_pairs": r.affected_pairs, "notes": r.notes, "alpha": r.alpha, "on_inconclusive": r.on_inconclusive,
        "family": r.family, "control_pairs": r.control_pairs, "control_scored": r.control_scored,
        "principles": [{
            "principle_id": s.principle_id, "locale": s.locale, "name": s.name, "category": s.category, "n": s.n,
            "verdict": s.verdict,
            "reason": s.reason, "judge_validity": _auc_json(s.validity),
            "parents": {"violating": s.parents[0], "complying": s.parents[1]},
            "auroc": None if s.roc is None else {"base": _auc_json(s.roc.base), "head": _auc_json(s.roc.head),
                                                 "difference": s.roc.difference, "se": s.roc.se, "df": s.roc.df,
                                                 "p_one_sided": s.roc.p_value, "p_holm": s.p_adjusted},
            "ranking_held": s.ranking_held, "responds": s.responds, "sensitivity": s.sensitivity_note,
            "control_auroc": None if s.sensitivity is None else _auc_json(s.sensitivity.base),
            "matched_false_flag_rate": s.matched_rate,
            "cuts": {k: v if v is not None and math.isfinite(v) else None for k, v in s.cuts.items()},
            "detection": {k: _rate_json(v) for k, v in s.detection.items()},
            "false_flag": {k: _rate_json(v) for k, v in s.false_flag.items()},
            "regressions": s.regressions, "fixes": s.fixes, "mean_shift": s.mean_shift,
            "power": s.power_note, "power_detail": s.power.as_dict() if s.power else None,
            "targets": [{"metric": t.metric, "op": t.op, "target": t.target, "base": _rate_json(t.base),
                         "head": _rate_json(t.head), "worse": t.worse, "better": t.better, "test": t.test,
                         "p_one_sided": t.p_value, "p_holm": t.p_adjusted, "gated": t.gated,
                         "status": t.status, "fails": t.fails} for t in s.targets],
        } for s in r.stats],
        "outcomes": [{"case_id": o.case_id, "principle_id": o.principle_id, "locale": o.locale,
                      "mutation": o.mutation, "expected": o.expected, "kind": o.kind, "base": o.base, "head": o.head,
                      "base_flag": o.base_flag, "head_flag": o.head_flag, "base_pred": o.base_pred,
                      "head_pred": o.head_pred, "rules": o.rules, "where": span(o.head_span),
                      "addendum": span(o.addendum_span), "canary": o.canary} for o in r.outcomes],
        "categories": r.categories,
        "diagnostics": as_records(diagnostics(r)),
        "diff": diff_dict(r.diff),
    }


def render_json(r: RegressResult) -> str:
    return json.dumps(as_dict(r), indent=2, ensure_ascii=False)


def render_junit(r: RegressResult) -> str:
    """One test per principle verdict (failure: regression; skipped: inconclusive), then one
    per (case, principle) at the configured threshold, as deployed."""
    cases = []
    for s in r.stats:
        body = ""
        if s.verdict == "regression":
            body = f"<failure type=\"regression\" message={quoteattr(s.reason)}/>"
        elif s.verdict == "inconclusive":
            body = f"<skipped message={quoteattr(s.reason)}/>"
        cases.append(f'    <testcase classname="constc.verdict" name={quoteattr(s.name)}>{body}</testcase>')
    for o in r.outcomes:
        name = quoteattr(f"{o.case_id} x {o.principle_id} ({o.locale})")
        body = ""
        if o.head_pred is not None and o.head_pred != o.expected:
            body = (f"<failure type=\"mislabeled\" message={quoteattr(f'expected {o.expected}, P(violation) {_fmt_p(o.head)}')}>"
                    f"{escape(f'{o.principle_id} at {_where(o)}; changed by {chr(44).join(o.rules)}')}</failure>")
        elif o.head_pred is None:
            body = "<skipped/>"
        cases.append(f'    <testcase classname={quoteattr("constc." + o.principle_id)} name={name}>{body}</testcase>')
    failures = sum("<failure" in c for c in cases)
    skipped = sum("<skipped" in c for c in cases)
    return _xml_safe('<?xml version="1.0" encoding="UTF-8"?>\n'
                     f'<testsuites><testsuite name="constc regress" tests="{len(cases)}" failures="{failures}" '
                     f'skipped="{skipped}">\n' + "\n".join(cases) + "\n</testsuite></testsuites>\n")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Characters XML 1.0 cannot hold even escaped (control characters in a case ID) shown
    as `[U+001B]`: one of them would make the whole JUnit file unreadable."""
    return _NOT_XML.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def render_github(r: RegressResult) -> str:
    return DIAGNOSTIC_RENDERERS["github"](diagnostics(r))


def render_sarif(r: RegressResult, rules=None) -> str:
    return DIAGNOSTIC_RENDERERS["sarif"](diagnostics(r), rules=rules)


def render_html(r: RegressResult) -> str:
    """The reviewer's page: a view of the JSON report (constc/page)."""
    from constc.page import render

    return render("regress", as_dict(r))


RENDERERS = {"human": render_human, "markdown": render_markdown, "json": render_json, "junit": render_junit,
             "github": render_github, "sarif": render_sarif, "html": render_html}
