"""`constc regress`: did this edit make the critic worse at what the principle is for?

1. compile and check both revisions (a head with errors stops here, before any scoring),
   and take the semantic diff;
2. find the principles it affects, and where (default locale, a locale addendum's locale,
   a jurisdiction);
3. select the eval cases linked to those principles, plus the configured canaries;
4. label them at both revisions through the label cache (unchanged prompts are free);
5. judge each principle (see docs/regress.md for why each number is there):
   - judge validity: the base AUROC with its 95% CI; a judge that cannot tell violating
     from complying cases, or too few cases, makes the verdict *inconclusive*;
   - the decision: detection compared at a matched false-flag rate (each revision's
     threshold set on its own complying cases), paired flips, exact McNemar test; a
     uniform shift of every score moves both thresholds with it and flips nothing;
   - discrimination: AUROC at each revision and DeLong's paired test (information);
   - calibration shift: the mean change in P(violation) (information);
   - power: the smallest detection drop these case counts could show;
   - targets at base and head (at the configured thresholds) with Wilson CIs; only a
     head significantly worse than base, or a new miss beyond its whole CI, fails.
6. every flip is traced to the principle, the diff rule that changed it and its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from constc.diagnostics.model import Span
from constc.diff import DiffResult, run_diff
from constc.diff.sources import Side
from constc.label import Labeler
from constc.label.job import build_pairs, judge_validity, row, run
from constc.label.store import LabelStore
from constc.stats import (
    Auc,
    PairedAuc,
    delong,
    delong_paired,
    matched_cut,
    mcnemar_exact,
    min_detectable_drop,
    wilson,
)

Scope = tuple  # (locale or None, jurisdiction or None)


@dataclass(frozen=True)
class VerdictCode:
    code: str
    severity: str
    summary: str
    doc: str = ""


# The codes `constc regress` emits as diagnostics (constc explain, docs/rules.md).
VERDICT_CODES = {v.code: v for v in (
    VerdictCode("REGRESSION", "error", "A principle's critic catches fewer violating cases after the change.",
                "Detection at a matched false-flag rate dropped, exact McNemar test on the paired flips "
                "below `[regress] alpha`."),
    VerdictCode("INCONCLUSIVE", "warning", "The judge cannot tell violating from complying cases for this "
                "principle, or there are too few cases; nothing is shown either way.",
                "The base AUROC's 95% CI reaches 0.5, or fewer than `[regress] min_cases` violating or "
                "complying cases. `[regress] on_inconclusive` decides the exit code (warn, fail, pass)."),
    VerdictCode("NO_REGRESSION", "info", "The judge can tell, and no drop in detection was shown.",
                "Read it with the power line: a drop smaller than the smallest detectable one is not ruled out."),
    VerdictCode("TARGET_MISSED", "error", "A principle's target is missed at head, and base met it or was "
                "significantly better.", "Fails the run unless `[regress] fail_on_targets = false`."),
    VerdictCode("TARGET_NOTE", "info", "A target's status that fails nothing: met, a pre-existing miss, a "
                "new miss within noise, or too few cases to gate.", "A pre-existing miss is never blamed "
                "on the change."),
)}


VIOLATING_METRICS = ("violation_rate", "detection_rate")  # measured on violating cases; else complying


@dataclass
class Outcome:
    case_id: str
    principle_id: str
    locale: str | None
    mutation: str | None
    expected: str
    base: float | None           # P(violation) at base; None: not labelable there
    head: float | None
    base_pred: str | None        # at the configured threshold (what is deployed)
    head_pred: str | None
    rules: list[str] = field(default_factory=list)
    head_span: Span | None = None
    addendum_span: Span | None = None
    canary: bool = False
    base_flag: bool | None = None  # at the matched false-flag rate (what the verdict compares)
    head_flag: bool | None = None

    @property
    def base_pass(self) -> bool | None:
        return None if self.base_flag is None else self.base_flag == (self.expected == "violates")

    @property
    def head_pass(self) -> bool | None:
        return None if self.head_flag is None else self.head_flag == (self.expected == "violates")

    @property
    def kind(self) -> str:
        """regression / fix / same at the matched operating point; new / gone / unscored."""
        if self.base_pass is None:
            return "new" if self.head_pass is not None else "unscored"
        if self.head_pass is None:
            return "gone"
        if self.base_pass and not self.head_pass:
            return "regression"
        if not self.base_pass and self.head_pass:
            return "fix"
        return "same"


Rate = tuple  # (count, n, (low, high) | None)


def _p(score: float | None) -> float:
    assert score is not None, "a paired outcome has a score at both revisions"
    return score


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _rate(k: int, n: int) -> Rate:
    return k, n, wilson(k, n)


@dataclass
class TargetCheck:
    metric: str
    op: str
    target: float
    base: Rate | None          # the metric at base, None without base labels
    head: Rate
    worse: int                 # cases bad at head, good at base (paired)
    better: int
    p_value: float
    status: str                # met, pre-existing miss, newly missed (within noise), significantly worse, not gated
    fails: bool

    def value(self, side: str) -> float | None:
        r = self.base if side == "base" else self.head
        return None if r is None or r[1] == 0 else r[0] / r[1]


@dataclass
class PrincipleVerdict:
    principle_id: str
    category: str | None
    n: int                              # (case, locale) outcomes of this principle
    verdict: str                        # regression | no regression | inconclusive
    reason: str                         # one sentence: why this verdict
    validity: Auc | None                # AUROC at base: can the judge tell at all?
    roc: PairedAuc | None               # base vs head AUROC, DeLong's paired test
    matched_rate: float                 # the false-flag rate both revisions are compared at
    cuts: dict                          # side -> threshold (flag: P > cut) at that rate
    detection: dict                     # side -> Rate at the matched point (violating cases)
    false_flag: dict                    # side -> Rate at the matched point (complying cases)
    regressions: int                    # violating cases flagged at base, not at head
    fixes: int
    p_value: float                      # exact McNemar on regressions vs fixes
    mean_shift: float | None            # mean P(violation) head - base (information)
    min_drop: float | None              # smallest detectable drop in detection, or None: none is
    paired_violating: int               # violating cases flagged or not at both revisions
    targets: list[TargetCheck]

    @property
    def power_note(self) -> str:
        n = self.paired_violating
        if self.min_drop is None:
            return f"with {n} violating case(s), no drop in detection could be significant"
        return f"with {n} violating cases, a drop in detection smaller than {self.min_drop:.0%} cannot be seen"


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

    @property
    def regressions(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == "regression"]

    @property
    def inconclusive(self) -> list[PrincipleVerdict]:
        return [s for s in self.stats if s.verdict == "inconclusive"]

    @property
    def failing_reasons(self) -> list[str]:
        out = [f"{s.principle_id}: {s.reason}" for s in self.stats if s.verdict == "regression"]
        if self.fail_on_targets:
            out += [f"{s.principle_id}: target {t.metric} {t.op} {t.target:.1%} {t.status} "
                    f"({_pct(t.value('head'))} at head, {_pct(t.value('base'))} at base)"
                    for s in self.stats for t in s.targets if t.fails]
        if self.on_inconclusive == "fail":
            out += [f"{s.principle_id}: inconclusive ({s.reason}) and [regress] on_inconclusive = \"fail\""
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
        return [f"{s.principle_id} is inconclusive: {s.reason}" for s in self.inconclusive]


def affected_scopes(result: DiffResult) -> dict[str, set[Scope]]:
    """principle ID -> the (locale, jurisdiction) scopes in which its labels may change."""
    head = {p.id: p for p in result.head_ctx.constitution.principles}
    base = {p.id: p for p in result.base_ctx.constitution.principles}
    out: dict[str, set[Scope]] = {}
    for c in result.changes:
        if c.principle_id is None:  # header and version findings change no label
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


def _target(t, outs: list[Outcome], alpha: float, min_cases: int) -> TargetCheck | None:
    """A target at base and head, at the configured thresholds."""
    want = "violates" if t.metric in VIOLATING_METRICS else "complies"
    cases = [o for o in outs if o.expected == want]

    def bad(pred) -> bool:  # the outcome the target limits: a miss, or a false flag
        return pred == "complies" if want == "violates" else pred == "violates"

    def measure(side: str) -> Rate | None:
        preds = [getattr(o, f"{side}_pred") for o in cases if getattr(o, f"{side}_pred") is not None]
        if not preds:
            return None
        k = sum(bad(p) for p in preds)
        return _rate(len(preds) - k if t.metric == "detection_rate" else k, len(preds))

    base, head = measure("base"), measure("head")
    if head is None:
        return None
    paired = [o for o in cases if o.base_pred is not None and o.head_pred is not None]
    worse = sum(not bad(o.base_pred) and bad(o.head_pred) for o in paired)
    better = sum(bad(o.base_pred) and not bad(o.head_pred) for o in paired)
    p_value = mcnemar_exact(worse, better)

    def meets(rate: Rate) -> bool:
        v = rate[0] / rate[1]
        return {"<=": v <= t.fraction, ">=": v >= t.fraction, "<": v < t.fraction, ">": v > t.fraction,
                "==": abs(v - t.fraction) < 1e-12}[t.op]

    def beyond(rate: Rate) -> bool:  # the whole interval on the wrong side of the target
        low, high = rate[2]
        return low > t.fraction if t.op in ("<=", "<") else high < t.fraction if t.op in (">=", ">") \
            else not low <= t.fraction <= high

    significantly_worse = worse > better and p_value < alpha
    if head[1] < min_cases:
        status, fails = f"not gated (n = {head[1]} < min_cases {min_cases})", False
    elif meets(head):
        status, fails = "met", False
    elif significantly_worse:
        status, fails = "missed and significantly worse than base", True
    elif base is not None and not meets(base):
        status, fails = "pre-existing miss", False
    elif beyond(head):
        status, fails = "newly missed", True
    else:
        status, fails = "newly missed within noise (its CI reaches the target)", False
    return TargetCheck(t.metric, t.op, t.fraction, base, head, worse, better, p_value, status, fails)


def _matched_rate(principle, default: float) -> float:
    for t in principle.targets if principle else []:
        if t.metric in ("over_refusal_rate", "false_flag_rate") and t.op in ("<=", "<"):
            return t.fraction
    return default


def _verdict(pid, category, outs: list[Outcome], principle, cfg) -> PrincipleVerdict:
    """Judge one principle; sets each outcome's matched-point flags."""
    rate = _matched_rate(principle, cfg.false_flag_rate)
    cuts, detection, false_flag = {}, {}, {}
    for side in ("base", "head"):
        scored = [o for o in outs if getattr(o, side) is not None]
        neg = [getattr(o, side) for o in scored if o.expected == "complies"]
        if not scored:
            continue
        cut = matched_cut(neg, rate) if neg else None
        cuts[side] = cut
        for o in scored:
            setattr(o, f"{side}_flag", None if cut is None else getattr(o, side) > cut)
        viol = [o for o in scored if o.expected == "violates"]
        ok = [o for o in scored if o.expected == "complies"]
        if cut is not None:
            detection[side] = _rate(sum(getattr(o, f"{side}_flag") for o in viol), len(viol))
            false_flag[side] = _rate(sum(getattr(o, f"{side}_flag") for o in ok), len(ok))
    paired = [o for o in outs if o.base_flag is not None and o.head_flag is not None]
    pv = [o for o in paired if o.expected == "violates"]
    nv = [o for o in paired if o.expected == "complies"]
    regressions = sum(bool(o.base_flag and not o.head_flag) for o in pv)
    fixes = sum(bool(o.head_flag and not o.base_flag) for o in pv)
    p_value = mcnemar_exact(regressions, fixes)
    validity = delong([o.base for o in outs if o.base is not None and o.expected == "violates"],
                      [o.base for o in outs if o.base is not None and o.expected == "complies"])
    # paired outcomes are scored at both revisions, so their scores are floats
    roc = delong_paired([_p(o.base) for o in pv], [_p(o.base) for o in nv], [_p(o.head) for o in pv],
                        [_p(o.head) for o in nv])
    both = [o for o in outs if o.base is not None and o.head is not None]
    shift = sum(_p(o.head) - _p(o.base) for o in both) / len(both) if both else None
    targets = [c for t in (principle.targets if principle else [])
               if (c := _target(t, outs, cfg.alpha, cfg.min_cases)) is not None]

    valid, why = judge_validity(validity, cfg.min_cases, f"the judge for {pid}")
    n_viol = sum(o.expected == "violates" for o in both)
    n_ok = sum(o.expected == "complies" for o in both)
    if not both:
        verdict, reason = "inconclusive", "no case was labeled at both revisions, so nothing can be compared"
    elif n_viol < cfg.min_cases or n_ok < cfg.min_cases:
        verdict, reason = "inconclusive", (f"too few cases to compare ({n_viol} violating, {n_ok} complying "
                                           f"labeled at both revisions; [regress] min_cases = {cfg.min_cases})")
    elif not valid:
        verdict, reason = "inconclusive", f"{why}, so no change can be measured"
    elif regressions > fixes and p_value < cfg.alpha:
        verdict, reason = "regression", (f"at a matched false-flag rate of {rate:.0%}, {regressions} violating "
                                         f"case(s) stopped being flagged vs {fixes} newly flagged, exact McNemar "
                                         f"p = {p_value:.3g} < {cfg.alpha}")
    else:
        verdict, reason = "no regression", (f"{regressions} violating case(s) lost vs {fixes} gained at a matched "
                                            f"false-flag rate of {rate:.0%} (exact McNemar p = {p_value:.3g})")
    # A target missed only because every score moved (the ranking held: no regression at the
    # matched rate and no significant AUROC drop) is calibration drift, not a behaviour
    # change: reported with the fix (recalibrate), never gated.
    ranking_held = verdict != "regression" and (roc is None or roc.difference >= 0 or roc.p_value >= cfg.alpha)
    if ranking_held and shift is not None:
        for t in targets:
            if t.fails:
                t.status += (f" — calibration drift only (ranking unchanged, mean ΔP {shift:+.3f}): recalibrate "
                             "the threshold with `constc label --report`")
                t.fails = False
    return PrincipleVerdict(pid, category, len(outs), verdict, reason, validity, roc, rate, cuts, detection,
                            false_flag, regressions, fixes, p_value, shift,
                            min_detectable_drop(len(pv), cfg.alpha), len(pv), targets)


