"""Statistics for verdicts: intervals, paired tests and power, in plain Python (no scipy).

- `wilson`: 95% score interval for a proportion (good at small n and near 0 or 1).
- `mcnemar_exact`: two-sided exact McNemar test on the discordant pairs of a paired design.
- `auroc` / `delong`: the area under the ROC curve (the probability that a violating case
  scores above a complying one, ties half) with DeLong's variance, its 95% interval and
  DeLong's paired test for two correlated ROC curves (same cases, two revisions).
- `matched_cut`: the threshold at which at most a given share of complying cases is
  flagged, so two revisions are compared at the same false-flag rate.
- `min_detectable_drop`: the power statement — the smallest drop in detection that the
  exact McNemar test would see with 80% probability.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

Z95 = 1.959964


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """95% Wilson score interval for a proportion; None when there are no trials."""
    if n == 0:
        return None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for b and c discordant pairs (a binomial test at 1/2)."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


# ---- ROC ------------------------------------------------------------------------------

def _placements(pos: list[float], neg: list[float]) -> tuple[list[float], list[float]]:
    """DeLong's structural components: for each violating case, the share of complying
    cases it outscores (V10); for each complying case, the share of violating cases that
    outscore it (V01). Ties count half. O((m + n) log(m + n)) through sorting."""
    s_pos, s_neg = sorted(pos), sorted(neg)
    v10 = [(bisect_left(s_neg, x) + 0.5 * (bisect_right(s_neg, x) - bisect_left(s_neg, x))) / len(neg)
           for x in pos]
    v01 = [(len(pos) - bisect_right(s_pos, y) + 0.5 * (bisect_right(s_pos, y) - bisect_left(s_pos, y))) / len(pos)
           for y in neg]
    return v10, v01


def auroc(pos: list[float], neg: list[float]) -> float | None:
    """P(a violating case scores above a complying one), ties counting half (Mann-Whitney)."""
    if not pos or not neg:
        return None
    v10, _ = _placements(pos, neg)
    return sum(v10) / len(v10)


def _cov(a: list[float], b: list[float]) -> float:
    if len(a) < 2:
        return 0.0
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / (len(a) - 1)


@dataclass(frozen=True)
class Auc:
    value: float
    low: float
    high: float
    n_pos: int
    n_neg: int

    @property
    def n(self) -> int:
        return self.n_pos + self.n_neg

    def as_dict(self) -> dict:
        return {"auroc": self.value, "ci": [self.low, self.high], "violating": self.n_pos, "complying": self.n_neg}


def delong(pos: list[float], neg: list[float]) -> Auc | None:
    """AUROC with a 95% interval from DeLong's variance, clipped to [0, 1]. None without
    cases of both kinds. (At perfect separation the variance is 0 and the interval
    collapses to a point; callers require a minimum number of cases for that reason.)"""
    if not pos or not neg:
        return None
    v10, v01 = _placements(pos, neg)
    value = sum(v10) / len(v10)
    var = _cov(v10, v10) / len(pos) + _cov(v01, v01) / len(neg)
    half = Z95 * math.sqrt(max(var, 0.0))
    return Auc(value, max(0.0, value - half), min(1.0, value + half), len(pos), len(neg))


@dataclass(frozen=True)
class PairedAuc:
    base: Auc
    head: Auc
    difference: float   # head - base
    z: float
    p_value: float


def delong_paired(pos_base: list[float], neg_base: list[float],
                  pos_head: list[float], neg_head: list[float]) -> PairedAuc | None:
    """DeLong, DeLong & Clarke-Pearson (1988): the test of head AUROC = base AUROC when both
    were measured on the same cases (lists aligned case by case)."""
    base, head = delong(pos_base, neg_base), delong(pos_head, neg_head)
    if base is None or head is None:
        return None
    b10, b01 = _placements(pos_base, neg_base)
    h10, h01 = _placements(pos_head, neg_head)
    m, n = len(pos_base), len(neg_base)
    var = ((_cov(b10, b10) + _cov(h10, h10) - 2 * _cov(b10, h10)) / m
           + (_cov(b01, b01) + _cov(h01, h01) - 2 * _cov(b01, h01)) / n)
    diff = head.value - base.value
    if var <= 1e-15:
        z, p = (0.0, 1.0) if abs(diff) < 1e-12 else (math.copysign(math.inf, diff), 0.0)
    else:
        z = diff / math.sqrt(var)
        p = normal_two_sided_p(z)
    return PairedAuc(base, head, diff, z, p)


# ---- operating points -------------------------------------------------------------------

def matched_cut(complying: list[float], rate: float) -> float:
    """The threshold that flags at most `rate` of the complying scores (flag: score > cut).

    With n complying cases at most floor(rate * n) may be flagged: the cut is the next
    score down, so ties at the cut are not flagged and the rate is never exceeded."""
    if not complying:
        return math.inf
    ranked = sorted(complying, reverse=True)
    allowed = math.floor(rate * len(ranked) + 1e-9)
    if allowed >= len(ranked):
        return -math.inf
    return ranked[allowed]


def youden_cut(pos: list[float], neg: list[float]) -> float | None:
    """The threshold (flag: score >= t) maximising sensitivity + specificity - 1; ties go
    to the cut nearer the middle of the widest best interval. Midpoints between scores."""
    if not pos or not neg:
        return None
    scores = sorted(set(pos + neg))
    cuts = [scores[0]] + [(a + b) / 2 for a, b in zip(scores, scores[1:])] + [math.nextafter(scores[-1], math.inf)]
    s_pos, s_neg = sorted(pos), sorted(neg)

    def j(t: float) -> float:
        sens = (len(s_pos) - bisect_left(s_pos, t)) / len(s_pos)
        spec = bisect_left(s_neg, t) / len(s_neg)
        return sens + spec - 1

    best = max(j(t) for t in cuts)
    good = [t for t in cuts if j(t) >= best - 1e-12]
    return good[len(good) // 2]


# ---- power --------------------------------------------------------------------------------

def _binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1))


def min_discordant(alpha: float) -> int:
    """The fewest one-sided discordant pairs (b regressions, no fixes) that the exact
    McNemar test calls significant: 6 at alpha = 0.05 (p = 2 / 2**6 = 0.031)."""
    b = 1
    while mcnemar_exact(b, 0) >= alpha:
        b += 1
    return b


def min_detectable_drop(n: int, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """The smallest drop d in detection (the share of n violating cases that stop being
    flagged) that the exact McNemar test at `alpha` detects with probability `power`.

    Best case for the test: the drop causes no offsetting fixes, so the discordant count
    is Binomial(n, d) and the test fires when it reaches `min_discordant(alpha)`. Real
    edits also cause fixes, so a real detectable drop is at least this large. None when
    even losing every case could not be significant (n below that count)."""
    k = min_discordant(alpha)
    if n < k:
        return None
    lo, hi = 0.0, 1.0
    for _ in range(60):  # bisection: the tail probability grows with d
        mid = (lo + hi) / 2
        if _binom_sf(k, n, mid) >= power:
            hi = mid
        else:
            lo = mid
    return hi
