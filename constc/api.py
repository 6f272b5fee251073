"""The library API: keyword-argument functions that return data. The CLI only wraps them.

Every function raises a `constc.errors.UserError` for anything the caller must fix (the
CLI prints it and exits 2) and `CheckFailed` when the constitution itself has errors
(the CLI renders the diagnostics and exits 1). Validation comes before work: nothing is
scored for a project or revision that does not compile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from constc.errors import CheckFailed, UsageError, UserError
from constc.label.backends import ModelSpec
from constc.label.methods import judge_method
from constc.targets import compilation, compilations, validate_scope

if TYPE_CHECKING:
    from constc.label import Labeler
    from constc.passes import Context

__all__ = ["CheckFailed", "UserError", "checked", "compilation", "compilations", "validate_scope", "judge_method",
           "labeler", "label", "sides", "regress", "ModelSpec"]


def checked(path: str | Path = "."):
    """The compiled context of the project at `path`; raises CheckFailed on any error."""
    from constc.config import find_project
    from constc.passes import compile_project

    if not Path(path).exists():
        raise UsageError(f"{path}: no such file or directory")
    ctx = compile_project(find_project(Path(path)))
    errors = [d for d in ctx.diagnostics if d.severity == "error"]
    if errors:
        raise CheckFailed("the constitution has errors; nothing was compiled", errors, ctx.texts)
    return ctx


def labeler(spec: ModelSpec | None = None, ctx: Context | None = None) -> Labeler:
    """The labeler a ModelSpec names (default: the transformers backend on the embedded
    model, loaded only when a pair is not in the cache); `ctx`'s [label] settings fill in
    what the spec leaves open."""
    from constc.label.backends import make_labeler, with_config

    spec = spec or ModelSpec()
    return make_labeler(with_config(spec, ctx.project.config.label) if ctx else spec)


@dataclass
class LabelRun:
    rows: list[dict]
    counts: dict
    method: str
    labeler: Labeler
    ctx: Context
    skipped_locales: list[str] = field(default_factory=list)  # case locales no compilation covered


def label(path: str | Path = ".", *, target: str = "judge", method: str | None = None, locale: str | None = None,
          jurisdiction: str | None = None, mutations: str = "none", limit: int | None = None,
          judge: Labeler | ModelSpec | None = None, no_cache: bool = False, quiet: bool = True,
          control: bool = False) -> LabelRun:
    """Label every (case, principle) pair of a target; one row per pair. `judge`: a
    Labeler, or the ModelSpec of one (default: the embedded model on transformers).
    `control`: judge pairs are also scored under the unrelated control principle, each
    row's `control_p_violation` (the principle-sensitivity check, docs/regress.md)."""
    from constc.label import LabelError
    from constc.label.job import build_pairs, row, run
    from constc.label.store import default_store

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1 (got {limit})")
    ctx = checked(path)
    method = judge_method(ctx, method)
    comps = compilations(ctx, locale, jurisdiction, mutations)
    pairs, seen, comp_of = [], set(), {}
    for comp in comps:  # a case in a locale two compilations share is labeled once
        for pair in build_pairs(comp, target, method=method):
            key = (pair.case.id, pair.principle_id, pair.case.locale)
            if key not in seen:
                seen.add(key)
                pairs.append(pair)
                comp_of[id(pair)] = comp
    pairs = pairs[:limit] if limit else pairs
    if not pairs:  # a fact about the project: said before the model is even looked at
        raise LabelError(f"nothing to label: no eval case names a principle for target {target}")
    lab = judge if judge is not None and not isinstance(judge, ModelSpec) else labeler(judge, ctx)
    counts = run(lab, pairs, default_store(no_cache), quiet=quiet)
    skipped = sorted({c.locale for c in ctx.evalcases
                      if c.locale and not any(comp.in_locale(c.locale) for comp in comps)})
    rows = [row(p, lab, method) for p in pairs]
    if control and target == "judge":
        from constc.label.job import control_pairs

        controls = control_pairs([(p, comp_of[id(p)]) for p in pairs], method)
        counts["control_scored"] = run(lab, controls, default_store(no_cache), quiet=quiet)["scored"]
        for r, c in zip(rows, controls):
            r["control_p_violation"] = row(c, lab, method)["p_violation"]
    return LabelRun(rows, counts, method, lab, ctx, skipped)


def sides(path: str | Path = ".", *, against: str | None = None, base: str | None = None,
          head: str | None = None, staged: bool = False, pre_push: bool = False):
    """(base, head) revisions of the project at `path`: exactly one of `against`,
    `base` (with an optional `head`, default the working tree), `staged`, `pre_push`."""
    from constc.config import find_project
    from constc.diff.sources import SourceError, open_side

    if not Path(path).exists():
        raise UsageError(f"{path}: no such file or directory")
    project = find_project(Path(path))
    if pre_push:  # pre-commit passes the pushed range in these variables
        base, head = os.environ.get("PRE_COMMIT_FROM_REF", ""), os.environ.get("PRE_COMMIT_TO_REF", "")
        if not base.strip("0") or not head:
            raise UsageError("--pre-push needs PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF (set by pre-commit's "
                             "pre-push stage); for a new branch use --against main")
    chosen = sum(bool(x) for x in (against, base or head, staged))
    if chosen != 1:
        raise UsageError("give exactly one of --against SPEC, --base/--head, --staged")
    try:
        if staged:
            return open_side("HEAD", project), open_side(":staged", project)
        if against:
            return open_side(against, project), open_side(":worktree", project)
        if not base:
            raise UsageError("--head needs --base")
        return open_side(base, project), open_side(head or ":worktree", project)
    except SourceError as err:
        raise UsageError(str(err)) from None


def regress(path: str | Path = ".", *, against: str | None = None, base: str | None = None,
            head: str | None = None, staged: bool = False, pre_push: bool = False, method: str | None = None,
            mutations: str = "none", judge: Labeler | ModelSpec | None = None, no_cache: bool = False,
            quiet: bool = True):
    """Relabel the eval cases a change affects at both revisions and judge the change.

    Both revisions are compiled and checked first: a head with errors raises CheckFailed
    before anything is scored, and before a model or server is even started."""
    from constc.label.store import default_store
    from constc.regress import regress as run_regress

    base_side, head_side = sides(path, against=against, base=base, head=head, staged=staged, pre_push=pre_push)
    if judge is not None and not isinstance(judge, ModelSpec):
        return run_regress(base_side, head_side, judge, default_store(no_cache), mutations, method=method,
                           quiet=quiet)
    spec = judge

    def make(ctx) -> Labeler:  # called with the checked head's context, after validation
        return labeler(spec, ctx)

    result = run_regress(base_side, head_side, make, default_store(no_cache), mutations, method=method, quiet=quiet)
    if result.outcomes and (spec is None or spec.model == "default"):
        from constc.label.models import DEFAULT_MODEL_NOTE

        result.notes.append(DEFAULT_MODEL_NOTE.removeprefix("note: "))  # in every report format
    return result
