"""Compare a constitution at two sources (git revisions, the index, directories)."""

from __future__ import annotations

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

    @property
    def fails_gate(self) -> bool:
        return bool(self.failing or self.head_errors)

    @property
    def required_bump(self) -> str:
        return required_bump(self.changes)


def run_diff(base: Side, head: Side) -> DiffResult:
    from constc.passes import compile_project

    base_ctx = compile_project(base.project, base.tree, until="check-references")
    head_ctx = compile_project(head.project, head.tree, until="check-references")
    cfg = head.project.config.diff
    problems = [d.model_copy(update={"message": f"[{side.label}] {d.message}"})
                for side, ctx in ((base, base_ctx), (head, head_ctx))
                for d in ctx.diagnostics if d.severity == "error"]
    if problems:  # compare nothing rather than report every principle of a broken side as removed
        return DiffResult(base, head, base_ctx, head_ctx, [], cfg.fail_level, None, problems)
    changes = semantic_diff(base_ctx.constitution, head_ctx.constitution)
    version = version_check(base_ctx.constitution, head_ctx.constitution, changes) \
        if cfg.require_version_bump else None
    return DiffResult(base, head, base_ctx, head_ctx, changes, cfg.fail_level, version, problems)
