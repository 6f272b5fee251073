"""Judging each principle, and the gate over all of them (docs/regress.md says why).

Two phases, because the gate corrects across tests:

1. `measure` (per principle): judge validity at base, the deciding test's raw one-sided
   p-value, the matched-point flips that explain it, the targets' raw p-values, the
   calibration shift. The unit of analysis is the parent case: variants of one case
   (mutations, translation slots) form a cluster and count once in n and `min_cases`.
2. `gate` (all principles): Holm's adjustment across every test that can fail the gate
   (the principles that could be tested and every gated target), then each verdict:
   - **regression**: the adjusted p-value of the paired AUROC test is below alpha;
   - **no regression**: not significant, *and* the test had at least 80% power to see a
     drop to chance (what gutting a principle does to a judge that read it);
   - **inconclusive**: too few parents, a judge that could not be shown to separate the
     cases, or too little power for "no regression" to mean anything.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from constc.diagnostics.model import Span
from constc.regress.power import Power, power, rank_correlation
from constc.stats import (
    Auc,
    PairedAuc,
    delong,
    design_effect,
    holm,
    matched_cut,
    paired_auc_test,
    rate_worse_p,
    sign_flip_p,
    wilson,
)

VIOLATING_METRICS = ("violation_rate", "detection_rate")  # measured on violating cases; else complying
BOOTSTRAP = 400  # cluster-bootstrap draws for the detection interval at a re-estimated cut
POWER_NEEDED = 0.8


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
    base_flag: bool | None = None  # at the matched false-flag rate (what explains the verdict)
    head_flag: bool | None = None
    cluster: str = ""              # the parent case: variants of one case share it
    control: float | None = None   # P(violation) at base under the unrelated control principle

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


def _scores(outs: list[Outcome], side: str) -> tuple[list[float], list[float], list[str], list[str]]:
    """(violating scores, complying scores, their parents) at one side: base, head or control."""
    pos = [o for o in outs if o.expected == "violates"]
    neg = [o for o in outs if o.expected == "complies"]
    return ([_p(getattr(o, side)) for o in pos], [_p(getattr(o, side)) for o in neg],
            [o.cluster for o in pos], [o.cluster for o in neg])


def slice_name(pid: str, locale: str | None) -> str:
    """`HARM-01`, or `HARM-01 [de-DE]` for one locale's slice of a principle."""
    return pid if locale is None else f"{pid} [{locale}]"


def clustered_rate(flags: list[bool], clusters: list[str]) -> Rate:
    """k of n with a Wilson interval widened by the clustering's design effect (Rao-Scott)."""
    k = sum(flags)
    return k, len(flags), wilson(k, len(flags), deff=design_effect([float(f) for f in flags], clusters))


@dataclass
class TargetCheck:
    metric: str
    op: str
    target: float
    base: Rate | None          # the metric at base, None without base labels
    head: Rate
    worse: int                 # cases bad at head, good at base (paired)
    better: int
    test: str                  # what p_value tests: "worse than base" or "beyond the target"
    p_value: float             # one-sided, raw; 1 when the head meets the target
    gated: bool                # in the gate's family (enough parents)
    p_adjusted: float | None = None
    status: str = ""
    fails: bool = False

    def value(self, side: str) -> float | None:
        r = self.base if side == "base" else self.head
        return None if r is None or r[1] == 0 else r[0] / r[1]