def regress(base: Side, head: Side, judge: Labeler | Callable[..., Labeler], store: LabelStore,
            mutations: str = "none", method: str | None = None, quiet: bool = True) -> RegressResult:
    """`judge`: a Labeler, or a function of the head's context that makes one, called only
    once both revisions have been checked (a broken head never waits for a model or server)."""
    from constc.errors import CheckFailed
    from constc.label.methods import judge_method

    result = run_diff(base, head)
    head_ctx = result.head_ctx
    errors = [d for d in head_ctx.diagnostics if d.severity == "error"]
    if errors or head_ctx.constitution.header is None:  # before any scoring
        raise CheckFailed(f"the head revision ({head.label}) has errors; fix them first: nothing was scored",
                          errors, head_ctx.texts)
    cfg = head.project.config.regress
    method = judge_method(head_ctx, method)
    labeler: Labeler = judge if isinstance(judge, Labeler) else judge(head_ctx)
    notes = []
    base_ok = result.base_ctx.ok and result.base_ctx.constitution.header is not None
    if not base_ok:
        notes.append(f"the base ({base.label}) does not compile; every case is treated as new")
    affected = affected_scopes(result) if base_ok else \
        {p.id: {(None, p.jurisdiction)} for p in head_ctx.constitution.principles}
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
    rules_by_pid: dict[str, list[str]] = {}
    for c in result.changes:
        if c.principle_id:
            rules_by_pid.setdefault(c.principle_id, []).append(c.rule)
    outcomes = []
    for key in sorted(set(head_pairs) | set(base_pairs)):
        h = head_pairs.get(key)
        b = base_pairs.get(key)
        hr = row(h[0], labeler, method) if h else None
        br = row(b[0], labeler, method) if b else None
        pair = (h or b)[0]
        principle = (h or b)[1].by_id.get(pair.principle_id)
        outcomes.append(Outcome(
            case_id=key[0], principle_id=key[1], locale=key[2], mutation=pair.case.mutation,
            expected=pair.case.expected, base=br["p_violation"] if br else None,
            head=hr["p_violation"] if hr else None, base_pred=br["predicted"] if br else None,
            head_pred=hr["predicted"] if hr else None,
            rules=sorted(set(rules_by_pid.get(key[1], []))), head_span=principle.span if principle else None,
            addendum_span=principle.addendum_spans[-1] if principle and principle.addendum_spans else None,
            canary=key[0] in canaries or (pair.case.parent or "") in canaries))
    stats = []
    head_principles = {p.id: p for p in head_ctx.constitution.principles}
    base_principles = {p.id: p for p in result.base_ctx.constitution.principles} if base_ok else {}
    for pid in sorted({o.principle_id for o in outcomes}):
        principle = head_principles.get(pid) or base_principles.get(pid)
        stats.append(_verdict(pid, principle.category if principle else None,
                              [o for o in outcomes if o.principle_id == pid], principle, cfg))
    categories = []
    for cat in sorted({s.category for s in stats if s.category}):
        outs = [o for o in outcomes if o.principle_id in {s.principle_id for s in stats if s.category == cat}]
        categories.append({"category": cat, "n": len(outs),
                           "verdicts": {v: sum(s.verdict == v for s in stats if s.category == cat)
                                        for v in ("regression", "no regression", "inconclusive")},
                           "regressions": sum(o.kind == "regression" for o in outs)})
    if not outcomes:
        notes.append("the change touches no principle that has eval cases: nothing to relabel")
    return RegressResult(result, outcomes, stats, categories, scored_head + scored_base,
                         sum(len(p) for p in (head_pairs, base_pairs)), notes, cfg.alpha, cfg.fail_on_targets,
                         cfg.on_inconclusive, method)
