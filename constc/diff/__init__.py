"""Compare a constitution at two sources (git revisions, the index, directories)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from constc.diagnostics.model import Diagnostic, Span
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
    from constc.passes import compile_project
    from constc.trust import trusted_head

    head, config_changes = trusted_head(base, head)
    base_ctx = compile_project(base.project, base.tree, until="check-references")
    head_ctx = compile_project(head.project, head.tree, until="check-references")
    broken_base = None
    if not _compiles(base_ctx) and _compiles(head_ctx):
        # a base that does not compile must not wave the head through: compare with its last
        # ancestor that compiles, or fail the gate
        broken_base, found = base.label, last_compiling(base)
        if found is not None:
            base, base_ctx = found
    config_changes += submodule_changes(base, head) + template_changes(base, head) + guard_code_changes(base, head)
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


MAX_ANCESTORS = 50  # how far back `diff` looks for a base that compiles
RELEASE_TAG = re.compile(r"^v?(\d+\.\d+\.\d+)$")


def last_release(base: Side) -> tuple[str, str] | None:
    """(tag, version) of the nearest release tag (`v1.2.0` or `1.2.0`) on the base's
    first-parent history, the base included: the version a change series is counted from.
    None for a base that is not a commit (the index, a directory), or with no release tag."""
    from constc.diff.sources import GitTree

    if not isinstance(base.tree, GitTree):
        return None
    commit = base.tree.commit
    releases: dict[str, list[tuple[tuple[int, ...], str, str]]] = {}  # commit -> (key, version, tag)
    for tag in commit.repo.tags:
        m = RELEASE_TAG.match(tag.name)
        try:
            target = tag.commit.hexsha if m else None
        except ValueError:  # a tag of something that is not a commit
            target = None
        if m and target:
            version = m.group(1)
            releases.setdefault(target, []).append((tuple(int(x) for x in version.split(".")), version, tag.name))
    if not releases:
        return None
    for _ in range(MAX_ANCESTORS * 20):  # bounded: a long history without tags is not walked to its root
        if commit.hexsha in releases:
            _, version, name = max(releases[commit.hexsha])
            return name, version
        if not commit.parents:
            return None
        commit = commit.parents[0]
    return None


def _compiles(ctx) -> bool:
    return ctx.ok and ctx.constitution.header is not None


def last_compiling(side: Side):
    """(side, context) of the nearest first-parent ancestor of `side` that compiles, within
    MAX_ANCESTORS commits; None when there is none (or `side` is not a commit)."""
    from constc.diff.sources import parent_side
    from constc.passes import compile_project

    probe: Side | None = side
    for _ in range(MAX_ANCESTORS):
        probe = parent_side(probe) if probe is not None else None
        if probe is None:
            return None
        ctx = compile_project(probe.project, probe.tree, until="check-references")
        if _compiles(ctx):
            return probe, ctx
    return None


def submodule_changes(base: Side, head: Side) -> list[Change]:
    """A submodule inside the project that appears, goes or points elsewhere: constc reads
    no submodule's content at a revision, so whatever it holds could have changed meaning."""
    from constc.diff.semantic import Rule
    from constc.diff.sources import gitlinks

    a, b = gitlinks(base), gitlinks(head)
    if a is None or b is None:
        return []
    out = []
    for path in sorted(a.keys() | b.keys()):
        old, new = a.get(path), b.get(path)
        if old != new:
            what = "added" if old is None else "removed" if new is None else f"moved {old[:12]} -> {new[:12]}"
            out.append(Change(rule=Rule.SUBMODULE_CHANGED.id, field="submodule", before=old, after=new,
                              message=f"submodule {path} {what}: constc cannot read what it holds at a revision; "
                                      "review its own diff"))
    return out


def template_changes(base: Side, head: Side) -> list[Change]:
    """A project template that appears, goes or changes: what the critic is asked changes
    for every principle, so it is a finding (and regress relabels every principle)."""
    from constc.diff.semantic import Rule
    from constc.sources import Refused

    def templates(side: Side) -> dict[str, bytes | None]:
        folder = side.project.config.project.templates.strip("/")
        out: dict[str, bytes | None] = {}
        for rel in side.tree.glob(f"{folder}/**/*"):
            try:
                out[rel] = side.tree.read(rel, side.project.config.project.max_file_bytes)
            except Refused:
                out[rel] = None  # unreadable (a link out, too large): compared by presence only
        return out

    a, b = templates(base), templates(head)
    out = []
    for rel in sorted(a.keys() | b.keys()):
        if a.get(rel) != b.get(rel) or (rel in a) != (rel in b):
            what = "added" if rel not in a else "removed" if rel not in b else "changed"
            span = Span.file_start(rel) if rel in b else None
            out.append(Change(rule=Rule.TEMPLATE_CHANGED.id, field="template", head_span=span,
                              message=f"template {rel} {what}: every prompt rendered with it changes"))
    return out


def guard_code_changes(base: Side, head: Side) -> list[Change]:
    """A guard code that names another principle at head, or is gone: codes are a lock
    (constc.targets.guard), and `compile --locked` cannot see a swap (S1 <-> S2 keeps the
    file consistent), so the differ compares it with the base's."""
    import json

    from constc.diff.semantic import Rule
    from constc.sources import Refused
    from constc.targets.guard import LOCK_NAME

    def codes(side: Side) -> dict[str, str]:
        try:
            data = side.tree.read(LOCK_NAME, side.project.config.project.max_file_bytes)
            value = json.loads(data.decode("utf-8"))["codes"] if data else {}
        except (Refused, ValueError, KeyError, TypeError, UnicodeDecodeError):
            return {}  # unreadable: compile reports it, with its location
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    a, b = codes(base), codes(head)
    out = []
    for code in sorted(a, key=lambda c: (len(c), c)):
        if b.get(code) != a[code]:
            now = f"names {b[code]}" if code in b else "was removed"
            out.append(Change(rule=Rule.GUARD_CODE_CHANGED.id, principle_id=a[code], field="guard code",
                              before=f"{code}: {a[code]}", after=f"{code}: {b[code]}" if code in b else None,
                              head_span=Span.file_start(LOCK_NAME) if code in b else None,
                              message=f"guard code {code} named {a[code]} and now {now}: a classifier trained on "
                                      f"{code} would silently change meaning"))
    return out


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

    header = result.head_ctx.constitution.header
    version = header.version if header else None
    needing = [c for c in result.changes if c.principle_id and fails(c, result.fail_level)]
    if not needing or not version:
        return
    name = result.head.project.config.diff.changelog
    approved, reused = approvals(_read(result.head, name), version, approval_lines(_read(result.base, name)))
    for c in needing:
        a = approved.get(c.principle_id or "")
        if a:
            c.approval = f"{name}:{a.line}: {a.reason}"
        elif c.principle_id in reused:
            c.reused_approval = f"{name}:{reused[c.principle_id]}"


def _read(side: Side, name: str) -> str:
    from constc.sources import Refused

    try:
        data = side.tree.read(name, side.project.config.project.max_file_bytes)
    except Refused:
        data = None
    return data.decode("utf-8", "replace") if data else ""
