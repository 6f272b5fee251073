"""Render a DiffResult: human, markdown (for PR review), json, github annotations."""

from __future__ import annotations

import json
from difflib import SequenceMatcher

from constc.diff import DiffResult
from constc.diff.semantic import RULES, Change, fails
from constc.ir.nodes import TEXT_FIELDS


def word_diff(before: str | None, after: str | None, style: str = "human") -> str:
    """Words removed and added, git --word-diff style ([-old-]{+new+}) or markdown (~~old~~ **new**)."""
    a, b = (before or "").split(), (after or "").split()
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old, new = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "equal":
            out.append(old)
            continue
        if old:
            out.append(f"[-{old}-]" if style == "human" else f"~~{old}~~")
        if new:
            out.append(f"{{+{new}+}}" if style == "human" else f"**{new}**")
    return " ".join(out)


def _where(c: Change, result: DiffResult, style: str = "human") -> str:
    def link(span, side):
        if span is None:
            return None
        text = f"{span.file}:{span.line}"
        return f"`{text}` ({side.label})" if style == "markdown" else f"{text} ({side.label})"

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
        return f"not compared: {' and '.join(sides)} {'has' if len(sides) == 1 else 'have'} errors (listed)"
    if not result.all_changes:
        return "no changes to the constitution"
    need = result.required_bump
    bump = f"; needs a {need} version bump" if need != "none" else ""
    status = f"{len(failing)} failing" if failing else "nothing failing"
    return f"{len(result.changes)} change(s), {status} at level {result.fail_level}{bump}"


def render_human(result: DiffResult) -> str:
    out = [f"constc diff: {_title(result.base_ctx)} ({result.base.label}) -> "
           f"{_title(result.head_ctx)} ({result.head.label})"]
    for c in result.all_changes:
        rule = RULES[c.rule]
        mark = "FAIL" if fails(c, result.fail_level) else "    "
        out.append(f"{mark} {c.rule:<26} [{rule.level or '-'}, {rule.bump}] {c.message}")
        where = _where(c, result)
        if where:
            out.append(f"       {where}")
        if c.field in TEXT_FIELDS and c.before and c.after:
            out.append(f"       {word_diff(c.before, c.after)}")
    for d in result.problems:
        out.append(f"note: {d.span}: {d.code} {d.message}" if d.span else f"note: {d.code} {d.message}")
    out.append(_verdict(result))
    return "\n".join(out)


_TEXTUAL = (*TEXT_FIELDS, "example", None)


def _quote(text: str | None) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in (text or "(none)").splitlines()) or "> (empty)"


def render_markdown(result: DiffResult) -> str:
    base_t, head_t = _title(result.base_ctx), _title(result.head_ctx)
    out = [f"## constc diff: {base_t} → {head_t}", "",
           f"**{'FAIL' if result.fails_gate else 'PASS'}** — {_verdict(result)}. "
           f"Base: `{result.base.label}`, head: `{result.head.label}`.", ""]
    if result.version:
        out += [f"**Version:** {result.version.message}.", ""]
    if not result.all_changes:
        out += [f"- `{d.span}` {d.code} {d.message}" if d.span else f"- {d.code} {d.message}"
                for d in result.problems]
        return "\n".join(out) + ("\n" if result.problems else "")
    out += ["| principle | change | rule | level | bump | fails |", "| --- | --- | --- | --- | --- | --- |"]
    for c in result.all_changes:
        rule = RULES[c.rule]
        out.append(f"| {c.principle_id or '—'} | {c.message.replace('|', '/')} | `{c.rule}` | {rule.level or '—'} "
                   f"| {rule.bump} | {'yes' if fails(c, result.fail_level) else 'no'} |")
    by_principle: dict[str, list[Change]] = {}
    for c in result.changes:
        if c.principle_id:
            by_principle.setdefault(c.principle_id, []).append(c)
    head_p = {p.id: p for p in result.head_ctx.constitution.principles}
    base_p = {p.id: p for p in result.base_ctx.constitution.principles}
    for pid, changes in by_principle.items():
        p = head_p.get(pid) or base_p.get(pid)
        out += ["", f"### {pid} — {p.title if p else ''}".rstrip(" —"), ""]
        for c in changes:
            rule = RULES[c.rule]
            out.append(f"- **`{c.rule}`** ({rule.level or 'informational'}, {rule.bump} bump): {c.message}"
                       + (f" — {_where(c, result, 'markdown')}" if _where(c, result) else ""))
        for c in changes:
            if c.field in _TEXTUAL and (c.before or c.after):
                out += ["", f"<details><summary>{c.field or 'statement'}: before / after</summary>", "",
                        "Before:", "", _quote(c.before), "", "After:", "", _quote(c.after), "", "</details>"]
                if c.before and c.after:
                    out += ["", f"Word diff: {word_diff(c.before, c.after, 'markdown')}"]
    if result.problems:
        out += ["", "### Notes", ""]
        out += [f"- `{d.span}` {d.code} {d.message}" if d.span else f"- {d.code} {d.message}" for d in result.problems]
    return "\n".join(out)


def render_json(result: DiffResult) -> str:
    return json.dumps({
        "base": {"label": result.base.label, "revision": result.base.revision, "title": _title(result.base_ctx)},
        "head": {"label": result.head.label, "revision": result.head.revision, "title": _title(result.head_ctx)},
        "fail_level": result.fail_level, "required_bump": result.required_bump,
        "failing": len(result.failing), "compared": result.compared,
        "verdict": "fail" if result.fails_gate else "pass",
        "changes": [{**c.model_dump(mode="json"), "level": c.level, "bump": c.bump,
                     "fails": fails(c, result.fail_level)} for c in result.all_changes],
        "problems": [d.model_dump(mode="json") for d in result.problems],
    }, indent=2, ensure_ascii=False)


def render_github(result: DiffResult) -> str:
    from constc.diagnostics.render import github_annotation

    return "\n".join(github_annotation("error" if fails(c, result.fail_level) else "notice", c.rule, c.message,
                                       c.head_span) for c in result.all_changes)


RENDERERS = {"human": render_human, "markdown": render_markdown, "json": render_json, "github": render_github}
