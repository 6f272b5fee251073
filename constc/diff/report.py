"""A DiffResult as diagnostics (human, json, github, sarif through the one renderer) and as
the PR report formats (markdown, and the JSON report that embeds those diagnostics)."""

from __future__ import annotations

import json
from difflib import SequenceMatcher

from constc.diagnostics.markdown import code, inline, md, quote
from constc.diagnostics.model import Diagnostic, Severity, Span
from constc.diagnostics.render import RENDERERS as DIAGNOSTIC_RENDERERS
from constc.diagnostics.render import as_records
from constc.diff import DiffResult
from constc.diff.semantic import RULES, Change, fails
from constc.ir.nodes import TEXT_FIELDS


def word_ops(before: str | None, after: str | None) -> list[tuple[str, str, str]]:
    """(op, old words, new words) runs of a word-level diff; op is equal, delete, insert or replace."""
    a, b = (before or "").split(), (after or "").split()
    return [(op, " ".join(a[i1:i2]), " ".join(b[j1:j2]))
            for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes()]


def word_diff(before: str | None, after: str | None, style: str = "human") -> str:
    """Words removed and added, git --word-diff style ([-old-]{+new+}) or markdown (~~old~~ **new**)."""
    out = []
    for op, old, new in word_ops(before, after):
        if op == "equal":
            out.append(old if style == "human" else md(old))
            continue
        if old:
            out.append(f"[-{old}-]" if style == "human" else f"~~{md(old)}~~")
        if new:
            out.append(f"{{+{new}+}}" if style == "human" else f"**{md(new)}**")
    return " ".join(out)


def _where(c: Change, result: DiffResult, style: str = "human") -> str:
    def link(span, side):
        if span is None:
            return None
        text = f"{span.file}:{span.line}"
        return f"{code(text)} ({md(side.label)})" if style == "markdown" else f"{text} ({side.label})"

    parts = [x for x in (link(c.base_span, result.base), link(c.head_span, result.head)) if x]
    return " -> ".join(parts)


def _title(ctx) -> str:
    h = ctx.constitution.header
    return f"{h.name} {h.version}" if h else "(no constitution)"


def _verdict(result: DiffResult) -> str:
    failing = result.failing
    if not result.compared:
        sides = [label for label, ctx in ((result.base.label, result.base_ctx), (result.head.label, result.head_ctx))
                 if any(d.severity == "error" for d in ctx.diagnostics)]
        return (f"not compared: {' and '.join(sides)} {'has' if len(sides) == 1 else 'have'} errors (listed), so the "
                "gate fails" + ("; no ancestor of the base within 50 commits compiles either: compare against a "
                                "revision that compiles (--base REV)" if result.broken_base else ""))
    if result.broken_base:
        return (f"the base {result.broken_base} does not compile; compared against its last ancestor that does, "
                f"{result.base.label}: " + _counts(result, failing))
    return _counts(result, failing)


def _counts(result: DiffResult, failing: list) -> str:
    if not result.all_changes:
        return "no changes to the constitution"
    need = result.required_bump
    bump = f"; needs a {need} version bump" if need != "none" else ""
    status = f"{len(failing)} failing" if failing else "nothing failing"
    return f"{len(result.changes)} change(s), {status} at level {result.fail_level}{bump}"


def on_base(span: Span | None, result: DiffResult) -> Span | None:
    """A span at the base revision, named `REV:path` so it is never read as the working file."""
    return None if span is None else span.model_copy(update={"file": f"{result.base.label}:{span.file}"})


def texts(result: DiffResult) -> dict[str, str]:
    """Source text for every span the diagnostics can name, at both revisions."""
    out = {f"{result.base.label}:{k}": v for k, v in result.base_ctx.texts.items()}
    out.update(result.head_ctx.texts)
    return out


