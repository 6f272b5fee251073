"""Lint rules: one module each under constc/lint/rules, declared with `@rule` and listed
in the explicit table `constc.lint.rules.TABLE` (no import side effects decide what runs).

A rule's docstring is its documentation (`constc explain CODE`, docs/rules.md): a
summary, a paragraph on why, and two fenced examples, `bad` and `good`, which the test
suite compiles to check that the rule fires on the first and not on the second.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass
from typing import Callable, Iterable

from constc.diagnostics.model import Diagnostic, Severity, Span
from constc.ir.nodes import Addendum, Header, Jurisdiction, Precedence, Principle


@dataclass(frozen=True)
class Finding:
    message: str
    span: Span | None
    hint: str | None = None
    severity: Severity | None = None  # None: the rule's configured severity


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    check: Callable[..., Iterable[Finding]]

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""

    def example(self, kind: str) -> str:
        m = re.search(rf"```const {kind}\n(.*?)```", self.check.__doc__ or "", re.S)
        return textwrap.dedent(m.group(1)) if m else ""


def rule(code: str, name: str, severity: str = "warning"):
    """Declare a check function as rule `code`; the declaration rides on the function."""
    def declare(fn):
        fn.rule = Rule(code, name, Severity(severity), fn)
        return fn
    return declare


def all_rules() -> dict[str, Rule]:
    from constc.lint.rules import TABLE

    return {r.code: r for r in sorted((fn.rule for fn in TABLE), key=lambda r: r.code)}


UNUSED_SUPPRESSION = "L011"
_SUPPRESS = re.compile(r"#\s*constc:\s*disable=([A-Za-z0-9_, ]+)")
_DIRECTIVE = re.compile(r"#\s*constc\b", re.I)  # meant as a suppression, whether or not well formed


@dataclass
class Suppression:
    codes: tuple[str, ...]
    first: int
    last: int
    span: Span
    used: bool = False
    malformed: bool = False


def _block_starts(items) -> dict[int, int]:
    """line where a block starts -> its last line, for every block of a file."""
    out: dict[int, int] = {}
    for item in items:
        if isinstance(item, (Principle, Addendum, Header, Jurisdiction, Precedence)) and item.span:
            out.setdefault(item.span.line, item.span.end_line)
        if isinstance(item, Jurisdiction):
            out.update(_block_starts(item.principles))
    return out


def suppressions(ctx) -> list[Suppression]:
    out = []
    for rel, source in ctx.sources.items():
        lines = ctx.texts[rel].splitlines()
        starts = _block_starts(source.items)
        for c in source.comments:
            m = _SUPPRESS.match(c.text)
            if not m:
                if _DIRECTIVE.match(c.text):  # `# constc disable=`, `# constc: disabel=`: say so, never ignore
                    span = Span(file=rel, line=c.line, column=c.column, end_line=c.line,
                                end_column=c.column + len(c.text))
                    out.append(Suppression((), c.line, c.line, span, malformed=True))
                continue
            alone = not lines[c.line - 1][: c.column - 1].strip()
            line = c.line + 1 if alone else c.line
            codes = tuple(x.strip().upper() for x in m.group(1).split(",") if x.strip())
            span = Span(file=rel, line=c.line, column=c.column, end_line=c.line, end_column=c.column + len(c.text))
            out.append(Suppression(codes, line, starts.get(line, line), span))
    return out


def run_lint(ctx) -> None:
    cfg = ctx.project.config.lint
    sups = suppressions(ctx)
    by_line: dict[tuple[str, int], list[Suppression]] = {}  # every line each one covers: linear
    for s in sups:
        for line in range(s.first, s.last + 1):
            by_line.setdefault((s.span.file, line), []).append(s)
    for r in all_rules().values():
        if r.code in cfg.disable or r.code == UNUSED_SUPPRESSION:
            continue
        severity = Severity(cfg.severity.get(r.code, r.severity))
        try:
            findings = list(r.check(ctx))
        except Exception as err:  # a bug in one rule must not hide what the others find
            ctx.diagnostics.append(Diagnostic(
                code="E500", severity=Severity.error, span=None,
                message=f"lint rule {r.code} ({r.name}) failed: {type(err).__name__}: {err}; the other rules ran",
                hint="this is a bug in constc; please report it with the file that triggers it"))
            continue
        for f in findings:
            hit = next((s for s in by_line.get((f.span.file, f.span.line), ()) if r.code in s.codes), None) \
                if f.span else None
            if hit:
                hit.used = True
                continue
            ctx.diagnostics.append(Diagnostic(code=r.code, severity=f.severity or severity, message=f.message,
                                              span=f.span, hint=f.hint))
    if UNUSED_SUPPRESSION not in cfg.disable:
        unused = all_rules()[UNUSED_SUPPRESSION]
        for f in unused.check(ctx, sups):
            ctx.diagnostics.append(Diagnostic(code=unused.code, severity=Severity(cfg.severity.get(
                unused.code, unused.severity)), message=f.message, span=f.span, hint=f.hint))