@dataclass
class PrincipleVerdict:
    principle_id: str
    category: str | None
    n: int                              # (case, locale) outcomes of this principle
    parents: tuple[int, int]            # violating, complying parents labeled at both revisions
    validity: Auc | None                # AUROC at base: can the judge tell at all?
    roc: PairedAuc | None               # base vs head AUROC: the deciding test (one-sided)
    matched_rate: float                 # the false-flag rate both revisions are compared at
    cuts: dict                          # side -> threshold (flag: P > cut) at that rate
    detection: dict                     # side -> Rate at the matched point, CI with the cut re-estimated
    false_flag: dict                    # side -> Rate at the matched point: the realised in-sample rate
    regressions: int                    # violating cases flagged at base, not at head (explanation)
    fixes: int
    mean_shift: float | None            # mean P(violation) head - base (information)
    correlation: float | None           # rank correlation of base and head scores (power's input)
    targets: list[TargetCheck]
    untestable: str | None              # why no test can decide (too few parents, invalid judge), or None
    locale: str | None = None           # the locale slice, when the principle has cases in several
    sensitivity: PairedAuc | None = None  # AUROC under the control principle ("base") vs the real one ("head")
    responds: bool | None = None        # the judge is shown to read the principle (None: no control scores)
    verdict: str = "inconclusive"       # regression | no regression | inconclusive (set by `gate`)
    reason: str = ""
    p_adjusted: float | None = None     # Holm-adjusted p of the deciding test
    family: int = 0                     # k: the tests Holm adjusted over
    power: Power | None = None
    ranking_held: bool | None = None    # the equivalence test: AUROC drop shown to be < margin

    @property
    def name(self) -> str:
        return slice_name(self.principle_id, self.locale)

    @property
    def p_value(self) -> float | None:
        return None if self.roc is None else self.roc.p_value

    @property
    def sensitivity_note(self) -> str:
        if self.sensitivity is None:
            return "the judge was not scored under the control principle"
        sens = self.sensitivity
        shown = "responds to" if self.responds else "could not be shown to respond to"
        return (f"the judge {shown} the principle: AUROC {sens.head.value:.2f} with it, {sens.base.value:.2f} "
                f"under an unrelated control principle (difference {sens.difference:+.2f})")

    @property
    def power_note(self) -> str:
        v, c = self.parents
        if self.power is None:
            return f"not computed: {v} violating and {c} complying parent case(s)"
        return self.power.sentence


def _detection_ci(outs: list[Outcome], side: str, rate: float, seed: str,
                  draws_wanted: int) -> tuple[float, float] | None:
    """95% percentile interval of detection at the matched cut from a cluster bootstrap that
    re-estimates the cut in every draw: the threshold's own sampling noise is in it."""
    clusters: dict[str, list[Outcome]] = {}
    for o in outs:
        if getattr(o, side) is not None:
            clusters.setdefault(o.cluster, []).append(o)
    keys = sorted(clusters)
    if not keys or draws_wanted <= 0:
        return None
    rng = random.Random(f"{seed}:{side}")
    draws = []
    for _ in range(draws_wanted):
        pos: list[float] = []
        neg: list[float] = []
        for key in rng.choices(keys, k=len(keys)):
            for o in clusters[key]:
                (pos if o.expected == "violates" else neg).append(getattr(o, side))
        if pos and neg:
            cut = matched_cut(neg, rate)
            draws.append(sum(s > cut for s in pos) / len(pos))
    if len(draws) < draws_wanted // 2:
        return None
    draws.sort()
    return draws[int(0.025 * (len(draws) - 1))], draws[int(math.ceil(0.975 * (len(draws) - 1)))]


def _target(t, outs: list[Outcome], min_cases: int) -> TargetCheck | None:
    """A target at base and head, at the configured thresholds, with its raw one-sided test:
    met at base (or no base) -> is the head beyond the target? missed at base too -> is the
    head worse than base (paired by parent)? A pre-existing miss is never blamed on the edit."""
    want = "violates" if t.metric in VIOLATING_METRICS else "complies"
    cases = [o for o in outs if o.expected == want]

    def bad(pred) -> bool:  # the outcome the target limits: a miss, or a false flag
        return pred == "complies" if want == "violates" else pred == "violates"

    def measure(side: str) -> Rate | None:
        scored = [o for o in cases if getattr(o, f"{side}_pred") is not None]
        if not scored:
            return None
        counted = [bad(getattr(o, f"{side}_pred")) != (t.metric == "detection_rate") for o in scored]
        return clustered_rate(counted, [o.cluster for o in scored])

    base, head = measure("base"), measure("head")
    if head is None:
        return None

    def meets(rate: Rate) -> bool:
        return within(rate[0] / rate[1], t.op, t.fraction)

    paired = [o for o in cases if o.base_pred is not None and o.head_pred is not None]
    worse = sum(not bad(o.base_pred) and bad(o.head_pred) for o in paired)
    better = sum(bad(o.base_pred) and not bad(o.head_pred) for o in paired)
    if base is not None and not meets(base):
        test = "worse than base"
        by_parent: dict[str, int] = {}
        for o in paired:
            by_parent[o.cluster] = by_parent.get(o.cluster, 0) + int(bad(o.head_pred)) - int(bad(o.base_pred))
        p = 1.0 if meets(head) else sign_flip_p(list(by_parent.values()))
    else:
        test = "beyond the target"
        scored = [o for o in cases if o.head_pred is not None]
        deff = design_effect([float(bad(o.head_pred)) for o in scored], [o.cluster for o in scored])
        k = head[0] if t.metric != "detection_rate" else head[1] - head[0]  # the bad ones
        op = t.op if t.metric != "detection_rate" else {">=": "<=", ">": "<", "<=": ">=", "<": ">"}.get(t.op, t.op)
        target = t.fraction if t.metric != "detection_rate" else 1 - t.fraction
        p = 1.0 if meets(head) else rate_worse_p(k, head[1], target, op, deff)
    head_parents = len({o.cluster for o in cases if o.head_pred is not None})
    return TargetCheck(t.metric, t.op, t.fraction, base, head, worse, better, test, p, head_parents >= min_cases)