def diagnostics(result: DiffResult) -> list[Diagnostic]:
    """Every change as a Diagnostic: its rule as the code, an error when it fails the gate,
    located at the head (or, for what was removed, at the base), the other side related."""
    stale: dict[str, list[str]] = {}
    if result.compared:
        for s in result.head_translations:
            if s.status == "stale" and s.span:
                stale.setdefault(s.principle_id, []).append(f"{s.locale} ({s.span.file}:{s.span.line})")
    out = []
    for c in result.all_changes:
        rule = RULES[c.rule]
        span = c.head_span or on_base(c.base_span, result)
        base_span = on_base(c.base_span, result)
        related = [base_span] if c.head_span and base_span else []
        notes = [f"{rule.level or 'informational'} change, needs a {rule.bump} version bump"] \
            if rule.bump != "none" else []
        if c.field in TEXT_FIELDS and c.before and c.after:
            notes.append(f"word diff: {word_diff(c.before, c.after)}")
        if c.field in TEXT_FIELDS and c.principle_id in stale:
            notes.append(f"translations now stale: {', '.join(stale[c.principle_id])}")
        if c.approval:
            notes.append(f"approved in {c.approval}")
        if c.ignored:
            notes.append("ignored by [diff] ignore in constc.toml")
        failing = fails(c, result.fail_level)
        out.append(Diagnostic(code=c.rule, severity=Severity.error if failing else Severity.info,
                              message=c.message, span=span, related=related, notes=notes,
                              hint=approval_hint(c, result) if failing else None))
    for d in result.problems:
        base_side = d.message.startswith(f"[{result.base.label}]")
        out.append(d.model_copy(update={"span": on_base(d.span, result)}) if base_side else d)
    return out


def approval_hint(c: Change, result: DiffResult) -> str | None:
    """Exactly what approves a failing meaning change (docs/diff.md)."""
    from constc.diff.semantic import next_version

    header, base = result.head_ctx.constitution.header, result.base_ctx.constitution.header
    if not c.principle_id or not header or not header.version:
        return None
    version, bump = header.version, ""
    if result.version and base and base.version:  # the bump is missing too: name the version it needs
        version = next_version(base.version, result.required_bump)
        bump = f"set version \"{version}\" and "
    reused = (f" ({c.reused_approval} names it, but that line was already there at base: an approval must be "
              "added in the change it approves)") if c.reused_approval else ""
    return (f"if it is meant: {bump}add `- {c.principle_id}: <why>` under `## {version}` in "
            f"{result.head.project.config.diff.changelog}{reused}")


def render_human(result: DiffResult) -> str:
    head = (f"constc diff: {_title(result.base_ctx)} ({result.base.label}) -> "
            f"{_title(result.head_ctx)} ({result.head.label})")
    body = DIAGNOSTIC_RENDERERS["human"](diagnostics(result), texts(result))
    return "\n".join(x for x in (head, body, _verdict(result)) if x)


_TEXTUAL = (*TEXT_FIELDS, "example", None)


