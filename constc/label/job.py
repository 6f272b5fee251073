"""A labeling job: every (case, principle) pair of a compilation, scored through the cache.

Rows say which case, principle, locale and mutation; P(violation) (P(A) for preference);
the predicted label at the principle's threshold; the expected label; which model and
revision scored it; and the SHA-256 of the exact prompt, so any row can be reproduced.
"""

from __future__ import annotations

import hashlib
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from constc.evalcases import EvalCase
from constc.label import Labeler, LabelError, Request, generate_with
from constc.label.methods import DEFAULT_METHOD, Build, Reduce
from constc.label.store import LabelStore, request_key
from constc.targets.policy import AnswerError

TARGETS = ("judge", "preference", "guard")
_KEEP = (0.75, 0.5, 0.3, 0.15, 0.0)


@dataclass
class Pair:
    case: EvalCase
    principle_id: str
    threshold: float
    build: Build                     # case -> requests; called again to shorten a case that does not fit
    reduce: Reduce                   # the requests' answers -> option probabilities
    requests: tuple[Request, ...]    # for the full case; the cache is keyed on these
    violation_option: int | None     # index of the option meaning "violates" (None: preference)
    guard: bool = False              # options are safe + one per code: P(violation) = 1 - P(safe)
    truncated: bool = False
    error: str | None = None
    probs: list[float] = field(default_factory=list)
    scored_sha256: str | None = None
    cached: bool = False
    answer: str | None = None        # a generating judge's raw answer, as written


# The principle-sensitivity control (docs/regress.md): every case of a principle is also
# scored with the principle's text replaced by this unrelated one (its ID kept, so the
# prompt keeps its shape; no examples, which would teach the real principle). A judge that
# reads the principle separates violating from complying cases less well under it; one
# that sorts prompts without reading it separates them as well as before.
CONTROL_TITLE = "Control"
CONTROL_STATEMENT = "Write every reply in complete sentences."


def control_pairs(pairs: list[tuple["Pair", Any]], method: str) -> list["Pair"]:
    """The same judge pairs ((pair, compilation)) under the control principle."""
    from constc.label import methods

    plans: dict[tuple[int, str], tuple] = {}
    out = []
    for pair, comp in pairs:
        key = (id(comp), pair.principle_id)
        if key not in plans:
            real = comp.by_id[pair.principle_id]
            control = real.model_copy(update={"title": CONTROL_TITLE, "statement": CONTROL_STATEMENT, "examples": []})
            plans[key] = methods.judge(comp, control, method)
        build, reduce = plans[key]
        out.append(Pair(pair.case, pair.principle_id, pair.threshold, build, reduce, build(pair.case),
                        pair.violation_option))
    return out


def threshold(comp, p) -> float:
    """The flagging threshold for a principle, most specific first:

    1. a locale or jurisdiction addendum's `threshold` (it applies to that scope only);
    2. `[label] thresholds` in constc.toml for the principle's ID (a model's calibration);
    3. the principle's own `threshold`;
    4. `[label] threshold` in constc.toml (default 0.5)."""
    cfg = comp.ctx.project.config.label
    declared = next((q for q in comp.ctx.constitution.principles if q.id == p.id), p)
    if p.threshold is not None and p.field_spans.get("threshold") != declared.field_spans.get("threshold"):
        return p.threshold
    if p.id in cfg.thresholds:
        return cfg.thresholds[p.id]
    return p.threshold if p.threshold is not None else cfg.threshold


