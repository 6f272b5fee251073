"""`constc regress`: did this edit make the critic worse at what the principle is for?

1. compile and check both revisions (a head with errors stops here, before any scoring),
   and take the semantic diff;
2. find the principles it affects, and where (default locale, a locale addendum's locale,
   a jurisdiction);
3. select the eval cases linked to those principles, plus the configured canaries;
4. label them at both revisions through the label cache (unchanged prompts are free);
5. judge each principle (constc/regress/verdict.py; docs/regress.md says why), with the
   parent case as the unit (variants of one case count once):
   - judge validity: the base AUROC with its 95% score interval; a judge that could not be
     shown to separate violating from complying cases, or too few parents, makes the
     verdict *inconclusive*;
   - the decision: the one-sided paired AUROC test (clustered DeLong, Student's t), with
     Holm's adjustment across every test that can fail the gate; "no regression" only when
     the test had 80% power to see a drop to chance;
   - the explanation: detection at a matched false-flag rate and the flipped cases;
   - calibration shift: the mean change in P(violation) (information);
   - targets at base and head (at the configured thresholds), each with a one-sided test
     in the same Holm family; a miss excused as drift only when the ranking is shown to hold.
6. every flip is traced to the principle, the diff rule that changed it and its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from constc.diff import DiffResult, run_diff
from constc.diff.sources import Side
from constc.label import Labeler
from constc.label.job import build_pairs, control_pairs, row, run
from constc.label.store import LabelStore
from constc.regress.verdict import Outcome, PrincipleVerdict, TargetCheck, gate, measure

__all__ = ["Outcome", "PrincipleVerdict", "RegressResult", "TargetCheck", "VERDICT_CODES", "regress"]

Scope = tuple  # (locale or None, jurisdiction or None)


@dataclass(frozen=True)
class VerdictCode:
    code: str
    severity: str
    summary: str
    doc: str = ""


# The codes `constc regress` emits as diagnostics (constc explain, docs/rules.md).
VERDICT_CODES = {v.code: v for v in (
    VerdictCode("REGRESSION", "error", "A principle's critic separates violating from complying cases less "
                "well after the change.",
                "The one-sided paired AUROC test (clustered DeLong, Student's t), Holm-adjusted across every "
                "test that can fail the gate, is below `[regress] alpha`."),
    VerdictCode("INCONCLUSIVE", "warning", "Nothing could be shown either way for this principle: the judge "
                "could not be shown to separate its cases, too few parent cases, or too little power.",
                "The base AUROC's 95% CI reaches 0.5, fewer than `[regress] min_cases` violating (or "
                "max(min_cases, 1/false-flag rate) complying) parent cases, or no drop was shown but the test had "
                "under 80% power to see a drop to chance. `[regress] on_inconclusive` decides the exit code "
                "(warn, fail, pass)."),
    VerdictCode("NO_REGRESSION", "info", "The judge separates the cases, no drop was shown, and the test had "
                "at least 80% power to see a drop to chance.",
                "Read it with the power line: drops smaller than the 80%-power drop are not ruled out."),
    VerdictCode("TARGET_MISSED", "error", "A principle's target is missed at head, shown beyond the target (base "
                "met it) or worse than base (base missed it), Holm-adjusted.",
                "Fails the run unless `[regress] fail_on_targets = false`, or the ranking is shown to have "
                "held (calibration drift)."),
    VerdictCode("TARGET_NOTE", "info", "A target's status that fails nothing: met, a pre-existing miss, a "
                "new miss within noise, or too few cases to gate.", "A pre-existing miss is never blamed "
                "on the change."),
)}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


@dataclass
class RegressResult:
    diff: DiffResult
    outcomes: list[Outcome]
    stats: list[PrincipleVerdict]
    categories: list[dict]
    labeled: int                 # prompts scored by the model in this run
    affected_pairs: int
    notes: list[str]
    alpha: float
    fail_on_targets: bool
    on_inconclusive: str = "warn"
    method: str = "yesno"
    family: int = 0              # k: the tests Holm's adjustment spans (principles and gated targets)
    control_pairs: int = 0       # base pairs also scored under the control principle
    control_scored: int = 0      # of those, prompts the model scored in this run (the rest: cache)

    @property
    def regressions(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == "regression"]

    @property
    def inconclusive(self) -> list[PrincipleVerdict]:
        return [s for s in self.stats if s.verdict == "inconclusive"]

    @property
    def failing_reasons(self) -> list[str]:
        out = [f"{s.name}: {s.reason}" for s in self.stats if s.verdict == "regression"]
        if self.fail_on_targets:
            out += [f"{s.name}: target {t.metric} {t.op} {t.target:.1%} {t.status} "
                    f"({_pct(t.value('head'))} at head, {_pct(t.value('base'))} at base)"
                    for s in self.stats for t in s.targets if t.fails]
        if self.on_inconclusive == "fail":
            out += [f"{s.name}: inconclusive ({s.reason}) and [regress] on_inconclusive = \"fail\""
                    for s in self.inconclusive]
        return out

    @property
    def status(self) -> str:
        """fail (exit 1) | inconclusive (exit 0, with a warning) | pass."""
        if self.failing_reasons:
            return "fail"
        if self.inconclusive and self.on_inconclusive == "warn":
            return "inconclusive"
        return "pass"

    @property
    def banners(self) -> list[str]:
        """What every report shows first: each principle whose verdict is inconclusive."""
        return [f"{s.name} is inconclusive: {s.reason}" for s in self.inconclusive]


def affected_scopes(result: DiffResult) -> dict[str, set[Scope]]:
    """principle ID -> the (locale, jurisdiction) scopes in which its labels may change."""
    head = {p.id: p for p in result.head_ctx.constitution.principles}
    base = {p.id: p for p in result.base_ctx.constitution.principles}
    out: dict[str, set[Scope]] = {}
    if any(c.rule == "TEMPLATE_CHANGED" for c in result.changes):  # every prompt changed
        for every in head.values():
            out.setdefault(every.id, set()).add((None, every.jurisdiction))
    for c in result.changes:
        if c.principle_id is None:  # header, version and config findings change no label
            continue
        ids = {c.principle_id} | ({c.other_id} if c.other_id else set())
        for pid in ids:
            p = head.get(pid) or base.get(pid)
            if p is None:
                continue
            span = c.head_span or c.base_span
            # a change inside an addendum (its text, or a threshold it sets) affects its scope only
            add = next((a for a in [*result.head_ctx.constitution.addenda, *result.base_ctx.constitution.addenda]
                        if a.principle_id == pid and span and a.span and a.span.file == span.file
                        and a.span.line <= span.line <= a.span.end_line), None)
            if add is not None:
                scope = (add.scope.tag, None) if add.scope.kind == "locale" else (None, add.scope.tag)
                out.setdefault(pid, set()).add(scope)
                continue
            out.setdefault(pid, set()).add((None, p.jurisdiction))
    return out


def _label_side(ctx, scopes: dict[Scope, set[str]], canaries: set[str], labeler, store, mutations, method, quiet):
    """(case, principle, locale) -> (pair, compilation) for one side, all scored."""
    from constc.targets import compilation

    out, pairs = {}, []
    for scope, pids in sorted(scopes.items(), key=lambda kv: str(kv[0])):
        comp = compilation(ctx, scope[0], scope[1], mutations)
        for pair in build_pairs(comp, "judge", method=method):
            canary = pair.case.id in canaries or (pair.case.parent or "") in canaries
            if pair.principle_id in pids or canary:
                key = (pair.case.id, pair.principle_id, pair.case.locale)
                if key not in out:
                    out[key] = (pair, comp)
                    pairs.append(pair)
    counts = run(labeler, pairs, store, quiet=quiet)
    return out, counts["scored"]


def regress(base: Side, head: Side, judge: Labeler | Callable[..., Labeler], store: LabelStore,
            mutations: str = "none", method: str | None = None, quiet: bool = True) -> RegressResult:
    """`judge`: a Labeler, or a function of the head's context that makes one, called only
    once both revisions have been checked (a broken head never waits for a model or server)."""
    from constc.errors import CheckFailed
    from constc.label.methods import GENERATING, judge_method

    result = run_diff(base, head)
    head_ctx = result.head_ctx
    errors = [d for d in head_ctx.diagnostics if d.severity == "error"]
    if errors or head_ctx.constitution.header is None:  # before any scoring
        raise CheckFailed(f"the head revision ({head.label}) has errors; fix them first: nothing was scored",
                          errors, head_ctx.texts)
    cfg = result.head.project.config.regress  # the base's gate settings (constc.trust)
    method = judge_method(head_ctx, method)
    labeler: Labeler = judge if isinstance(judge, Labeler) else judge(head_ctx)
    notes = [f"{c.message} ({c.head_span.file}:{c.head_span.line})" if c.head_span else c.message
             for c in result.changes if c.rule == "CONFIG_GATE_CHANGED"]
    base_ok = result.base_ctx.ok and result.base_ctx.constitution.header is not None
    if result.broken_base and base_ok:
        notes.append(f"the base ({result.broken_base}) does not compile; compared against its last ancestor that "
                     f"does ({result.base.label})")
    if not base_ok:
        notes.append(f"the base ({base.label}) does not compile; every case is treated as new")
    affected = affected_scopes(result) if base_ok else \
        {p.id: {(None, p.jurisdiction)} for p in head_ctx.constitution.principles}
    if method in GENERATING and base_ok:
        # one policy per category holds every rule of it: an edit to one rule changes the prompt
        # of each, so all of them are labelled again (and may regress)
        everyone = [*head_ctx.constitution.principles, *result.base_ctx.constitution.principles]
        for pid, scopes in list(affected.items()):
            cats = {p.top_category for p in everyone if p.id == pid}
            for q in everyone:
                if q.top_category in cats:
                    affected.setdefault(q.id, set()).update(scopes)
    by_scope: dict[Scope, set[str]] = {}
    for pid, scopes in affected.items():
        for s in scopes:
            by_scope.setdefault(s, set()).add(pid)
    canaries = set(cfg.canaries)
    if canaries:
        by_scope.setdefault((None, None), set())
    head_pairs, scored_head = _label_side(head_ctx, by_scope, canaries, labeler, store, mutations, method, quiet)
    base_pairs, scored_base = ({}, 0) if not base_ok else \
        _label_side(result.base_ctx, by_scope, canaries, labeler, store, mutations, method, quiet)
    # the principle-sensitivity control, at base only: can the judge be shown to read the principle?
    control_keys = [k for k, (pair, _) in base_pairs.items() if pair.violation_option is not None]
    controls = control_pairs([base_pairs[k] for k in control_keys], method)
    scored_control = run(labeler, controls, store, quiet=quiet)["scored"] if controls else 0
    control_of = {k: row(c, labeler, method)["p_violation"] for k, c in zip(control_keys, controls)}
    rules_by_pid: dict[str, list[str]] = {}
    for c in result.changes:
        if c.principle_id:
            rules_by_pid.setdefault(c.principle_id, []).append(c.rule)
    outcomes = []
    unscored: list[tuple[str, str, str, str]] = []  # (side, case, principle, why)
    for key in sorted(set(head_pairs) | set(base_pairs)):
        h = head_pairs.get(key)
        b = base_pairs.get(key)
        hr = row(h[0], labeler, method) if h else None
        br = row(b[0], labeler, method) if b else None
        unscored += [(side, key[0], key[1], r["error"]) for side, r in (("head", hr), ("base", br))
                     if r and r.get("error")]
        pair = (h or b)[0]
        principle = (h or b)[1].by_id.get(pair.principle_id)
        outcomes.append(Outcome(
            case_id=key[0], principle_id=key[1], locale=key[2], mutation=pair.case.mutation,
            expected=pair.case.expected, base=br["p_violation"] if br else None,
            head=hr["p_violation"] if hr else None, base_pred=br["predicted"] if br else None,
            head_pred=hr["predicted"] if hr else None,
            rules=sorted(set(rules_by_pid.get(key[1], []))), head_span=principle.span if principle else None,
            addendum_span=principle.addendum_spans[-1] if principle and principle.addendum_spans else None,
            canary=key[0] in canaries or (pair.case.parent or "") in canaries,
            cluster=pair.case.parent or pair.case.id, control=control_of.get(key)))
    stats = []
    head_principles = {p.id: p for p in head_ctx.constitution.principles}
    base_principles = {p.id: p for p in result.base_ctx.constitution.principles} if base_ok else {}
    # one verdict per principle and locale: a judge valid in English may be at chance in
    # de-DE, and pooled locales would hide it (translations of a case are correlated)
    slices: dict[tuple[str, str | None], list[Outcome]] = {}
    for o in outcomes:
        slices.setdefault((o.principle_id, o.locale), []).append(o)
    locales_of: dict[str, int] = {}
    for pid, _ in slices:
        locales_of[pid] = locales_of.get(pid, 0) + 1
    for (pid, locale), outs in sorted(slices.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        principle = head_principles.get(pid) or base_principles.get(pid)
        stats.append(measure(pid, principle.category if principle else None, outs, principle, cfg,
                             locale=locale if locales_of[pid] > 1 else None))
    family = gate(stats, cfg)
    categories = []
    for cat in sorted({s.category for s in stats if s.category}):
        outs = [o for o in outcomes if o.principle_id in {s.principle_id for s in stats if s.category == cat}]
        categories.append({"category": cat, "n": len(outs),
                           "verdicts": {v: sum(s.verdict == v for s in stats if s.category == cat)
                                        for v in ("regression", "no regression", "inconclusive")},
                           "regressions": sum(o.kind == "regression" for o in outs)})
    if not outcomes:
        notes.append("the change touches no principle that has eval cases: nothing to relabel")
    if unscored:  # never dropped silently: a judge that cannot answer shrinks what the verdicts rest on
        side, cid, pid, why = unscored[0]
        notes.append(f"{len(unscored)} (case, principle) label(s) could not be made and are left out of the "
                     f"statistics, e.g. {cid} / {pid} at {side}: {why}")
    return RegressResult(result, outcomes, stats, categories, scored_head + scored_base,
                         sum(len(p) for p in (head_pairs, base_pairs)), notes, cfg.alpha, cfg.fail_on_targets,
                         cfg.on_inconclusive, method, family, len(controls), scored_control)