def _matched_rate(principle, default: float) -> float:
    for t in principle.targets if principle else []:
        if t.metric in ("over_refusal_rate", "false_flag_rate") and t.op in ("<=", "<"):
            return t.fraction
    return default


def min_complying(cfg, rate: float) -> int:
    """At a matched false-flag rate r, fewer than 1/r complying parents cannot flag any."""
    return max(cfg.min_cases, math.ceil(1 / rate - 1e-9)) if rate > 0 else cfg.min_cases


def measure(pid, category, outs: list[Outcome], principle, cfg, bootstrap: int = BOOTSTRAP,
            locale: str | None = None) -> PrincipleVerdict:
    """Everything about one principle (or one locale's slice of it) but its verdict; sets
    each outcome's matched-point flags. `bootstrap`: draws for the detection intervals (0:
    none; they explain, never decide)."""
    from constc.label.job import judge_validity

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
            k = sum(bool(getattr(o, f"{side}_flag")) for o in viol)
            ci = _detection_ci(outs, side, rate, f"{pid}:{locale}", bootstrap) if viol else None
            detection[side] = (k, len(viol), ci)
            false_flag[side] = clustered_rate([bool(getattr(o, f"{side}_flag")) for o in ok], [o.cluster for o in ok])
    both = [o for o in outs if o.base is not None and o.head is not None]
    pv = [o for o in both if o.expected == "violates"]
    nv = [o for o in both if o.expected == "complies"]
    regressions = sum(bool(o.base_flag and not o.head_flag) for o in pv)
    fixes = sum(bool(o.head_flag and not o.base_flag) for o in pv)
    based = [o for o in outs if o.base is not None]
    validity = delong(*_scores(based, "base"))
    base_pos, base_neg, pos_parents, neg_parents = _scores(both, "base")
    head_pos, head_neg, _, _ = _scores(both, "head")
    roc = paired_auc_test(base_pos, base_neg, head_pos, head_neg, pos_parents, neg_parents)
    shift = sum(_p(o.head) - _p(o.base) for o in both) / len(both) if both else None
    # the control principle plays "base", the real one "head": a positive difference means
    # the judge separates the cases better when it reads the principle
    controlled = [o for o in based if o.control is not None]
    ctrl_pos, ctrl_neg, pos_parents, neg_parents = _scores(controlled, "control")
    real_pos, real_neg, _, _ = _scores(controlled, "base")
    sensitivity = paired_auc_test(ctrl_pos, ctrl_neg, real_pos, real_neg, pos_parents, neg_parents)
    responds = None if sensitivity is None else sensitivity.lower_bound(cfg.alpha) > cfg.sensitivity_margin
    rhos = [(r, len(g)) for g in (pv, nv) if (r := rank_correlation([(_p(o.base), _p(o.head)) for o in g])) is not None]
    correlation = sum(r * w for r, w in rhos) / sum(w for _, w in rhos) if rhos else None
    targets = [c for t in (principle.targets if principle else [])
               if (c := _target(t, outs, cfg.min_cases)) is not None]
    parents = (len({o.cluster for o in pv}), len({o.cluster for o in nv}))
    need_ok = min_complying(cfg, rate)
    valid, why = judge_validity(validity, cfg.min_cases, f"the judge for {slice_name(pid, locale)}")
    if not both:
        untestable = "no case was labeled at both revisions, so nothing can be compared"
    elif parents[0] < cfg.min_cases or parents[1] < need_ok:
        untestable = (f"too few cases to compare: {parents[0]} violating and {parents[1]} complying parent case(s) "
                      f"labeled at both revisions; at least {cfg.min_cases} violating ([regress] min_cases) and "
                      f"{need_ok} complying (min_cases, and 1/{rate:.0%} for the matched false-flag rate) are needed")
    elif not valid:
        untestable = f"{why}, so no change can be measured"
    else:
        untestable = None
    return PrincipleVerdict(pid, category, len(outs), parents, validity, roc, rate, cuts, detection, false_flag,
                            regressions, fixes, shift, correlation, targets, untestable, locale, sensitivity,
                            responds)


