"""Size and power of regress's verdicts, simulated with synthetic judges of known quality
(tests/synthetic_judges.py), side by side with the rule used before (exact McNemar on the
flips of violating cases at two thresholds each estimated on that revision's complying
cases). Both rules see the very same simulated edits.

    python benchmarks/bench_verdicts.py [--reps 1000]

Prints, per setting, the share of edits called a regression with its 95% Wilson interval:
under no change (size; alpha = 0.05) and under stated AUROC drops (power); then the
family-wise rate for 20 untouched principles, the stated 80%-power drop against the
simulated rate at that drop, and the coverage of the AUROC interval at small n against
the interval used before. docs/regress.md quotes the tables.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from synthetic_judges import Setting, edit, matched_mcnemar_rule, rate, verdicts  # noqa: E402

from constc.config import RegressSection  # noqa: E402
from constc.regress.power import power  # noqa: E402
from constc.stats import delong, wilson  # noqa: E402


def wald(pos: list[float], neg: list[float]) -> tuple[float, float]:
    """The interval used before: DeLong's variance, value +- 1.96 se, clipped to [0, 1]."""
    from constc.stats import _placements

    v10, v01 = _placements(pos, neg)
    value = sum(v10) / len(v10)

    def var(xs: list[float]) -> float:
        mean = sum(xs) / len(xs)
        return sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)

    half = 1.959964 * (var(v10) / len(v10) + var(v01) / len(v01)) ** 0.5
    return max(0.0, value - half), min(1.0, value + half)


def show(hits: int, reps: int) -> str:
    low, high = wilson(hits, reps)
    return f"{hits / reps:6.1%} ({low:.1%}–{high:.1%})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1000)
    args = ap.parse_args()
    reps = args.reps
    settings = [Setting(7, 7), Setting(15, 15), Setting(50, 50), Setting(30, 10), Setting(10, 40),
                Setting(15, 15, saturate=True), Setting(15, 15, variants=6), Setting(50, 50, variants=6),
                Setting(12, 12, auroc=0.95, rho=0.95), Setting(15, 15, auroc=0.6, rho=0.5)]
    drops = [0.1, 0.2, 0.3]
    print(f"alpha = 0.05; {reps} simulated edits per cell; judge AUROC 0.8 and base-head correlation 0.8 "
          "unless stated; n = violating + complying parent cases")
    print(f"{'setting':<34} {'change':<10} {'before (McNemar at 2 cuts)':<28} {'now (paired AUROC by parent)':<28}")
    start = time.time()
    for s in settings:
        label = s.name + ("" if (s.auroc, s.rho) == (0.8, 0.8) else f", AUROC {s.auroc}, corr {s.rho}")
        cfg = RegressSection(false_flag_rate=0.15) if s.complying < 10 else RegressSection()
        for drop in [0.0, *drops]:
            if drop >= s.auroc - 0.5 + 1e-9:
                continue
            setting = Setting(s.violating, s.complying, s.auroc, s.rho, s.variants, s.saturate, drop)
            rng = random.Random(1)
            old = new = 0
            for _ in range(reps):
                outs = edit(setting, rng)
                old += matched_mcnemar_rule(outs, 0.15 if s.complying < 10 else 0.1)
                new += verdicts({"P-01": outs}, cfg)["P-01"] == "regression"
            print(f"{label:<34} {'none' if drop == 0 else f'−{drop:.1f} AUROC':<10} {show(old, reps):<28} "
                  f"{show(new, reps):<28}", flush=True)
    for n in (15, 50):
        k_reps = max(100, reps // 5)
        rng = random.Random(2)
        old = 0
        for _ in range(k_reps):
            old += any(matched_mcnemar_rule(edit(Setting(n, n), rng)) for _ in range(20))
        hits, _ = rate(Setting(n, n), k_reps, seed=2, principles=20)
        print(f"{f'20 untouched principles, {n}+{n}':<34} {'none':<10} {show(old, k_reps):<28} {show(hits, k_reps):<28}")
    print("\nthe power line, stated vs simulated among edits that could be tested (AUROC 0.8, correlation 0.8, "
          "alpha 0.05):")
    for n in (10, 20, 50):
        stated = power(n, n, 0.8, 0.8, 0.05)
        if stated.drop_80 is None:
            print(f"  {n}+{n}: {stated.sentence}")
            continue
        hits, r = rate(Setting(n, n, drop=stated.drop_80), reps, seed=3, testable_only=True)
        print(f"  {n}+{n}: stated 80% power for drops >= {stated.drop_80:.3f}; simulated at that drop: {show(hits, r)}; "
              f"a drop to chance: {stated.at_chance:.0%}")
    print("\nthe 95% AUROC interval (judge validity): coverage and zero-width intervals, score interval (now) vs "
          "DeLong's Wald interval (before)")
    for n in (3, 6, 7, 14):
        for auroc in (0.6, 0.8, 0.9, 0.97):
            rng = random.Random(n)
            now = before = zero = 0
            for _ in range(reps):
                outs = edit(Setting(n, n, auroc=auroc), rng)
                pos = [o.base for o in outs if o.expected == "violates"]
                neg = [o.base for o in outs if o.expected == "complies"]
                a = delong(pos, neg)
                now += a.low <= auroc <= a.high
                low, high = wald(pos, neg)
                before += low <= auroc <= high
                zero += high - low < 1e-9
            print(f"  {n}+{n}, AUROC {auroc}: now {show(now, reps)}; before {show(before, reps)}, zero width in "
                  f"{zero / reps:.0%}")
    print(f"\n({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
