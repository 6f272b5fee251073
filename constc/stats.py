"""Statistics for verdicts, in plain Python (no scipy). Every test here is one-sided where
the question is (did the head get worse?), and says so in its name.

- `wilson`: 95% score interval for a proportion (good at small n and near 0 or 1); with a
  design effect it is the Rao-Scott interval for clustered cases.
- `design_effect`, `binomial_sf`, `rate_worse_p`: a rate measured on clustered cases
  (variants of one parent) and the one-sided exact test of "worse than a target".
- `sign_flip_p`: the exact one-sided paired test on per-parent counts of cases that got
  worse minus cases that got better (exact McNemar when every parent has one case).
- `auroc` / `delong`: the area under the ROC curve (ties half) with a 95% score interval
  (Newcombe 2006) that never has zero width, widened by the clustering's design effect.
- `paired_auc_test`: the deciding test: head AUROC < base AUROC on the same cases, DeLong's
  paired variance generalised to clusters (Obuchowski 1997), referred to Student's t.
- `holm`: Holm's step-down adjustment across every test that can fail the gate.
- `matched_cut`, `youden_cut`: operating points.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Hashable, Sequence

Z95 = 1.959964


def wilson(successes: float, n: float, z: float = Z95, deff: float = 1.0) -> tuple[float, float] | None:
    """95% Wilson score interval for a proportion; None when there are no trials. With a
    design effect > 1 (clustered cases) the counts are divided by it first (Rao & Scott 1992)."""
    if n == 0:
        return None
    n_eff = n / max(deff, 1.0)
    p = successes / n
    denom = 1 + z * z / n_eff
    centre = (p + z * z / (2 * n_eff)) / denom
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


# ---- special functions (for exact tails without scipy) ---------------------------------

def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for a, b > 0."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    # in log space: the front factor under- or overflows at thousands of cases
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return tail if t < 0 else 1.0 - tail


def t_ppf(q: float, df: float) -> float:
    """The q-quantile of Student's t (bisection on `t_cdf`)."""
    lo, hi = -1e3, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def binomial_sf(k: float, n: float, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), through the incomplete beta function, so that
    non-integer (design-effect adjusted) counts work too."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0 if p < 1.0 else 1.0
    return betainc(k, n - k + 1.0, p)


# ---- clustered cases (variants of one parent) ------------------------------------------

def design_effect(values: Sequence[float], clusters: Sequence[Hashable]) -> float:
    """How much clustering inflates the variance of the mean of 0/1 `values` (>= 1): the
    between-cluster variance of the ratio estimator over the binomial one. 1 when every
    cluster holds one case."""
    n = len(values)
    sums: dict[Hashable, list[float]] = {}
    for v, c in zip(values, clusters):
        s = sums.setdefault(c, [0.0, 0.0])
        s[0] += v
        s[1] += 1
    k = len(sums)
    if n == 0 or k == n or k < 2:
        return 1.0
    p = sum(values) / n
    binomial = p * (1 - p) / n
    if binomial <= 0:
        return 1.0
    clustered = k / (k - 1) * sum((t - p * m) ** 2 for t, m in sums.values()) / (n * n)
    return max(1.0, clustered / binomial)


def rate_worse_p(k: int, n: int, target: float, op: str, deff: float = 1.0) -> float:
    """One-sided exact binomial p-value that the rate k/n is worse than `target` (above it
    for <= and <, below it for >= and >), on counts divided by the design effect."""
    if n == 0:
        return 1.0
    ke, ne = k / max(deff, 1.0), n / max(deff, 1.0)
    if op in ("<=", "<"):
        return binomial_sf(ke, ne, target)
    if op in (">=", ">"):
        return binomial_sf(ne - ke, ne, 1.0 - target)
    return min(1.0, 2 * min(binomial_sf(ke, ne, target), binomial_sf(ne - ke, ne, 1.0 - target)))