def _middle(text: str, keep: float) -> str:
    n = int(len(text) * keep)
    if n >= len(text):
        return text
    return text[: n // 2] + " [...] " + text[len(text) - n // 2:] if n else "[...]"


def _fits(labeler: Labeler, requests) -> bool:
    return all(labeler.fits(r.prompt, r.options) for r in requests)


def _fit(labeler: Labeler, pair: Pair) -> tuple[tuple[Request, ...] | None, bool]:
    """The requests, the case shortened from the middle of the conversation until they fit;
    never the response."""
    if _fits(labeler, pair.requests):
        return pair.requests, False
    case = pair.case
    for keep in _KEEP:
        short = case.model_copy(update={
            "prompt": _middle(case.prompt, keep),
            "history": [t.model_copy(update={"content": _middle(t.content, keep)}) for t in case.history]})
        requests = pair.build(short)
        if _fits(labeler, requests):
            return requests, True
    return None, True


def build_pairs(comp, target: str, limit: int | None = None, method: str = DEFAULT_METHOD) -> list[Pair]:
    """Every (case, principle) pair of a target; `method` chooses how the judge asks."""
    from constc.label import methods
    from constc.targets import guard, preference

    pairs: list[Pair] = []

    def add(case, p, build, reduce, violation, is_guard: bool = False) -> None:
        pairs.append(Pair(case, p.id, threshold(comp, p), build, reduce, build(case), violation, is_guard))

    if target == "judge":
        from constc.targets.judge import judge_pairs

        plans: dict[str, tuple[methods.Build, methods.Reduce]] = {}  # principle -> (build, reduce)
        for p, case in judge_pairs(comp):
            if p.id not in plans:
                plans[p.id] = methods.judge(comp, p, method)
            build, reduce = plans[p.id]
            add(case, p, build, reduce, 0)
    elif target == "preference":
        cases = [c for c in comp.cases if c.responses is not None and not c.needs_translation]
        for p in comp.by_priority():
            for case in cases:
                if p.id in case.principles:
                    add(case, p, lambda c, p=p: (Request(preference.principle_prompt(comp, p, c),
                                                         tuple(preference.ANSWER_TOKENS), f"preference:{p.id}"),),
                        methods.first_answer, None)
    elif target == "guard":
        full, _ = guard.codes(comp)
        cats = guard.categories(comp, full)
        block = guard.categories_block(comp, cats)
        code_of = {c["principle_id"]: c["code"] for c in cats}
        options = tuple(["safe"] + [f"unsafe\n{c['code']}" for c in cats])
        for case in comp.cases:
            if case.responses is not None or case.needs_translation:
                continue
            for pid in case.principles:
                if pid in code_of:
                    add(case, comp.by_id[pid], lambda c: (Request(guard.guard_prompt(comp, block, c), options,
                                                                  "guard"),),
                        methods.first_answer, options.index(f"unsafe\n{code_of[pid]}"), is_guard=True)
    else:
        raise LabelError(f"unknown labeling target '{target}' ({', '.join(TARGETS)})")
    return pairs[:limit] if limit else pairs


class Progress:
    """prompts scored / to score, prompts per second and ETA, on stderr when it is a terminal."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.done = total, 0
        self.on = not quiet and sys.stderr.isatty()
        self.start = time.perf_counter()

    def update(self, n: int) -> None:
        self.done += n
        if self.on:
            rate = self.done / max(time.perf_counter() - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate else 0
            sys.stderr.write(f"\r{self.done}/{self.total} prompts  {rate:6.1f} prompts/s  ETA {eta:5.0f} s   ")
            sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\n")


def engine(labeler: Labeler) -> str:
    """The engine's name in cache keys and rows (a labeler without one is transformers)."""
    return getattr(labeler, "engine_name", "transformers")


def _key(labeler: Labeler, r: Request) -> str:
    return request_key(labeler.model_id, labeler.revision, labeler.dtype, labeler.chat, r.prompt, r.options, r.raw,
                       engine(labeler), r.generate)


MAX_ANSWER_CHARS = 1 << 20  # a generated answer longer than this is not one constc wrote


CANARY = Request("constc canary. Is the sky green? Answer Yes or No.", (" Yes", " No"), "constc-canary")
CANARY_TOLERANCE = 1e-3


def check_canary(labeler: Labeler, store: LabelStore) -> None:
    """A served model can be swapped behind the same name: score a fixed prompt fresh and
    compare it with what this (model, revision, engine) gave before. Cached scores from
    another model must never mix with new ones."""
    key = _key(labeler, CANARY)
    now = labeler.score([CANARY])[0]
    before = store.get_many([key]).get(key)
    if before is not None and _valid(before, CANARY):
        moved = max(abs(a - b) for a, b in zip(now, before["p"]))
        if moved > CANARY_TOLERANCE:
            raise LabelError(f"the model behind {labeler.model_id} changed: a fixed canary prompt scores {now[0]:.4f} "
                             f"now and {before['p'][0]:.4f} in the cache (difference {moved:.2g}); its cached scores "
                             "belong to another model. Restore the model, or label with --no-cache")
        return
    store.put_many({key: {"p": now, "t": False, "s": _sha(CANARY.prompt)}})


def _sha(prompt: str) -> str:
    return hashlib.sha256(prompt.encode()).hexdigest()


def _valid(entry, request: Request) -> bool:
    """A cached answer is used only if it is what scoring could have produced: one finite
    number per option, probabilities in [0, 1] summing to 1, log-probabilities <= 0, or
    for a generating request a text. A corrupted or planted row (1e308, NaN, the wrong
    length) is scored again."""
    try:
        if request.generate:
            return isinstance(entry["a"], str) and len(entry["a"]) <= MAX_ANSWER_CHARS
        p = entry["p"]
        if not isinstance(p, list) or len(p) != len(request.options) or \
                not all(isinstance(x, (int, float)) and math.isfinite(x) for x in p):
            return False
        if request.raw:
            return all(x <= 1e-6 for x in p)
        return all(-1e-9 <= x <= 1 + 1e-9 for x in p) and abs(sum(p) - 1) < 1e-4
    except (KeyError, TypeError):
        return False


def run(labeler: Labeler, pairs: list[Pair], store: LabelStore, quiet: bool = True, chunk: int | None = None) -> dict:
    """Score every pair, cache first, committing each chunk as it finishes. Returns counts.

    Only requests missing from the cache touch the model: their pair is fitted to the
    model's context (shortened from the middle of the conversation if needed) and scored.
    A request shared by several pairs (the likelihood method's prompt without the
    principle) is scored once."""
    keys = [[_key(labeler, r) for r in p.requests] for p in pairs]
    requests = {k: r for ks, p in zip(keys, pairs) for k, r in zip(ks, p.requests)}
    cached = {k: v for k, v in store.get_many(sorted(requests)).items() if _valid(v, requests[k])}
    todo: dict[str, tuple[Pair, Request]] = {}
    for ks, pair in zip(keys, pairs):
        missing = [i for i, k in enumerate(ks) if k not in cached]
        if not missing:
            pair.cached = True
            continue
        if all(ks[i] in todo for i in missing):
            continue
        fitted, truncated = _fit(labeler, pair)
        if fitted is None:
            pair.truncated, pair.error = True, ("longer than the model's context even with the conversation "
                                                 "shortened: the response, or the instructions and policy, alone fill it")
            continue
        for i in missing:
            todo.setdefault(ks[i], (pair, fitted[i]))
        if truncated:
            pair.truncated = True
    hits = sum(p.cached for p in pairs)
    # A local model is its own fingerprint. A served one is known by its name only: another
    # server may serve other weights under it, so the canary is scored whenever a served
    # judge takes part (already contacted, it costs one request), cached rows or not
    if pairs and (engine(labeler) == "openai" or (todo and engine(labeler) != "transformers")):
        check_canary(labeler, store)
    progress = Progress(len(todo), quiet)
    items = sorted(todo.items(), key=lambda kv: kv[1][1].group)  # keep groups together for prefix reuse
    fresh: dict[str, dict] = {}
    size: int = chunk or int(getattr(labeler, "batch_pairs", 128))

    def commit(part, scores):
        # a generated answer is kept as text ("a"), an option score as probabilities ("p")
        batch = {key: {"a" if req.generate else "p": probs, "t": pair.truncated, "s": _sha(req.prompt)}
                 for (key, (pair, req)), probs in zip(part, scores)}
        store.put_many(batch)  # only this process writes the cache, batch by batch as results arrive
        fresh.update(batch)
        progress.update(len(batch))

    stream = getattr(labeler, "score_stream", None)
    try:
        for start in range(0, len(items), size):
            part = items[start:start + size]
            written = [kv for kv in part if kv[1][1].generate]
            if written:
                commit(written, generate_with(labeler, [req for _, (_, req) in written]))
                part = [kv for kv in part if not kv[1][1].generate]
                if not part:
                    continue
            if stream is None:
                commit(part, labeler.score([req for _, (_, req) in part]))
                continue
            for answered in stream([req for _, (_, req) in part]):
                commit([part[i] for i, _ in answered], [probs for _, probs in answered])
    finally:
        progress.close()
    done = {**cached, **fresh}
    for ks, pair in zip(keys, pairs):
        if pair.error is None and all(k in done for k in ks):
            answers = [done[k] for k in ks]
            texts = [a["a"] for a in answers if "a" in a]
            pair.answer = texts[0] if texts else None
            pair.truncated = pair.truncated or any(a["t"] for a in answers)
            shas = [a["s"] for a in answers]
            pair.scored_sha256 = shas[0] if len(shas) == 1 else _sha("\0".join(shas))
            pair.error = next((a["e"] for a in answers if a.get("e")), None)
            try:
                pair.probs = pair.reduce([a["a"] if "a" in a else a["p"] for a in answers])
            except AnswerError as err:  # never a silent label: the row says what the judge wrote
                pair.error = f"unparseable answer: {err}"
    return {"pairs": len(pairs), "scored": len(fresh), "cache_hits": hits,
            "errors": sum(p.error is not None for p in pairs)}


def row(pair: Pair, labeler: Labeler, method: str = DEFAULT_METHOD) -> dict:
    case = pair.case
    out = {"case_id": case.id, "principle_id": pair.principle_id, "locale": case.locale, "mutation": case.mutation,
           "expected": case.expected, "threshold": pair.threshold, "method": method, "model": labeler.model_id,
           "model_revision": labeler.revision, "dtype": labeler.dtype, "engine": engine(labeler),
           "prompt_sha256": pair.scored_sha256,
           "truncated": pair.truncated, "cached": pair.cached}
    if pair.answer is not None:  # a generating judge: its answer is a label, not a probability
        out.update({"answer": pair.answer, "calibrated": False})
    if pair.error or not pair.probs:
        return {**out, "error": pair.error or "not scored", "p_violation": None, "predicted": None}
    if pair.violation_option is None:  # preference: P(A)
        p_a = pair.probs[0]
        return {**out, "p_a": p_a, "predicted": "A" if p_a >= 0.5 else "B"}
    if pair.guard:
        # Any violation is 1 - P(safe): each code's own probability is P(unsafe) split over
        # every code, far below any threshold with a large taxonomy. Attribution is the
        # principle's code's share of the unsafe mass.
        p_safe = pair.probs[0]
        unsafe = max(1.0 - p_safe, 0.0)
        codes = [o.split("\n", 1)[1] for o in pair.requests[0].options[1:]]
        top = max(range(len(codes)), key=lambda i: pair.probs[i + 1])
        out.update({"p_violation": unsafe, "p_safe": p_safe,
                    "p_code": pair.probs[pair.violation_option] / unsafe if unsafe > 0 else 0.0,
                    "attributed_code": codes[top],
                    "predicted": "violates" if unsafe >= pair.threshold else "complies"})
        return out
    p = pair.probs[pair.violation_option]
    out.update({"p_violation": p, "predicted": "violates" if p >= pair.threshold else "complies"})
    return out


# ---- calibration ---------------------------------------------------------------------

MIN_CLASS = 6  # the fewest cases of each kind for a judge-validity statement (see docs/labeling.md)


def judge_validity(auc, min_class: int = MIN_CLASS, judge: str = "the judge") -> tuple[bool, str]:
    """Whether the judge tells violating from complying cases: enough cases of each kind and
    an AUROC whose 95% interval lies above 0.5. Returns (valid, the sentence to show)."""
    if auc is None:
        return False, f"no violating or no complying cases, so {judge} cannot be checked"
    if auc.n_pos < min_class or auc.n_neg < min_class:
        return False, (f"too few cases to check {judge} ({auc.n_pos} violating, {auc.n_neg} complying; "
                       f"at least {min_class} of each are needed)")
    ci = f"AUROC {auc.value:.2f}, 95% CI {auc.low:.2f}–{auc.high:.2f}, n = {auc.n}"
    if auc.low <= 0.5:
        return False, f"{judge} could not be shown to separate violating from complying cases ({ci}: the CI reaches 0.5)"
    return True, f"{judge} separates violating from complying cases ({ci})"


def calibration(rows: list[dict], false_flag_rate: float = 0.1, alpha: float = 0.05,
                margin: float = 0.05) -> list[dict]:
    """Per principle: AUROC with its DeLong 95% interval, judge validity, accuracy at the
    threshold in use, and two suggested thresholds: Youden's J (balances detection and
    false flags) and the lowest that flags at most `false_flag_rate` of complying cases.
    Never the accuracy-maximising cut: on imbalanced cases that is 0 or 1."""
    from constc.stats import delong, matched_cut, paired_auc_test, youden_cut

    by: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r.get("p_violation") is not None and r["expected"] in ("violates", "complies"):
            by.setdefault((r["principle_id"], r.get("locale") or ""), []).append(r)
    # per principle and locale: pooled locales add correlated translations of the same cases,
    # which narrows the interval and can hide a judge that is at chance in one of them
    several = {pid for pid, _ in by if sum(p == pid for p, _ in by) > 1}
    out = []
    for (pid, locale), rs in sorted(by.items()):
        pos = [r["p_violation"] for r in rs if r["expected"] == "violates"]
        neg = [r["p_violation"] for r in rs if r["expected"] == "complies"]
        auc = delong(pos, neg)
        name = f"{pid} [{locale}]" if pid in several else pid
        valid, why = judge_validity(auc, judge=f"the judge for {name}")
        ctrl = [r for r in rs if r.get("control_p_violation") is not None]
        sens = paired_auc_test([r["control_p_violation"] for r in ctrl if r["expected"] == "violates"],
                               [r["control_p_violation"] for r in ctrl if r["expected"] == "complies"],
                               [r["p_violation"] for r in ctrl if r["expected"] == "violates"],
                               [r["p_violation"] for r in ctrl if r["expected"] == "complies"])
        cut = matched_cut(neg, false_flag_rate) if neg else None
        out.append({"principle_id": pid, "locale": locale or None, "name": name, "count": len(rs),
                    "control_auroc": None if sens is None else sens.base.value,
                    "responds": None if sens is None else sens.lower_bound(alpha) > margin,
                    "violating": len(pos), "complying": len(neg),
                    "auroc": auc.value if auc else None, "auroc_ci": [auc.low, auc.high] if auc else None,
                    "judge_valid": valid, "judge_note": why,
                    "accuracy": sum(r["predicted"] == r["expected"] for r in rs) / len(rs),
                    "threshold": rs[0]["threshold"], "suggested_youden": youden_cut(pos, neg),
                    "suggested_at_false_flag_rate": None if cut is None or abs(cut) == float("inf")
                    else math.nextafter(cut, 2.0),
                    "false_flag_rate": false_flag_rate})
    return out


def render_calibration(stats: list[dict]) -> str:
    def num(x, width=5):
        return f"{x:.3f}" if x is not None else "-".center(width)

    width = max([10, *(len(s["name"]) for s in stats)])
    out = [f"{'principle':<{width}} {'n':>4} {'viol':>4} {'ok':>4} {'AUROC (95% CI)':<20} {'control':<13} "
           f"{'acc':>5} {'thr':>5} {'Youden':>6} {'@FFR':>6}"]
    for s in stats:
        au = f"{s['auroc']:.2f} ({s['auroc_ci'][0]:.2f}–{s['auroc_ci'][1]:.2f})" if s["auroc"] is not None else "-"
        ctrl = "-" if s.get("control_auroc") is None else \
            f"{s['control_auroc']:.2f} {'reads' if s['responds'] else 'not shown'}"
        out.append(f"{s['name']:<{width}} {s['count']:>4} {s['violating']:>4} {s['complying']:>4} {au:<20} {ctrl:<13} "
                   f"{s['accuracy']:>5.2f} {s['threshold']:>5.2f} {num(s['suggested_youden']):>6} "
                   f"{num(s['suggested_at_false_flag_rate']):>6}")
    at_chance = [s for s in stats if not s["judge_valid"]]
    if at_chance:
        out.append("")
        out += [f"WARNING {s['name']}: {s['judge_note']}; its labels and thresholds mean nothing here"
                for s in at_chance]
    if stats:
        ffr = stats[0]["false_flag_rate"]
        out.append(f"\nYouden: the cut maximising detection + (1 - false-flag rate); @FFR: the lowest cut that "
                   f"flags at most {ffr:.0%} of complying cases. Accuracy is at the threshold in use. control: the "
                   "AUROC under an unrelated control principle; 'reads' when the real principle's AUROC is shown to "
                   "exceed it by the sensitivity margin (docs/regress.md).")
    return "\n".join(out)
