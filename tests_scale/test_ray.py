"""The ray backend on a real local cluster bound to the loopback interface."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_constc

HERE = Path(__file__).parent
LIMIT = ["--limit", "40", "--locale", "en"]


@pytest.fixture(autouse=True, scope="module")
def _ray_clean():
    yield
    subprocess.run([sys.executable, "-m", "ray.scripts.scripts", "stop", "--force"], capture_output=True)


def rows(path):
    return {(r["case_id"], r["principle_id"], r["locale"]): r for r in map(json.loads, path.read_text().splitlines())}


def test_ray_backend_equals_transformers(tiny, sample_copy, tmp_path):
    r = run_constc("label", "--backend", "ray", "--model", str(tiny), "--dtype", "float32", *LIMIT,
                   "-o", "ray.jsonl", "-q", cwd=sample_copy, env={"CONSTC_CACHE_DIR": str(tmp_path / "a")})
    assert r.returncode == 0, r.stderr
    r = run_constc("label", "--model", str(tiny), "--dtype", "float32", *LIMIT, "-o", "local.jsonl", "-q",
                   cwd=sample_copy, env={"CONSTC_CACHE_DIR": str(tmp_path / "b")})
    assert r.returncode == 0, r.stderr
    got, want = rows(sample_copy / "ray.jsonl"), rows(sample_copy / "local.jsonl")
    assert got.keys() == want.keys() and len(got) == 40
    for key in got:
        assert got[key]["p_violation"] == pytest.approx(want[key]["p_violation"], abs=1e-5)


def test_a_killed_driver_resumes_with_exactly_the_rest(tiny, sample_copy, tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "CONSTC_CACHE_DIR": str(cache)}
    args = ["label", "--backend", "ray", "--model", str(tiny), "--dtype", "float32", "--limit", "300", "-q"]
    job = subprocess.Popen([sys.executable, "-m", "constc", *args, "-o", "first.jsonl"], cwd=sample_copy, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    db = cache / "labels.sqlite"
    deadline, kept = time.time() + 300, 0
    while time.time() < deadline and job.poll() is None:
        if db.exists():
            with sqlite3.connect(db) as c:
                kept = c.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
            if kept >= 1:
                break
        time.sleep(0.1)
    assert job.poll() is None, "the job finished before it could be killed: " + job.stderr.read()
    os.killpg(job.pid, signal.SIGKILL)  # the driver and everything it started
    job.wait(timeout=60)
    with sqlite3.connect(db) as c:
        kept = c.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    assert 0 < kept
    subprocess.run([sys.executable, "-m", "ray.scripts.scripts", "stop", "--force"], capture_output=True)
    r = run_constc(*args, "-o", "resumed.jsonl", cwd=sample_copy, env={"CONSTC_CACHE_DIR": str(cache)})
    assert r.returncode == 0, r.stderr
    scored = int(r.stderr.split(" prompt(s) scored")[0].rsplit(": ", 1)[1])
    with sqlite3.connect(db) as c:
        total = c.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    assert scored == total - kept and scored > 0  # exactly the rest
    resumed = rows(sample_copy / "resumed.jsonl")
    assert len(resumed) == 300 and all(r["p_violation"] is not None for r in resumed.values())


def test_an_actor_that_dies_once_loses_nothing_and_duplicates_nothing(tiny, sample_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("CONSTC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    sys.path.insert(0, str(HERE))
    import ray

    from constc import api
    from constc.label.ray_backend import RayLabeler

    marker = tmp_path / "died-once"
    judge = RayLabeler("transformers", {"model": str(tiny), "dtype": "float32"}, factory="flaky:FlakyLabeler",
                       factory_kwargs={"marker": str(marker)})
    try:
        run = api.label(sample_copy, judge=judge, limit=40, locale="en")
    finally:
        ray.shutdown()
    assert marker.exists(), "the actor never died: the test tested nothing"
    keys = [(r["case_id"], r["principle_id"], r["locale"]) for r in run.rows]
    assert len(keys) == len(set(keys)) == 40 and all(r["p_violation"] is not None for r in run.rows)
    assert run.counts["cache_hits"] == 0 and run.counts["errors"] == 0


def test_ray_over_vllm_actors(tiny, sample_copy, tmp_path):
    r = run_constc("label", "--backend", "ray", "--ray-engine", "vllm", "--model", str(tiny), *LIMIT,
                   "-o", "ray.jsonl", "-q", cwd=sample_copy, env={"CONSTC_CACHE_DIR": str(tmp_path / "a")})
    assert r.returncode == 2 and "explicit --dtype" in r.stderr
    r = run_constc("label", "--backend", "ray", "--ray-engine", "vllm", "--dtype", "float32", "--model", str(tiny),
                   *LIMIT, "-o", "ray.jsonl", "-q", cwd=sample_copy, env={"CONSTC_CACHE_DIR": str(tmp_path / "a")})
    assert r.returncode == 0, r.stderr
    r = run_constc("label", "--model", str(tiny), "--dtype", "float32", *LIMIT, "-o", "local.jsonl", "-q",
                   cwd=sample_copy, env={"CONSTC_CACHE_DIR": str(tmp_path / "b")})
    got, want = rows(sample_copy / "ray.jsonl"), rows(sample_copy / "local.jsonl")
    assert got.keys() == want.keys() and all(r["engine"] == "vllm" for r in got.values())
    for key in got:
        assert got[key]["p_violation"] == pytest.approx(want[key]["p_violation"], abs=1e-5)
