"""Size and power of regress's verdicts, by simulation with synthetic judges of known quality
(tests/synthetic_judges.py) through constc's own `measure` and `gate`.

Under no change the share of edits called a regression must not be shown to exceed alpha
(its Monte-Carlo 95% interval must reach down to alpha or below), per principle and
family-wise for 20 principles; the rule used before (McNemar on flips at two estimated
thresholds) fails the same check. Seeded: the numbers are the same on every run.
benchmarks/bench_verdicts.py prints the full table (docs/regress.md quotes it).
"""

import random

import pytest

from synthetic_judges import Setting, edit, matched_mcnemar_rule, rate, verdicts

from constc.config import RegressSection
from constc.regress.power import power
from constc.stats import wilson

ALPHA = 0.05


def not_above_alpha(hits: int, reps: int) -> bool:
    return wilson(hits, reps)[0] <= ALPHA


@pytest.mark.parametrize("setting", [
    Setting(15, 15), Setting(50, 50), Setting(30, 10), Setting(10, 40), Setting(15, 15, saturate=True),
    Setting(15, 15, variants=6), Setting(12, 12, auroc=0.95, rho=0.95), Setting(15, 15, auroc=0.6, rho=0.5),
], ids=lambda s: s.name + (f", AUROC {s.auroc}, rho {s.rho}" if (s.auroc, s.rho) != (0.8, 0.8) else ""))
def test_no_change_is_called_a_regression_at_most_alpha(setting):
    hits, reps = rate(setting, 300, seed=hash(setting.name) % 1000)
    assert not_above_alpha(hits, reps), f"{hits}/{reps} no-change edits called a regression"


def test_fourteen_cases():
    # 7 + 7 parents: testable once the matched false-flag rate allows 7 complying (1/0.15)
    cfg = RegressSection(false_flag_rate=0.15)
    rng = random.Random(14)
    hits = sum(verdicts({"P-01": edit(Setting(7, 7), rng)}, cfg)["P-01"] == "regression" for _ in range(300))
    assert not_above_alpha(hits, 300), hits


def test_twenty_untouched_principles_fail_the_gate_at_most_alpha():
    hits, reps = rate(Setting(15, 15), 120, seed=20, principles=20)
    assert not_above_alpha(hits, reps), f"{hits}/{reps} edits of 20 unchanged principles failed the gate"


def test_the_rule_before_fails_this_suite():
    # scarce complying cases and variants counted as independent cases: the thresholds'
    # sampling noise and the variants' correlation read as evidence
    for setting in (Setting(30, 10), Setting(15, 15, variants=6)):
        rng = random.Random(7)
        hits = sum(matched_mcnemar_rule(edit(setting, rng)) for _ in range(300))
        assert not not_above_alpha(hits, 300), (setting.name, hits)


@pytest.mark.parametrize("setting", [Setting(15, 15, drop=0.15), Setting(50, 50, drop=0.1)], ids=lambda s: s.name)
def test_power_is_not_below_the_rule_before(setting):
    rng = random.Random(3)
    old = new = 0
    for _ in range(200):
        outs = edit(setting, rng)
        old += matched_mcnemar_rule(outs)
        new += verdicts({"P-01": outs})["P-01"] == "regression"
    assert new >= old, (new, old)


def test_the_stated_80_percent_power_drop_is_seen_80_percent_of_the_time():
    stated = power(20, 20, 0.8, 0.8, ALPHA)
    assert stated.drop_80 is not None
    hits, reps = rate(Setting(20, 20, drop=stated.drop_80), 300, seed=80)
    low, high = wilson(hits, reps)
    assert low <= 0.8 + 0.03 and high >= 0.8 - 0.03, f"{hits}/{reps} at the stated drop {stated.drop_80:.3f}"


def test_thousands_of_violating_cases_do_not_overflow():
    rng = random.Random(5)
    outs = edit(Setting(1100, 20, drop=0.0), rng)
    assert verdicts({"P-01": outs})["P-01"] in ("no regression", "inconclusive", "regression")