def render_markdown(result: DiffResult) -> str:
    base_t, head_t = _title(result.base_ctx), _title(result.head_ctx)
    out = [f"## constc diff: {md(base_t)} → {md(head_t)}", "",
           f"**{'FAIL' if result.fails_gate else 'PASS'}** — {md(_verdict(result))}. "
           f"Base: {code(result.base.label)}, head: {code(result.head.label)}.", ""]
    if result.version:
        out += [f"**Version:** {md(result.version.message)}.", ""]
    problems = [f"- {code(d.span)} {d.code} {md(d.message)}" if d.span else f"- {d.code} {md(d.message)}"
                for d in result.problems]
    if not result.all_changes:
        out += problems
        return "\n".join(out) + ("\n" if result.problems else "")
    out += ["| principle | change | rule | level | bump | fails |", "| --- | --- | --- | --- | --- | --- |"]
    for c in result.all_changes:
        rule = RULES[c.rule]
        status = "yes" if fails(c, result.fail_level) else f"no (approved: {code(c.approval)})" if c.approval else \
            "no (ignored)" if c.ignored else "no"
        out.append(f"| {c.principle_id or '—'} | {md(c.message)} | `{c.rule}` | {rule.level or '—'} "
                   f"| {rule.bump} | {status} |")
    by_principle: dict[str, list[Change]] = {}
    for c in result.changes:
        if c.principle_id:
            by_principle.setdefault(c.principle_id, []).append(c)
    head_p = {p.id: p for p in result.head_ctx.constitution.principles}
    base_p = {p.id: p for p in result.base_ctx.constitution.principles}
    for pid, changes in by_principle.items():
        p = head_p.get(pid) or base_p.get(pid)
        out += ["", f"### {pid} — {md(p.title) if p else ''}".rstrip(" —"), ""]
        for c in changes:
            rule = RULES[c.rule]
            out.append(f"- **`{c.rule}`** ({rule.level or 'informational'}, {rule.bump} bump): {md(c.message)}"
                       + (f" — {_where(c, result, 'markdown')}" if _where(c, result) else ""))
            hint = approval_hint(c, result) if fails(c, result.fail_level) else None
            if hint:
                out.append(f"  - {inline(hint)}")
        for c in changes:
            if c.field in _TEXTUAL and (c.before or c.after):
                out += ["", f"<details><summary>{c.field or 'statement'}: before / after</summary>", "",
                        "Before:", "", quote(c.before), "", "After:", "", quote(c.after), "", "</details>"]
                if c.before and c.after:
                    out += ["", f"Word diff: {word_diff(c.before, c.after, 'markdown')}"]
    if result.problems:
        out += ["", "### Notes", ""]
        out += problems
    return "\n".join(out)


def as_dict(result: DiffResult) -> dict:
    return {
        "base": {"label": result.base.label, "revision": result.base.revision, "title": _title(result.base_ctx)},
        "head": {"label": result.head.label, "revision": result.head.revision, "title": _title(result.head_ctx)},
        "fail_level": result.fail_level, "required_bump": result.required_bump,
        "failing": len(result.failing), "compared": result.compared,
        "verdict": "fail" if result.fails_gate else "pass", "summary": _verdict(result),
        "changes": [{**c.model_dump(mode="json"), "level": c.level, "bump": c.bump,
                     "fails": fails(c, result.fail_level),
                     "hint": approval_hint(c, result) if fails(c, result.fail_level) else None}
                    for c in result.all_changes],
        "translations": translations(result.head_translations),
        "problems": [d.model_dump(mode="json") for d in result.problems],
        "diagnostics": as_records(diagnostics(result)),
    }


def translations(statuses: list) -> dict:
    """Per declared locale: how many translations are current, unstamped, stale or missing,
    and which principles are stale or missing (constc translations)."""
    out: dict[str, dict] = {}
    for s in statuses:
        entry = out.setdefault(s.locale, {"current": 0, "unstamped": 0, "stale": [], "missing": [],
                                          "pending": s.pending})
        if s.status in ("stale", "missing"):
            entry[s.status].append({"principle_id": s.principle_id,
                                    "where": f"{s.span.file}:{s.span.line}" if s.span else None})
        else:
            entry[s.status] += 1
    return out


def render_json(result: DiffResult) -> str:
    """The JSON report: the result's data, with the same diagnostics the other formats print."""
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False)


def render_github(result: DiffResult) -> str:
    return DIAGNOSTIC_RENDERERS["github"](diagnostics(result))


def render_sarif(result: DiffResult, rules=None) -> str:
    return DIAGNOSTIC_RENDERERS["sarif"](diagnostics(result), rules=rules)


def render_html(result: DiffResult) -> str:
    """The reviewer's page: a view of the JSON report (constc/page)."""
    from constc.page import render

    return render("diff", as_dict(result))


RENDERERS = {"human": render_human, "markdown": render_markdown, "json": render_json, "github": render_github,
             "sarif": render_sarif, "html": render_html}