def _auroc_change(s: PrincipleVerdict) -> str:
    assert s.roc is not None
    return f"AUROC {s.roc.base.value:.2f} → {s.roc.head.value:.2f} ({s.roc.difference:+.2f})"


def _flips(s: PrincipleVerdict) -> str:
    return (f"at a matched false-flag rate of {s.matched_rate:.0%}, {s.regressions} violating case(s) stopped "
            f"being flagged and {s.fixes} started")


def gate(stats: list[PrincipleVerdict], cfg) -> int:
    """Holm across every test that can fail the gate, then each verdict and target status.
    Returns k, the number of tests adjusted over."""
    alpha = cfg.alpha
    family: list[tuple[object, float]] = [(s, s.roc.p_value) for s in stats if s.untestable is None and s.roc]
    family += [(t, t.p_value) for s in stats for t in s.targets if t.gated]
    k = len(family)
    for (item, _), adjusted in zip(family, holm([p for _, p in family])):
        item.p_adjusted = adjusted  # type: ignore[attr-defined]
    for s in stats:
        s.family = k
        if s.untestable is not None or s.roc is None:
            s.verdict, s.reason = "inconclusive", s.untestable or "no paired cases"
        else:
            s.ranking_held = s.roc.lower_bound(alpha) > -cfg.equivalence_margin
            p = f"one-sided p = {s.roc.p_value:.3g}, Holm-adjusted over {k} test(s) {s.p_adjusted:.3g}"
            s.power = power(*s.parents, s.roc.base.value, max(0.0, s.correlation or 0.0), alpha / max(k, 1))
            if s.p_adjusted is not None and s.p_adjusted < alpha:
                s.verdict, s.reason = "regression", (f"the judge separates violating from complying cases less "
                                                     f"well at head: {_auroc_change(s)}, {p} < {alpha}; {_flips(s)}")
            elif not s.responds:
                s.verdict, s.reason = "inconclusive", (
                    f"no drop shown ({_auroc_change(s)}, {p}), but {s.sensitivity_note}, so it cannot certify that "
                    "an edit of the principle changed nothing")
            elif s.power is not None and s.power.at_chance >= POWER_NEEDED:
                s.verdict, s.reason = "no regression", (f"no drop shown: {_auroc_change(s)}, {p}; "
                                                        f"{s.power.sentence}")
            else:
                at = "not computed" if s.power is None else f"{s.power.at_chance:.0%}"
                s.verdict, s.reason = "inconclusive", (
                    f"no drop shown ({_auroc_change(s)}, {p}), but the test had {at} power to see even a drop to "
                    f"chance with {s.parents[0]} violating and {s.parents[1]} complying parent cases, so \"no "
                    f"regression\" would mean nothing")
        for t in s.targets:
            _target_status(t, s, cfg)
    return k


def _target_status(t: TargetCheck, s: PrincipleVerdict, cfg) -> None:
    head = t.value("head")
    if head is not None and within(head, t.op, t.target):
        t.status, t.fails = "met", False
        return
    adjusted = "" if t.p_adjusted is None else f", Holm-adjusted {t.p_adjusted:.3g}"
    p = f"one-sided p = {t.p_value:.3g}{adjusted}"
    significant = t.gated and t.p_adjusted is not None and t.p_adjusted < cfg.alpha
    if not t.gated:
        t.status, t.fails = f"not gated (fewer than min_cases {cfg.min_cases} parent cases)", False
    elif t.test == "worse than base":
        t.status, t.fails = ((f"missed and significantly worse than base ({p})", True) if significant else
                             (f"pre-existing miss (not shown worse than base: {p})", False))
    else:
        t.status, t.fails = ((f"newly missed ({p})", True) if significant else
                             (f"newly missed within noise ({p})", False))
    # A miss that only moved with every score (the ranking shown to hold: an AUROC drop
    # smaller than the margin, one-sided at alpha) is calibration drift: reported with the
    # fix, never gated. Without that evidence it is not excused.
    if t.fails and s.verdict != "regression" and s.ranking_held:
        t.status += (f" — calibration drift only (the ranking held: AUROC drop < {cfg.equivalence_margin:.2f} shown, "
                     f"mean ΔP {s.mean_shift:+.3f}): recalibrate the threshold with `constc label --report`")
        t.fails = False


def within(value: float, op: str, target: float) -> bool:
    """Whether a measured rate meets a target `op target`."""
    return {"<=": value <= target, ">=": value >= target, "<": value < target, ">": value > target,
            "==": abs(value - target) < 1e-12}[op]
