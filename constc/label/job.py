"""A labeling job: every (case, principle) pair of a compilation, scored through the cache.

Rows say which case, principle, locale and mutation; P(violation) (P(A) for preference);
the predicted label at the principle's threshold; the expected label; which model and
revision scored it; and the SHA-256 of the exact prompt, so any row can be reproduced.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass, field

from constc.evalcases import EvalCase
from constc.label import Labeler, LabelError, Request
from constc.label.store import LabelStore, request_key

TARGETS = ("judge", "preference", "guard")
_KEEP = (0.75, 0.5, 0.3, 0.15, 0.0)


@dataclass
class Pair:
    case: EvalCase
    principle_id: str
    threshold: float
    prompt: str                      # the full prompt; the cache is keyed on it
    build: object                    # case -> prompt, to rebuild a shortened one
    options: tuple[str, ...]
    group: str
    violation_option: int | None     # index of the option meaning "violates" (None: preference)
    truncated: bool = False
    error: str | None = None
    probs: list[float] = field(default_factory=list)
    scored_sha256: str | None = None
    cached: bool = False


def threshold(comp, p) -> float:
    """[label] thresholds in constc.toml, else the principle's own, else [label] threshold."""
    cfg = comp.ctx.project.config.label
    return cfg.thresholds.get(p.id, p.threshold if p.threshold is not None else cfg.threshold)


