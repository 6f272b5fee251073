"""`constc regress`: what a constitution change does to the labels of its eval cases.

1. compile both revisions and take the semantic diff;
2. find the principles it affects, and where (default locale, a locale addendum's locale,
   a jurisdiction);
3. select the eval cases linked to those principles, plus the configured canaries;
4. label them at both revisions through the label cache (unchanged prompts are free);
5. compare per (case, principle, locale): regressions (pass -> fail), fixes, flips, each
   traced to the principle, the diff rule that changed it and its source line;
6. metrics with Wilson intervals, an exact McNemar test per principle, and the targets
   the constitution sets, checked at head.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from constc.diff import DiffResult, run_diff
from constc.diff.sources import Side
from constc.ir.nodes import Span
from constc.label import Labeler
from constc.label.job import build_pairs, row, run
from constc.label.store import LabelStore
from constc.regress.stats import mcnemar_exact, wilson

Scope = tuple  # (locale or None, jurisdiction or None)


@dataclass
class Outcome:
    case_id: str
    principle_id: str
    locale: str | None
    mutation: str | None
    expected: str
    base: float | None           # P(violation) at base; None: not labelable there
    head: float | None
    base_pred: str | None
    head_pred: str | None
    rules: list[str] = field(default_factory=list)
    head_span: Span | None = None
    addendum_span: Span | None = None
    canary: bool = False

    @property
    def base_pass(self) -> bool | None:
        return None if self.base_pred is None else self.base_pred == self.expected

    @property
    def head_pass(self) -> bool | None:
        return None if self.head_pred is None else self.head_pred == self.expected

    @property
    def kind(self) -> str:
        if self.base_pass is None:
            return "new" if self.head_pass is not None else "unscored"
        if self.head_pass is None:
            return "gone"
        if self.base_pass and not self.head_pass:
            return "regression"
        if not self.base_pass and self.head_pass:
            return "fix"
        return "flip" if self.base_pred != self.head_pred else "same"


@dataclass
class PrincipleStats:
    principle_id: str
    category: str | None
    n: int
    regressions: int
    fixes: int
    p_value: float
    significant: bool
    detection: dict       # side -> (flagged, violating, (low, high) | None)
    false_flag: dict      # side -> (flagged, benign, interval)
    targets: list[dict]   # at head: metric, op, target, value, ok


@dataclass
class RegressResult:
    diff: DiffResult
    outcomes: list[Outcome]
    stats: list[PrincipleStats]
    categories: list[dict]
    labeled: int                 # pairs scored by the model in this run
    affected_pairs: int
    notes: list[str]
    alpha: float
    fail_on_targets: bool

    @property
    def regressions(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == "regression"]

    @property
    def failing_reasons(self) -> list[str]:
        out = [f"{s.principle_id}: {s.regressions} regression(s) vs {s.fixes} fix(es), exact McNemar "
               f"p = {s.p_value:.3g} < {self.alpha}" for s in self.stats if s.significant]
        if self.fail_on_targets:
            out += [f"{s.principle_id}: target {t['metric']} {t['op']} {t['target']:.2%} missed "
                    f"({t['value']:.2%} at head)" for s in self.stats for t in s.targets if not t["ok"]]
        return out


def affected_scopes(result: DiffResult) -> dict[str, set[Scope]]:
    """principle ID -> the (locale, jurisdiction) scopes in which its labels may change."""
    head = {p.id: p for p in result.head_ctx.constitution.principles}
    base = {p.id: p for p in result.base_ctx.constitution.principles}
    out: dict[str, set[Scope]] = {}
    for c in result.changes:
        if c.principle_id is None:  # header and version findings change no label
            continue
        ids = {c.principle_id}
        if c.rule.startswith("PRECEDENCE"):
            ids = {x for x in (c.before or c.after or "").split(" over ") if x}
        for pid in ids:
            p = head.get(pid) or base.get(pid)
            if p is None:
                continue
            if c.rule.startswith("LOCALE_ADDENDUM"):
                span = c.head_span or c.base_span
                add = next((a for a in [*result.head_ctx.constitution.addenda, *result.base_ctx.constitution.addenda]
                            if a.principle_id == pid and a.span == span), None)
                if add is not None:
                    scope = (add.scope.tag, None) if add.scope.kind == "locale" else (None, add.scope.tag)
                    out.setdefault(pid, set()).add(scope)
                    continue
            out.setdefault(pid, set()).add((None, p.jurisdiction))
    return out


def _compilation(ctx, scope: Scope, mutations):
    from constc.cli.compile_cmds import make_compilation

    return make_compilation(ctx, scope[0], scope[1], mutations)


def _label_side(ctx, scopes: dict[Scope, set[str]], canaries: set[str], labeler, store, mutations):
    """(case, principle, locale) -> (pair, compilation) for one side, all scored."""
    out, pairs = {}, []
    for scope, pids in sorted(scopes.items(), key=lambda kv: str(kv[0])):
        comp = _compilation(ctx, scope, mutations)
        for pair in build_pairs(comp, "judge"):
            canary = pair.case.id in canaries or (pair.case.parent or "") in canaries
            if pair.principle_id in pids or canary:
                key = (pair.case.id, pair.principle_id, pair.case.locale)
                if key not in out:
                    out[key] = (pair, comp)
                    pairs.append(pair)
    counts = run(labeler, pairs, store)
    return out, counts["scored"]


def _rate(flagged: int, n: int) -> tuple:
    return flagged, n, wilson(flagged, n)


def _side_rates(outs: list[Outcome], side: str) -> tuple[tuple, tuple]:
    preds = [(o.expected, getattr(o, f"{side}_pred")) for o in outs if getattr(o, f"{side}_pred") is not None]
    viol = [p for e, p in preds if e == "violates"]
    ok = [p for e, p in preds if e == "complies"]
    return _rate(sum(p == "violates" for p in viol), len(viol)), _rate(sum(p == "violates" for p in ok), len(ok))


def _targets(principle, detection, false_flag) -> list[dict]:
    out = []
    for t in principle.targets:
        flagged, n, _ = detection if t.metric in ("violation_rate", "detection_rate") else false_flag
        if n == 0:
            continue
        rate = flagged / n
        value = 1 - rate if t.metric == "violation_rate" else rate
        ok = {"<=": value <= t.fraction, ">=": value >= t.fraction, "<": value < t.fraction,
              ">": value > t.fraction, "==": value == t.fraction}[t.op]
        out.append({"metric": t.metric, "op": t.op, "target": t.fraction, "value": value, "ok": ok, "n": n})
    return out


def regress(base: Side, head: Side, labeler: Labeler, store: LabelStore, mutations: str = "none") -> RegressResult:
    result = run_diff(base, head)
    cfg = head.project.config.regress
    notes = []
    head_ctx = result.head_ctx
    base_ok = result.base_ctx.ok and result.base_ctx.constitution.header is not None
    if not base_ok:
        notes.append(f"the base ({base.label}) does not compile; every case is treated as new")
    scopes_by_pid = affected_scopes(result)
    by_scope: dict[Scope, set[str]] = {}
    for pid, scopes in scopes_by_pid.items():
        for s in scopes:
            by_scope.setdefault(s, set()).add(pid)
    canaries = set(cfg.canaries)
    if canaries:
        by_scope.setdefault((None, None), set())
    head_pairs, scored_head = _label_side(head_ctx, by_scope, canaries, labeler, store, mutations)
    base_pairs, scored_base = ({}, 0) if not base_ok else \
        _label_side(result.base_ctx, by_scope, canaries, labeler, store, mutations)
    rules_by_pid: dict[str, list[str]] = {}
    for c in result.changes:
        if c.principle_id:
            rules_by_pid.setdefault(c.principle_id, []).append(c.rule)
    outcomes = []
    for key in sorted(set(head_pairs) | set(base_pairs)):
        h = head_pairs.get(key)
        b = base_pairs.get(key)
        hr = row(h[0], labeler) if h else None
        br = row(b[0], labeler) if b else None
        pair = (h or b)[0]
        principle = (h or b)[1].by_id.get(pair.principle_id)
        outcomes.append(Outcome(
            case_id=key[0], principle_id=key[1], locale=key[2], mutation=pair.case.mutation,
            expected=pair.case.expected, base=br and br["p_violation"], head=hr and hr["p_violation"],
            base_pred=br and br["predicted"], head_pred=hr and hr["predicted"],
            rules=sorted(set(rules_by_pid.get(key[1], []))), head_span=principle.span if principle else None,
            addendum_span=principle.addendum_spans[-1] if principle and principle.addendum_spans else None,
            canary=key[0] in canaries or (pair.case.parent or "") in canaries))
    stats = []
    head_principles = {p.id: p for p in head_ctx.constitution.principles}
    for pid in sorted({o.principle_id for o in outcomes}):
        outs = [o for o in outcomes if o.principle_id == pid]
        b = sum(o.kind == "regression" for o in outs)
        c = sum(o.kind == "fix" for o in outs)
        p_value = mcnemar_exact(b, c)
        det_b, ff_b = _side_rates(outs, "base")
        det_h, ff_h = _side_rates(outs, "head")
        principle = head_principles.get(pid)
        if ff_h[1] == 0:
            notes.append(f"{pid}: no benign (complying) cases, so its false-flag rate is unmeasured")
        stats.append(PrincipleStats(pid, principle.category if principle else None, len(outs), b, c, p_value,
                                    b > c and p_value < cfg.alpha, {"base": det_b, "head": det_h},
                                    {"base": ff_b, "head": ff_h},
                                    _targets(principle, det_h, ff_h) if principle else []))
    categories = []
    for cat in sorted({s.category for s in stats if s.category}):
        outs = [o for o in outcomes if head_principles.get(o.principle_id) and
                head_principles[o.principle_id].category == cat]
        det_h, ff_h = _side_rates(outs, "head")
        categories.append({"category": cat, "n": len(outs), "detection": det_h, "false_flag": ff_h,
                           "regressions": sum(o.kind == "regression" for o in outs)})
    if not outcomes:
        notes.append("the change touches no principle that has eval cases: nothing to relabel")
    return RegressResult(result, outcomes, stats, categories, scored_head + scored_base,
                         sum(len(p) for p in (head_pairs, base_pairs)), notes, cfg.alpha, cfg.fail_on_targets)
