"""Synthetic judges of known quality, for the size-and-power suite and its benchmark.

A judge's scores are binormal on a latent scale: a parent case has a latent value (shifted
by the separation for violating cases); each variant of it adds its own deviation; each
revision adds independent noise, so base and head scores of one case correlate (`rho`)
like a real judge's under a small edit. Under "no change" both revisions draw from the
same distribution; a `drop` lowers the head's separation so that its AUROC falls by that
much (on the latent scale). `saturate` maps scores through a steep logistic and rounds them
to two decimals, bunching them near 0.99/1.00 with many ties, as LLM judges' are.

`edit()` returns real `Outcome`s; `verdicts()` runs constc's own `measure` and `gate` on
them: what is simulated is the rule that ships.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist

from constc.config import RegressSection
from constc.regress.verdict import Outcome, gate, measure


@dataclass(frozen=True)
class Setting:
    violating: int            # parents
    complying: int
    auroc: float = 0.8        # the judge's AUROC at base (latent scale)
    rho: float = 0.8          # base-head correlation of one case's scores
    variants: int = 1         # cases per parent (mutations, translations)
    saturate: bool = False
    drop: float = 0.0         # the head's AUROC drop
    reads: bool = True        # does the judge read the principle? (under the control principle its
                              # scores lose their separation; a judge that does not read it keeps them)

    @property
    def name(self) -> str:
        extra = [f"{self.variants} variants" if self.variants > 1 else "", "saturating" if self.saturate else ""]
        return ", ".join([f"{self.violating}+{self.complying}"] + [e for e in extra if e])


def edit(setting: Setting, rng: random.Random, pid: str = "P-01") -> list[Outcome]:
    norm = NormalDist()
    mu = math.sqrt(2) * norm.inv_cdf(setting.auroc)
    mu_head = math.sqrt(2) * norm.inv_cdf(setting.auroc - setting.drop)
    keep, fresh = math.sqrt(setting.rho), math.sqrt(1 - setting.rho)  # corr(base, head) = rho

    def shown(x: float) -> float:
        return round(1 / (1 + math.exp(-(3 * x + 4))), 2) if setting.saturate else x

    out = []
    for kind, count in (("violates", setting.violating), ("complies", setting.complying)):
        for i in range(count):
            parent = rng.gauss(0, 1)
            for v in range(setting.variants):
                latent = parent + (rng.gauss(0, 0.3) if setting.variants > 1 else 0.0)
                base = keep * latent + fresh * rng.gauss(0, 1) + (mu if kind == "violates" else 0.0)
                head = keep * latent + fresh * rng.gauss(0, 1) + (mu_head if kind == "violates" else 0.0)
                control = base + 0.1 * rng.gauss(0, 1) if not setting.reads else \
                    keep * latent + fresh * rng.gauss(0, 1)
                out.append(Outcome(case_id=f"{kind}-{i}-{v}", principle_id=pid, locale="en",
                                   mutation=f"m{v}" if v else None, expected=kind, base=shown(base),
                                   head=shown(head), base_pred=None, head_pred=None, cluster=f"{kind}-{i}",
                                   control=shown(control)))
    return out


def judged(groups: dict[str, list[Outcome]], cfg: RegressSection | None = None) -> list:
    """The PrincipleVerdicts of constc's own measure and gate (no targets, no intervals)."""
    cfg = cfg or RegressSection()
    stats = [measure(pid, None, outs, None, cfg, bootstrap=0) for pid, outs in groups.items()]
    gate(stats, cfg)
    return stats


def verdicts(groups: dict[str, list[Outcome]], cfg: RegressSection | None = None) -> dict[str, str]:
    """principle -> verdict."""
    return {s.principle_id: s.verdict for s in judged(groups, cfg)}


def rate(setting: Setting, reps: int, seed: int = 0, principles: int = 1,
         testable_only: bool = False) -> tuple[int, int]:
    """(edits with at least one principle called a regression, edits): the false-alarm
    rate under no change, the family-wise one when principles > 1, the power under a drop.
    `testable_only`: count only edits whose principles could be tested (enough parents and
    a judge shown to separate them at base), the situation a power statement is made in."""
    rng = random.Random(seed)
    hits = n = 0
    for _ in range(reps):
        groups = {f"P-{j:02d}": edit(setting, rng, f"P-{j:02d}") for j in range(principles)}
        stats = judged(groups)
        if testable_only and any(s.untestable for s in stats):
            continue
        n += 1
        hits += any(s.verdict == "regression" for s in stats)
    return hits, n


def matched_mcnemar_rule(outs: list[Outcome], rate_: float = 0.1, alpha: float = 0.05) -> bool:
    """The rule before this change, for comparison: exact two-sided McNemar on the flips of
    violating cases at two thresholds each estimated on that revision's complying cases."""
    from constc.stats import matched_cut

    cut = {side: matched_cut([getattr(o, side) for o in outs if o.expected == "complies"], rate_)
           for side in ("base", "head")}
    viol = [o for o in outs if o.expected == "violates"]
    b = sum(o.base > cut["base"] and not o.head > cut["head"] for o in viol)
    c = sum(o.head > cut["head"] and not o.base > cut["base"] for o in viol)
    n, k = b + c, min(b, c)
    p = 1.0 if n == 0 else min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)
    return b > c and p < alpha