def _middle(text: str, keep: float) -> str:
    n = int(len(text) * keep)
    if n >= len(text):
        return text
    return text[: n // 2] + " [...] " + text[len(text) - n // 2:] if n else "[...]"


def _fit(labeler: Labeler, case: EvalCase, build, options) -> tuple[str | None, bool, EvalCase]:
    """The prompt, shortened from the middle of the conversation until it fits; never the response."""
    prompt = build(case)
    if labeler.fits(prompt, options):
        return prompt, False, case
    for keep in _KEEP:
        short = case.model_copy(update={
            "prompt": _middle(case.prompt, keep),
            "history": [t.model_copy(update={"content": _middle(t.content, keep)}) for t in case.history]})
        prompt = build(short)
        if labeler.fits(prompt, options):
            return prompt, True, short
    return None, True, case


def build_pairs(comp, target: str, limit: int | None = None) -> list[Pair]:
    from constc.targets import guard, judge, preference

    pairs: list[Pair] = []

    def add(case, p, build, options, group, violation):
        pairs.append(Pair(case, p.id, threshold(comp, p), build(case), build, tuple(options), group, violation))

    if target == "judge":
        for p, case in judge.judge_pairs(comp):
            add(case, p, lambda c, p=p: judge.judge_prompt(comp, p, c), judge.ANSWER_TOKENS, f"judge:{p.id}", 0)
    elif target == "preference":
        cases = [c for c in comp.cases if c.responses is not None and not c.needs_translation]
        for p in comp.by_priority():
            for case in cases:
                if p.id in case.principles:
                    add(case, p, lambda c, p=p: preference.principle_prompt(comp, p, c), preference.ANSWER_TOKENS,
                        f"preference:{p.id}", None)
    elif target == "guard":
        full, _ = guard.codes(comp)
        cats = guard.categories(comp, full)
        block = guard.categories_block(comp, cats)
        code_of = {c["principle_id"]: c["code"] for c in cats}
        options = ["safe"] + [f"unsafe\n{c['code']}" for c in cats]
        for case in comp.cases:
            if case.responses is not None or case.needs_translation:
                continue
            for pid in case.principles:
                if pid in code_of:
                    add(case, comp.by_id[pid], lambda c: guard.guard_prompt(comp, block, c), options, "guard",
                        options.index(f"unsafe\n{code_of[pid]}"))
    else:
        raise LabelError(f"unknown labeling target '{target}' ({', '.join(TARGETS)})")
    return pairs[:limit] if limit else pairs


class Progress:
    """pairs done / total, pairs per second, ETA and cache hits, on stderr when it is a terminal."""

    def __init__(self, total: int, hits: int, quiet: bool):
        self.total, self.hits, self.done = total, hits, hits
        self.on = not quiet and sys.stderr.isatty()
        self.start = time.perf_counter()

    def update(self, n: int) -> None:
        self.done += n
        if self.on:
            rate = (self.done - self.hits) / max(time.perf_counter() - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate else 0
            sys.stderr.write(f"\r{self.done}/{self.total} pairs  {rate:6.1f} pairs/s  ETA {eta:5.0f} s  "
                             f"cache hits {self.hits}   ")
            sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\n")


def run(labeler: Labeler, pairs: list[Pair], store: LabelStore, quiet: bool = True, chunk: int = 128) -> dict:
    """Score every pair, cache first, committing each chunk as it finishes. Returns counts.

    Only pairs missing from the cache touch the model: they are fitted to its context
    (shortened from the middle of the conversation if needed) and scored."""
    keys = [request_key(labeler.model_id, labeler.revision, labeler.dtype, labeler.chat, p.prompt, p.options)
            for p in pairs]
    cached = store.get_many(sorted(set(keys)))
    todo: dict[str, tuple[Pair, Request]] = {}
    for key, pair in zip(keys, pairs):
        if key in cached:
            pair.probs, pair.truncated, pair.scored_sha256 = cached[key]["p"], cached[key]["t"], cached[key]["s"]
            pair.error, pair.cached = cached[key].get("e"), True
        elif key not in todo:
            prompt, truncated, _ = _fit(labeler, pair.case, pair.build, pair.options)
            pair.truncated = truncated
            if prompt is None:
                pair.error = "the response alone is longer than the model's context"
                continue
            todo[key] = (pair, Request(prompt, pair.options, pair.group))
    hits = sum(p.cached for p in pairs)
    progress = Progress(len(pairs), hits, quiet)
    items = sorted(todo.items(), key=lambda kv: kv[1][1].group)  # keep groups together for prefix reuse
    fresh: dict[str, dict] = {}
    try:
        for start in range(0, len(items), chunk):
            part = items[start:start + chunk]
            scores = labeler.score([req for _, (_, req) in part])
            batch = {key: {"p": probs, "t": pair.truncated, "s": hashlib.sha256(req.prompt.encode()).hexdigest()}
                     for (key, (pair, req)), probs in zip(part, scores)}
            store.put_many(batch)
            fresh.update(batch)
            progress.update(sum(1 for k in keys if k in batch))
    finally:
        progress.close()
    for key, pair in zip(keys, pairs):
        if not pair.cached and key in fresh:
            pair.probs, pair.truncated, pair.scored_sha256 = fresh[key]["p"], fresh[key]["t"], fresh[key]["s"]
    return {"pairs": len(pairs), "scored": len(fresh), "cache_hits": hits,
            "errors": sum(p.error is not None for p in pairs)}


def row(pair: Pair, labeler: Labeler) -> dict:
    case = pair.case
    out = {"case_id": case.id, "principle_id": pair.principle_id, "locale": case.locale, "mutation": case.mutation,
           "expected": case.expected, "threshold": pair.threshold, "model": labeler.model_id,
           "model_revision": labeler.revision, "dtype": labeler.dtype,
           "prompt_sha256": pair.scored_sha256,
           "truncated": pair.truncated, "cached": pair.cached}
    if pair.error or not pair.probs:
        return {**out, "error": pair.error or "not scored", "p_violation": None, "predicted": None}
    if pair.violation_option is None:  # preference: P(A)
        p_a = pair.probs[0]
        return {**out, "p_a": p_a, "predicted": "A" if p_a >= 0.5 else "B"}
    p = pair.probs[pair.violation_option]
    out.update({"p_violation": p, "predicted": "violates" if p >= pair.threshold else "complies"})
    if len(pair.probs) > 2:  # guard: every code's probability
        out["p_safe"] = pair.probs[0]
    return out


# ---- calibration ---------------------------------------------------------------------

def auroc(pos: list[float], neg: list[float]) -> float | None:
    """P(a violating case scores above a complying one), ties counting half (Mann-Whitney)."""
    if not pos or not neg:
        return None
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def suggest_threshold(pos: list[float], neg: list[float]) -> float | None:
    """The cut that maximises accuracy (ties: the middle of the best interval)."""
    if not pos or not neg:
        return None
    scores = sorted(set(pos + neg))
    cuts = [0.0] + [(a + b) / 2 for a, b in zip(scores, scores[1:])] + [1.0]
    best = max(cuts, key=lambda t: (sum(p >= t for p in pos) + sum(n < t for n in neg), -abs(t - 0.5)))
    return round(best, 4)


def calibration(rows: list[dict]) -> list[dict]:
    by: dict[str, list[dict]] = {}
    for r in rows:
        if r.get("p_violation") is not None and r["expected"] in ("violates", "complies"):
            by.setdefault(r["principle_id"], []).append(r)
    out = []
    for pid, rs in sorted(by.items()):
        pos = [r["p_violation"] for r in rs if r["expected"] == "violates"]
        neg = [r["p_violation"] for r in rs if r["expected"] == "complies"]
        correct = sum(r["predicted"] == r["expected"] for r in rs)
        out.append({"principle_id": pid, "count": len(rs), "violating": len(pos), "complying": len(neg),
                    "auroc": auroc(pos, neg), "accuracy": correct / len(rs), "threshold": rs[0]["threshold"],
                    "suggested_threshold": suggest_threshold(pos, neg)})
    return out


def render_calibration(stats: list[dict]) -> str:
    out = [f"{'principle':<10} {'n':>4} {'viol':>4} {'ok':>4} {'AUROC':>6} {'acc':>6} {'thr':>5} {'suggest':>7}"]
    for s in stats:
        au = f"{s['auroc']:.3f}" if s["auroc"] is not None else "  -  "
        sug = f"{s['suggested_threshold']:.3f}" if s["suggested_threshold"] is not None else "   -"
        out.append(f"{s['principle_id']:<10} {s['count']:>4} {s['violating']:>4} {s['complying']:>4} {au:>6} "
                   f"{s['accuracy']:>6.3f} {s['threshold']:>5.2f} {sug:>7}")
    return "\n".join(out)
