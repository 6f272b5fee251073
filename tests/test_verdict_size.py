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


@pytest.mark.parametrize("n", [10, 20])
def test_the_stated_80_percent_power_drop_is_seen_80_percent_of_the_time(n):
    # among edits whose principle could be tested at all: where a power line is printed
    stated = power(n, n, 0.8, 0.8, ALPHA)
    assert stated.drop_80 is not None
    hits, reps = rate(Setting(n, n, drop=stated.drop_80), 300, seed=80, testable_only=True)
    low, high = wilson(hits, reps)
    assert high >= 0.8 and low <= 0.92, f"{hits}/{reps} at the stated drop {stated.drop_80:.3f}"


@pytest.mark.parametrize("n, auroc", [(3, 0.8), (6, 0.9), (7, 0.7), (12, 0.95)])
def test_the_auroc_interval_covers_at_small_n(n, auroc):
    from constc.stats import delong

    rng = random.Random(n)
    covered = zero_width = 0
    for _ in range(400):
        outs = edit(Setting(n, n, auroc=auroc), rng)
        a = delong([o.base for o in outs if o.expected == "violates"],
                   [o.base for o in outs if o.expected == "complies"])
        covered += a.low <= auroc <= a.high
        zero_width += a.high - a.low < 1e-9
    assert zero_width == 0 and wilson(covered, 400)[1] >= 0.95 - 0.02, covered


def test_thousands_of_violating_cases_do_not_overflow():
    rng = random.Random(5)
    outs = edit(Setting(1100, 20, drop=0.0), rng)
    assert verdicts({"P-01": outs})["P-01"] in ("no regression", "inconclusive", "regression")


@pytest.mark.parametrize("auroc", [0.55, 0.62, 0.8])
def test_a_gut_is_never_no_regression_without_the_power_to_see_it(auroc):
    """Issue 24's case: 66 violating and 68 complying cases, scores that follow the base's
    closely, and an edit that guts the principle (the judge's AUROC falls to chance)."""
    from synthetic_judges import judged

    rng = random.Random(int(auroc * 100))
    called = {"regression": 0, "no regression": 0, "inconclusive": 0}
    for _ in range(60):
        s = judged({"P-01": edit(Setting(66, 68, auroc=auroc, rho=0.9, drop=auroc - 0.5), rng)})[0]
        called[s.verdict] += 1
        if s.verdict == "no regression":
            assert s.power is not None and s.power.at_chance >= 0.8 and s.responds
    assert called["no regression"] <= 0.2 * 60 + 5, called


def test_a_judge_that_does_not_read_the_principle_cannot_say_no_regression():
    from synthetic_judges import judged

    rng = random.Random(26)
    for reads in (False, True):
        verdicts = []
        for _ in range(40):
            s = judged({"P-01": edit(Setting(30, 30, auroc=0.8, reads=reads), rng)})[0]
            verdicts.append(s.verdict)
            if not reads:
                assert s.responds is False
        if reads:
            assert verdicts.count("no regression") >= 30, verdicts
        else:
            assert "no regression" not in verdicts and "could not be shown to respond" in s.reason
