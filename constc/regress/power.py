"""The power of the deciding test, by simulation (numpy, imported by `regress` only).

The power of `constc.stats.paired_auc_test` has no closed form at the case counts eval
suites have, so it is simulated for the situation at hand: the judge's measured AUROC at
base, the numbers of violating and complying parents, how closely the head's scores follow
the base's (their within-class rank correlation), and the level the test must reach after
Holm's adjustment (alpha / k for the first of k tests: what a lone real regression among k
tests must clear). Scores are binormal with equal variances (the usual ROC model; the test
uses ranks only, so the score scale does not matter). The head's separation is lowered to
give an AUROC drop of d; the power at d is the share of simulated edits the test calls.

Two numbers come out, both cached per situation:
- the smallest drop with 80% power, to 0.005 by bisection ("80% power for drops >= X");
- the power for a drop to chance (the head's AUROC 0.5: what gutting a principle does to a
  judge that read it), which decides whether "no regression" may be said at all.

Parents are simulated one case each: variants add information the simulation leaves out,
so the stated power is, if anything, low.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

from constc.stats import t_ppf

POWER = 0.8
REPS = 1000   # Monte-Carlo standard error of a power near 80%: 1.3 points


@dataclass(frozen=True)
class Power:
    drop_80: float | None      # smallest AUROC drop with 80% power; None: not even a drop to chance
    at_chance: float           # power for a drop to AUROC 0.5
    auroc: float               # the base AUROC simulated at (clipped to 0.55-0.99)
    alpha: float               # the level the test had to reach
    reps: int

    @property
    def sentence(self) -> str:
        if self.drop_80 is None:
            return (f"under 80% power for any AUROC drop: {self.at_chance:.0%} even for a drop to chance "
                    f"({self.auroc:.2f} → 0.50), simulated at α = {self.alpha:.3g}")
        return (f"80% power for AUROC drops ≥ {self.drop_80:.2f}; {self.at_chance:.0%} for a drop to chance "
                f"({self.auroc:.2f} → 0.50), simulated at α = {self.alpha:.3g}")

    def as_dict(self) -> dict:
        return {"drop_80": self.drop_80, "at_chance": self.at_chance, "auroc": self.auroc, "alpha": self.alpha,
                "reps": self.reps, "text": self.sentence}


def _placements(pos, neg):
    """Vectorised DeLong placements for continuous scores (no ties), one row per replicate."""
    import numpy as np

    m = pos.shape[1]
    both = np.concatenate([pos, neg], axis=1)
    rank = both.argsort(axis=1).argsort(axis=1)  # 0-based rank in the pooled sample
    rp, rn = rank[:, :m], rank[:, m:]
    in_pos = pos.argsort(axis=1).argsort(axis=1)
    in_neg = neg.argsort(axis=1).argsort(axis=1)
    n = neg.shape[1]
    v10 = (rp - in_pos) / n          # complying cases below each violating one
    v01 = 1.0 - (rn - in_neg) / m    # violating cases above each complying one
    return v10, v01


@lru_cache(maxsize=512)
def _simulate(m: int, n: int, auroc: float, rho: float, alpha: float, reps: int) -> Power:
    import numpy as np

    rng = np.random.default_rng(20261205)
    norm = NormalDist()
    mu = math.sqrt(2) * norm.inv_cdf(auroc)
    zp, zn = rng.standard_normal((reps, m)), rng.standard_normal((reps, n))
    wp, wn = rng.standard_normal((reps, m)), rng.standard_normal((reps, n))
    b10, b01 = _placements(zp + mu, zn)
    crit = t_ppf(alpha, max(1, m + n - 2))
    head_neg = rho * zn + math.sqrt(1 - rho * rho) * wn
    noise_pos = rho * zp + math.sqrt(1 - rho * rho) * wp

    def power(drop: float) -> float:
        mu_head = math.sqrt(2) * norm.inv_cdf(auroc - drop)
        h10, h01 = _placements(noise_pos + mu_head, head_neg)
        diff = h10.mean(axis=1) - b10.mean(axis=1)
        var = (h10 - b10).var(axis=1, ddof=1) / m + (h01 - b01).var(axis=1, ddof=1) / n
        z = np.where(var > 0, diff / np.sqrt(np.maximum(var, 1e-300)), 0.0)
        return float((z < crit).mean())

    # the same random draws at every drop, so power rises with the drop and bisection works
    to_chance = auroc - 0.5
    at_chance = power(to_chance)
    if at_chance < POWER:
        return Power(None, at_chance, auroc, alpha, reps)
    lo, hi = 0.0, to_chance
    while hi - lo > 0.005:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if power(mid) >= POWER else (mid, hi)
    return Power(hi, at_chance, auroc, alpha, reps)


def power(violating: int, complying: int, auroc: float, rho: float, alpha: float) -> Power | None:
    """The simulated power of the deciding test in this situation; None below 2 parents of
    a kind. The inputs are rounded (AUROC to 0.02, correlation to 0.1) so that nearby
    situations share one cached simulation."""
    if violating < 2 or complying < 2:
        return None
    a = min(0.99, max(0.55, round(auroc * 50) / 50))
    r = min(0.9, max(0.0, round(rho, 1)))
    # fewer replicates for very large suites: the cost is reps x cases x log(cases)
    reps = max(200, min(REPS, 400_000 // (violating + complying)))
    return _simulate(violating, complying, a, r, float(f"{alpha:.3g}"), reps)


def rank_correlation(pairs: list[tuple[float, float]]) -> float | None:
    """Spearman's correlation of (base, head) scores; None when either side is constant."""
    if len(pairs) < 3:
        return None

    def ranks(xs: list[float]) -> list[float]:
        order = sorted(range(len(xs)), key=lambda i: xs[i])
        out = [0.0] * len(xs)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2
            i = j + 1
        return out

    a, b = ranks([p[0] for p in pairs]), ranks([p[1] for p in pairs])
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    sa = math.sqrt(sum((x - ma) ** 2 for x in a))
    sb = math.sqrt(sum((y - mb) ** 2 for y in b))
    if sa == 0 or sb == 0:
        return None
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / (sa * sb)
