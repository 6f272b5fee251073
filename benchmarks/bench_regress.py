"""Incremental cost of `constc regress`, whole processes with the embedded default model:

1. full: label every judge pair of the sample constitution with an empty cache (what a
   regression that touches everything costs per revision);
2. one-principle edit: change HARM-01's statement and run `constc regress` against the
   commit, with the base labels from run 1 in the cache.
Prints the pairs each run scored and wall time, and compares the two ratios.

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
from regress_demo import AFTER, BEFORE, GIT_ENV  # noqa: E402


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
        t_inc, out = timed([*constc, "regress", "--against", "main", "--model", args.model, "--format", "json",
                            "-q", "-o", "report.json"], repo, env)
        report = json.loads((repo / "report.json").read_text())
        print(f"full labeling (cold cache)     {full_pairs:4d} pairs scored   {t_full:6.1f} s")
        print(f"regress after editing HARM-01  {report['labeled']:4d} pairs scored   {t_inc:6.1f} s   "
              f"({report['affected_pairs']} affected pairs at both revisions, "
              f"{report['affected_pairs'] - report['labeled']} from cache)")
        print(f"pairs ratio {report['labeled'] / full_pairs:.3f}; time ratio {t_inc / t_full:.3f} "
              "(the difference is the fixed cost: start-up, compiling both revisions, loading the model)")


if __name__ == "__main__":
    main()