def sign_flip_p(differences: Sequence[int]) -> float:
    """One-sided exact p-value that the paired differences lean positive: P(S >= observed)
    where S flips the sign of each parent's difference at random. With differences of
    +1/-1 only (one case per parent) it is the exact one-sided McNemar test."""
    d = [abs(int(x)) for x in differences if x]
    observed = sum(int(x) for x in differences)
    if not d:
        return 1.0
    dist = {0: 1.0}  # the exact null distribution of S, one parent at a time
    for x in d:
        nxt: dict[int, float] = {}
        for s, p in dist.items():
            nxt[s + x] = nxt.get(s + x, 0.0) + p / 2
            nxt[s - x] = nxt.get(s - x, 0.0) + p / 2
        dist = nxt
    return min(1.0, sum(p for s, p in dist.items() if s >= observed))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (same order as given): reject where < alpha, and
    the family-wise error rate stays <= alpha for any dependence between the tests."""
    k = len(p_values)
    order = sorted(range(k), key=lambda i: p_values[i])
    out = [1.0] * k
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (k - rank) * p_values[i]))
        out[i] = running
    return out


# ---- ROC ------------------------------------------------------------------------------

def _placements(pos: Sequence[float], neg: Sequence[float]) -> tuple[list[float], list[float]]:
    """DeLong's structural components: for each violating case, the share of complying
    cases it outscores (V10); for each complying case, the share of violating cases that
    outscore it (V01). Ties count half. O((m + n) log(m + n)) through sorting."""
    s_pos, s_neg = sorted(pos), sorted(neg)
    v10 = [(bisect_left(s_neg, x) + 0.5 * (bisect_right(s_neg, x) - bisect_left(s_neg, x))) / len(neg)
           for x in pos]
    v01 = [(len(pos) - bisect_right(s_pos, y) + 0.5 * (bisect_right(s_pos, y) - bisect_left(s_pos, y))) / len(pos)
           for y in neg]
    return v10, v01


def auroc(pos: Sequence[float], neg: Sequence[float]) -> float | None:
    """P(a violating case scores above a complying one), ties counting half (Mann-Whitney)."""
    if not pos or not neg:
        return None
    v10, _ = _placements(pos, neg)
    return sum(v10) / len(v10)


def _clustered_variance(d10: Sequence[float], d01: Sequence[float], c10: Sequence[Hashable],
                        c01: Sequence[Hashable]) -> tuple[float, int]:
    """Obuchowski's (1997) variance of an AUROC (or of a difference of two, given the
    differences of the placements) when cases come in clusters; DeLong's when every
    cluster holds one case. Returns (variance, number of clusters)."""
    m, n = len(d10), len(d01)
    theta = sum(d10) / m
    x: dict[Hashable, float] = {}
    y: dict[Hashable, float] = {}
    for v, c in zip(d10, c10):
        x[c] = x.get(c, 0.0) + v - theta
    for v, c in zip(d01, c01):
        y[c] = y.get(c, 0.0) + v - theta
    i10, i01 = len(x), len(y)
    clusters = set(x) | set(y)
    s10 = i10 / (i10 - 1) * sum(v * v for v in x.values()) / m if i10 > 1 else 0.0
    s01 = i01 / (i01 - 1) * sum(v * v for v in y.values()) / n if i01 > 1 else 0.0
    both = set(x) & set(y)
    k = len(clusters)
    s11 = k / (k - 1) * sum(x[c] * y[c] for c in both) if both and k > 1 else 0.0
    return s10 / m + s01 / n + 2 * s11 / (m * n), k


def auc_interval(value: float, m: int, n: int, deff: float = 1.0, z: float = Z95) -> tuple[float, float]:
    """95% score interval for an AUROC (Newcombe 2006, from Hanley & McNeil's variance as a
    function of the true AUROC, N* = (m + n) / 2 - 1): it covers at 3 + 3 cases (simulated
    92.7-96.8% in docs/regress.md), never has zero width and stays inside [0, 1]. `deff` > 1
    widens it for clustered cases."""
    ns = (m + n) / 2 - 1

    def excess(t: float) -> float:  # > 0 outside the interval
        var = t * (1 - t) / (m * n) * (1 + (ns - 1) * ((1 - t) / (2 - t) + t / (1 + t)))
        return (t - value) ** 2 - z * z * deff * var

    def root(lo: float, hi: float, rising: bool) -> float:
        for _ in range(80):
            mid = (lo + hi) / 2
            if (excess(mid) > 0) == rising:
                hi = mid
            else:
                lo = mid
        return (lo + hi) / 2

    eps = 1e-12
    low = 0.0 if value <= eps or excess(eps) <= 0 else root(eps, value, False)
    high = 1.0 if value >= 1 - eps or excess(1 - eps) <= 0 else root(value, 1 - eps, True)
    return low, high


@dataclass(frozen=True)
class Auc:
    value: float
    low: float
    high: float
    n_pos: int    # violating parents (the unit of analysis: variants of one case count once)
    n_neg: int    # complying parents
    cases: int = 0  # every case scored, variants included

    @property
    def n(self) -> int:
        return self.n_pos + self.n_neg

    def as_dict(self) -> dict:
        return {"auroc": self.value, "ci": [self.low, self.high], "violating": self.n_pos, "complying": self.n_neg,
                "cases": self.cases}


def delong(pos: Sequence[float], neg: Sequence[float], pos_clusters: Sequence[Hashable] | None = None,
           neg_clusters: Sequence[Hashable] | None = None) -> Auc | None:
    """AUROC with its 95% score interval; None without cases of both kinds. With clusters
    (a parent per case), n counts parents and the interval is widened by the design effect
    (clustered over plain DeLong variance)."""
    if not pos or not neg:
        return None
    v10, v01 = _placements(pos, neg)
    value = sum(v10) / len(v10)
    m, n = len(pos), len(neg)
    pc = list(pos_clusters) if pos_clusters is not None else [("p", i) for i in range(m)]
    nc = list(neg_clusters) if neg_clusters is not None else [("n", i) for i in range(n)]
    deff = 1.0
    if pos_clusters is not None or neg_clusters is not None:
        plain, _ = _clustered_variance(v10, v01, [("p", i) for i in range(m)], [("n", i) for i in range(n)])
        clustered, _ = _clustered_variance(v10, v01, pc, nc)
        deff = clustered / plain if plain > 0 else 1.0
    low, high = auc_interval(value, m, n, max(1.0, deff))
    return Auc(value, low, high, len(set(pc)), len(set(nc)), m + n)


@dataclass(frozen=True)
class PairedAuc:
    base: Auc
    head: Auc
    difference: float   # head - base
    se: float           # its standard error (clustered DeLong)
    df: int             # Student's t degrees of freedom: parents - 2
    p_value: float      # one-sided: P(a difference this low | no change)

    def lower_bound(self, alpha: float) -> float:
        """The one-sided (1 - alpha) lower confidence bound of head - base."""
        return self.difference - (t_ppf(1 - alpha, self.df) * self.se if self.se > 0 else 0.0)


def paired_auc_test(pos_base: Sequence[float], neg_base: Sequence[float], pos_head: Sequence[float],
                    neg_head: Sequence[float], pos_clusters: Sequence[Hashable] | None = None,
                    neg_clusters: Sequence[Hashable] | None = None) -> PairedAuc | None:
    """The one-sided test that the head's AUROC is below the base's, on the same cases (lists
    aligned case by case): DeLong, DeLong & Clarke-Pearson's (1988) paired variance in
    Obuchowski's (1997) clustered form, referred to Student's t with (parents - 2) degrees
    of freedom. Its size was simulated at 3-100 parents of each kind, balanced and not,
    with saturating judges and six variants a parent (docs/regress.md); the t reference
    keeps it at or under alpha from 7 + 7 parents, where the normal one does not quite.

    Degenerate case: when every placement moved by the same amount (variance 0), the
    p-value is the exact sign test with every parent agreeing, 2 ** -parents."""
    base = delong(pos_base, neg_base, pos_clusters, neg_clusters)
    head = delong(pos_head, neg_head, pos_clusters, neg_clusters)
    if base is None or head is None:
        return None
    m, n = len(pos_base), len(neg_base)
    pc = list(pos_clusters) if pos_clusters is not None else [("p", i) for i in range(m)]
    nc = list(neg_clusters) if neg_clusters is not None else [("n", i) for i in range(n)]
    b10, b01 = _placements(pos_base, neg_base)
    h10, h01 = _placements(pos_head, neg_head)
    var, k = _clustered_variance([h - b for h, b in zip(h10, b10)], [h - b for h, b in zip(h01, b01)], pc, nc)
    diff = head.value - base.value
    df = max(1, k - 2)
    if var <= 1e-15:
        p = 1.0 if diff >= -1e-12 else 0.5 ** k
        return PairedAuc(base, head, diff, 0.0, df, p)
    se = math.sqrt(var)
    return PairedAuc(base, head, diff, se, df, t_cdf(diff / se, df))


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


