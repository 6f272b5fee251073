"""A hostile or broken OpenAI-compatible server (a real one on 127.0.0.1 that answers as
each test says): huge, dripped, NaN and malformed answers are clear errors (exit 2 from the
CLI), never a hang, a crash or a silent label."""

import json
import time

import pytest

pytest.importorskip("transformers")

from loopback import Recorder  # noqa: E402
from tiny_model import make_tiny_model  # noqa: E402

from constc.label import LabelError  # noqa: E402
from constc.label.openai_backend import OpenAILabeler  # noqa: E402

MODELS = json.dumps({"data": [{"id": "m", "root": "m", "max_model_len": 512}]}).encode()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def server(completions):
    """Serves the model card, no /tokenize, and `completions(body) -> (status, headers, bytes)`."""
    def answer(method, path, headers, body):
        if path.endswith("/models"):
            return 200, {"Content-Type": "application/json"}, MODELS
        if path.endswith("/completions"):
            return completions(body)
        return 404, {}, b"{}"
    return Recorder(answer)


def test_nan_in_an_answer_is_refused(tiny):
    def nan(body):
        return 200, {}, b'{"choices": [{"index": 0, "logprobs": {"top_logprobs": [{"token_id:1": NaN}]}}]}'

    with server(nan) as s, pytest.raises(LabelError, match="NaN, which is no number"):
        OpenAILabeler(s.url + "/v1", "m", str(tiny), retries=0)


def test_a_huge_answer_is_refused_without_being_held(tiny):
    def huge(body):
        return 200, {}, b'{"choices": "' + b"x" * (65 << 20) + b'"}'

    with server(huge) as s, pytest.raises(LabelError, match="larger than 64 MiB"):
        OpenAILabeler(s.url + "/v1", "m", str(tiny), retries=0)


def test_a_dripped_answer_meets_the_deadline(tiny):
    import socket
    import threading

    # a raw socket server: headers at once, then one byte every 0.2 s for 60 s
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            request = conn.recv(65536)
            if b"/models" in request.split(b"\r\n", 1)[0]:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(MODELS) + MODELS)
                conn.close()
                continue
            if b"/tokenize" in request.split(b"\r\n", 1)[0]:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}")
                conn.close()
                continue
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(300):
                if stop.is_set():
                    break
                try:
                    conn.sendall(b" ")
                except OSError:
                    break
                time.sleep(0.2)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    start = time.monotonic()
    try:
        with pytest.raises(LabelError, match="not complete after 2 s"):
            OpenAILabeler(f"http://127.0.0.1:{port}/v1", "m", str(tiny), retries=0, timeout=2.0)
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - start < 15


@pytest.mark.parametrize("choices", ['"nope"', '[1, 2]', '[{"index": "x", "logprobs": null}]'])
def test_malformed_answers_are_clear_errors(tiny, choices):
    def malformed(body):
        return 200, {}, ('{"choices": %s}' % choices).encode()

    with server(malformed) as s:
        try:
            lab = OpenAILabeler(s.url + "/v1", "m", str(tiny), retries=0)
        except LabelError as err:  # refused at the probe: fine, as long as it says why
            assert "choices" in str(err) or "unexpected shape" in str(err) or "answered" in str(err)
            return
        with pytest.raises(LabelError, match="unexpected shape|answered"):
            lab._parsed(lambda: [float(x) for x in json.loads(choices)])


def test_an_out_of_range_log_probability_is_refused(tiny):
    from constc.label.openai_backend import ServerError

    lab = OpenAILabeler.__new__(OpenAILabeler)
    lab.base, lab.key = "http://127.0.0.1:1/v1", None
    with pytest.raises(ServerError, match="not a finite number"):
        lab._parsed(lambda: {1: float("inf")})
    with pytest.raises(ServerError, match="not a finite number"):
        lab._parsed(lambda: [0.5])
    assert lab._parsed(lambda: {1: -0.1, 2: -3.0}) == {1: -0.1, 2: -3.0}


def test_rate_limits_are_waited_out_as_the_server_asks(tiny):
    from constc.label.openai_backend import backoff, retry_after

    seen = []

    def limited(method, path, headers, body):
        seen.append(time.monotonic())
        if path.endswith("/models") and len(seen) < 3:  # two refusals, then the card
            return 429, {"Retry-After": "1"}, b'{"error": "slow down"}'
        if path.endswith("/models"):
            return 200, {"Content-Type": "application/json"}, MODELS
        return 404, {}, b"{}"

    with Recorder(limited) as s:
        lab = OpenAILabeler(s.url + "/v1", "m", str(tiny), retries=3)
    assert lab.name == "m"
    gaps = [b - a for a, b in zip(seen, seen[1:3])]
    assert len(seen) >= 3 and all(g >= 0.95 for g in gaps), gaps  # Retry-After: 1 was honoured
    assert retry_after("2.5") == 2.5 and retry_after("soon") is None and retry_after(None) is None
    assert 0 <= retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0.001  # a date in the past: now
    pauses = {round(backoff(2, None), 6) for _ in range(20)}
    assert len(pauses) > 1 and all(0 <= p <= 2.0 for p in pauses)  # jittered, within 0.5 * 2**2
    assert backoff(0, 500.0) == 60.0  # a server asking for longer is capped


def judge_server(seed: int):
    """A loopback server that answers completions with log-probabilities of its own (a
    deterministic function of the prompt and `seed`): two seeds are two different models
    served under one name."""
    def answer(method, path, headers, body):
        if path.endswith("/models"):
            return 200, {"Content-Type": "application/json"}, MODELS
        if not path.endswith("/completions"):
            return 404, {}, b"{}"
        request = json.loads(body)
        kids = request.get("logprob_token_ids") or []
        choices = [{"index": i, "logprobs": {"top_logprobs": [
            {f"token_id:{k}": -0.05 - ((sum(ids) * seed + k) % 13) / 5 for k in kids}]}}
            for i, ids in enumerate(request["prompt"])]
        return 200, {"Content-Type": "application/json"}, json.dumps({"choices": choices}).encode()
    return Recorder(answer)


def test_a_different_server_under_the_same_model_name_is_caught(tiny, tmp_path):
    """The label cache knows a served model by its name; the canary, scored on every run
    with a served judge, cached rows or not, catches another model behind the name."""
    import shutil

    from conftest import ROOT, run_constc

    project = tmp_path / "sample"
    project.mkdir()
    for name in ("constitutions", "locales", "evalcases"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "constc.toml", project / "constc.toml")
    env = {"CONSTC_CACHE_DIR": str(tmp_path / "cache")}
    args = ["label", "--backend", "openai", "--model", "m", "--tokenizer", str(tiny), "--limit", "4", "--locale", "en",
            "-q", "-o", "out.jsonl"]
    with judge_server(1) as first:
        r = run_constc(*args, "--base-url", first.url + "/v1", cwd=project, env=env)
        assert r.returncode == 0, r.stderr
        again = run_constc(*args, "--base-url", first.url + "/v1", cwd=project, env=env)
        assert again.returncode == 0 and " 0 prompt(s) scored" in again.stderr, again.stderr
    with judge_server(2) as second:  # same name, other weights; every row is in the cache
        r = run_constc(*args, "--base-url", second.url + "/v1", cwd=project, env=env)
    assert r.returncode == 2 and "the model behind m changed" in r.stderr, r.stderr
