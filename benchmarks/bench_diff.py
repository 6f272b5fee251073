"""Whole-process timing of `constc diff` between two refs (the sample and a generated
1,000-principle constitution) and of `constc log` over generated histories of 50, 100 and
200 commits, to show log grows linearly.

    python benchmarks/bench_diff.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_check import ROOT, timed
from generate import generate

GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x", "GIT_CONFIG_GLOBAL": "/dev/null"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def repo_with_edit(dest: Path, make) -> Path:
    make(dest)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "base")
    git(dest, "tag", "base")
    const = sorted((dest / "constitutions").glob("*.const"))[-1]
    text = const.read_text()
    const.write_text(text.replace("even when", "even if", 1).replace("priority ", "priority 1", 1))
    git(dest, "commit", "-qam", "edit")
    git(dest, "tag", "head")
    return dest


def history(dest: Path, commits: int) -> Path:
    generate(dest, 100)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "c0")
    part = dest / "constitutions" / "part-000.const"
    for i in range(1, commits):
        text = part.read_text()
        target = f"harm number {i % 100}"  # edit a different principle each time; GEN-0000 every 100th
        part.write_text(text.replace(f"{target}.\"", f"{target} (edit {i}).\"", 1))
        git(dest, "commit", "-qam", f"c{i}")
    return dest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    constc = [sys.executable, "-m", "constc"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def sample(d: Path) -> None:
            shutil.copytree(ROOT / "constitutions", d / "constitutions")
            shutil.copytree(ROOT / "locales", d / "locales")
            shutil.copytree(ROOT / "evalcases", d / "evalcases")
            shutil.copy(ROOT / "constc.toml", d)

        for label, make in (("sample", sample), ("1000 principles x 4 locales", lambda d: generate(d, 1000))):
            repo = repo_with_edit(tmp / label.split()[0], make)
            cmd = [*constc, "diff", "--base", "base", "--head", "head"]
            cold = timed(cmd, repo, args.repeat)
            cache = str(tmp / "cache")
            subprocess.run(cmd, cwd=repo, capture_output=True, env={**os.environ, "CONSTC_CACHE_DIR": cache})
            warm = timed(cmd, repo, args.repeat, cache)
            print(f"diff {label:30s} cold {cold * 1000:6.0f} ms   warm {warm * 1000:6.0f} ms"
                  + ("   (target < 500 ms)" if label == "sample" else ""))
        rows = []
        for n in (50, 100, 200):
            repo = history(tmp / f"h{n}", n)
            t = timed([*constc, "log", "GEN-0000"], repo, 1)
            rows.append((n, t))
            print(f"log over {n:3d} commits              {t:7.2f} s   {t / n * 1000:5.1f} ms/commit")
        print(f"growth: 4x commits -> {rows[-1][1] / rows[0][1]:.2f}x time (linear = 4.00); target for 200: < 10 s")


if __name__ == "__main__":
    main()
