"""Incremental cost of `constc regress`, whole processes with the embedded default model:

1. full: label every judge pair of the sample constitution with an empty cache (what a
   regression that touches everything costs per revision);
2. one-principle edit: change HARM-01's statement and run `constc regress` against the
   commit, with the base labels from run 1 in the cache.
Prints the pairs each run scored and wall time, and compares the two ratios; and for
run 2, the share of its wall time spent before the first forward pass (process start,
imports, compiling both revisions, loading the model), measured from this process: the
child records the wall-clock time of its first forward pass.

    python benchmarks/bench_regress.py [--model default|PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
from regress_demo import BEFORE, EDITS, GIT_ENV  # noqa: E402

AFTER = EDITS["gut"][0]
# run constc with the engine's group scorer wrapped to write the time of its first call
FIRST_FORWARD = ("import sys, time; from constc.label import engine; f = engine.TransformersLabeler._score_group\n"
                 "def g(self, *a, _done=[], **k):\n"
                 "    if not _done: _done.append(1); open('first_forward', 'w').write(repr(time.time()))\n"
                 "    return f(self, *a, **k)\n"
                 "engine.TransformersLabeler._score_group = g\n"
                 "from constc.cli import main; sys.exit(main(sys.argv[1:]))")


def timed(cmd, cwd, env) -> tuple[float, str]:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(r.stderr)
    return time.perf_counter() - start, r.stdout + r.stderr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="default")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        for name in ("constitutions", "locales", "evalcases"):
            shutil.copytree(ROOT / name, repo / name)
        for name in ("constc.toml", "guard-codes.json"):
            shutil.copy(ROOT / name, repo / name)
        env = {**os.environ, **GIT_ENV, "CONSTC_CACHE_DIR": str(Path(tmp) / "cache")}
        models = Path.home() / ".cache" / "constc" / "models"  # reuse the converted default model
        if models.is_dir():
            shutil.copytree(models, Path(tmp) / "cache" / "models")
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
            subprocess.run(["git", *cmd], cwd=repo, check=True, env=env)
        constc = [sys.executable, "-m", "constc"]
        t_full, _ = timed([*constc, "label", "--model", args.model, "-q", "-o", "full.jsonl"], repo, env)
        full_pairs = sum(1 for _ in (repo / "full.jsonl").open())
        harm = repo / "constitutions" / "harmlessness.const"
        harm.write_text(harm.read_text().replace(BEFORE, AFTER))
        started = time.time()
        t_inc, out = timed([sys.executable, "-c", FIRST_FORWARD, "regress", "--against", "main", "--model",
                            args.model, "--format", "json", "-q", "-o", "report.json"], repo, env)
        before_first = float((repo / "first_forward").read_text()) - started
        report = json.loads((repo / "report.json").read_text())
        print(f"full labeling (cold cache)     {full_pairs:4d} pairs scored   {t_full:6.1f} s")
        print(f"regress after editing HARM-01  {report['labeled']:4d} pairs scored   {t_inc:6.1f} s   "
              f"({report['affected_pairs']} affected pairs at both revisions, "
              f"{report['affected_pairs'] - report['labeled']} from cache)")
        print(f"pairs ratio {report['labeled'] / full_pairs:.3f}; time ratio {t_inc / t_full:.3f} "
              "(the difference is the fixed cost: start-up, compiling both revisions, loading the model)")
        print(f"regress: {before_first:.2f} s of {t_inc:.2f} s before the first forward pass "
              f"({before_first / t_inc:.0%} of its wall time)")


if __name__ == "__main__":
    main()
