"""Compare a constitution at two sources (git revisions, the index, directories)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from constc.diagnostics.model import Diagnostic
from constc.diff.semantic import Change, fails, required_bump, semantic_diff, version_check
from constc.diff.sources import Side

if TYPE_CHECKING:  # passes is imported when a diff runs, not when this module loads
    from constc.passes import Context


@dataclass
class DiffResult:
    base: Side
    head: Side
    base_ctx: Context
    head_ctx: Context
    changes: list[Change]
    fail_level: str
    version: Change | None = None
    problems: list[Diagnostic] = field(default_factory=list)  # errors at either side, reported beside
    broken_base: str | None = None  # the base asked for, when it did not compile (`base` is then its
                                    # last compiling ancestor, or it is the broken one and the gate fails)

    @property
    def all_changes(self) -> list[Change]:
        return self.changes + ([self.version] if self.version else [])

    @property
    def failing(self) -> list[Change]:
        return [c for c in self.all_changes if fails(c, self.fail_level)]

    @property
    def head_errors(self) -> list[Diagnostic]:
        """The head's own errors: they fail the diff (a change must compile)."""
        return [d for d in self.head_ctx.diagnostics if d.severity == "error"]

    @property
    def compared(self) -> bool:
        """False when a side has errors: then nothing is compared (a file that does not
        parse would otherwise read as every principle in it removed)."""
        return not self.problems

    @functools.cached_property
    def head_translations(self) -> list:
        """The head's translation statuses (constc.translations), for the notes and the
        report: computed once."""
        from constc.translations import statuses

        return statuses(self.head_ctx)

    @property
    def fails_gate(self) -> bool:
        """Failing changes, a head with errors, or a base that could not be compared with."""
        return bool(self.failing or self.head_errors or not self.compared)

    @property
    def required_bump(self) -> str:
        return required_bump(self.changes)


def run_diff(base: Side, head: Side, fail_level: str | None = None) -> DiffResult:
    """Compare two sides. The head is compiled and gated under the base's gate settings
    (constc.trust): a change to them is a CONFIG_GATE_CHANGED finding, applied after merge.
    `fail_level`: the command line's override of [diff] fail_level (trusted)."""
    from constc.diff.ancestry import compiles, last_compiling, last_release
    from constc.diff.files import (guard_code_changes, submodule_changes, template_changes,
                                   translation_stamp_changes)
    from constc.passes import compile_project
    from constc.trust import trusted_head

    head, config_changes = trusted_head(base, head)
    base_ctx = compile_project(base.project, base.tree, until="check-references")
    head_ctx = compile_project(head.project, head.tree, until="check-references")
    broken_base = None
    if not compiles(base_ctx) and compiles(head_ctx):
        # a base that does not compile must not wave the head through: compare with its last
        # ancestor that compiles, or fail the gate
        broken_base, found = base.label, last_compiling(base)
        if found is not None:
            base, base_ctx = found
    config_changes += submodule_changes(base, head) + template_changes(base, head) + guard_code_changes(base, head) \
        + translation_stamp_changes(base_ctx, head_ctx)
    cfg = head.project.config.diff
    if fail_level:
        cfg = cfg.model_copy(update={"fail_level": fail_level})
    problems = [d.model_copy(update={"message": f"[{side.label}] {d.message}"})
                for side, ctx in ((base, base_ctx), (head, head_ctx))
                for d in ctx.diagnostics if d.severity == "error"]
    if problems:  # compare nothing rather than report every principle of a broken side as removed
        return DiffResult(base, head, base_ctx, head_ctx, config_changes, cfg.fail_level, None, problems,
                          broken_base)
    changes = config_changes + semantic_diff(base_ctx.constitution, head_ctx.constitution)
    version = version_check(base_ctx.constitution, head_ctx.constitution, changes, last_release(base)) \
        if cfg.require_version_bump else None
    result = DiffResult(base, head, base_ctx, head_ctx, changes, cfg.fail_level, version, problems, broken_base)
    apply_ignores(result)
    apply_approvals(result)
    return result


def apply_ignores(result: DiffResult) -> None:
    """[diff] ignore / ignore_only (buf's ignore and ignore_only): reported, never failing."""
    from constc.diff.semantic import RULES
    from constc.errors import UsageError, did_you_mean

    cfg = result.head.project.config.diff
    for rule in [*cfg.ignore, *cfg.ignore_only]:
        if rule not in RULES:
            raise UsageError(f"constc.toml: [diff] ignore names unknown change rule '{rule}'"
                             f"{did_you_mean(rule, RULES)}")
    for c in result.changes:
        c.ignored = c.rule in cfg.ignore or (c.principle_id or "") in cfg.ignore_only.get(c.rule, [])


def apply_approvals(result: DiffResult) -> None:
    """A change that would fail is approved by its principle's line in the changelog
    section of the head's version, added by this change (a line the base already had
    approves nothing); one that is not gets the exact line to add."""
    from constc.diff.changelog import approval_lines, approvals
    from constc.diff.sources import read_text

    header = result.head_ctx.constitution.header
    version = header.version if header else None
    needing = [c for c in result.changes if c.principle_id and fails(c, result.fail_level)]
    if not needing or not version:
        return
    name = result.head.project.config.diff.changelog
    approved, reused = approvals(read_text(result.head, name), version, approval_lines(read_text(result.base, name)))
    for c in needing:
        a = approved.get(c.principle_id or "")
        if a:
            c.approval = f"{name}:{a.line}: {a.reason}"
        elif c.principle_id in reused:
            c.reused_approval = f"{name}:{reused[c.principle_id]}"
