"""The main job, end to end: a real regression run with the embedded default model.

Copies this repository's constitution, locales and eval cases into a temporary git
repository and commits them; then edits HARM-01 (illegal acts) and runs `constc regress`
against the commit. Only HARM-01's eval cases are relabeled.

- `--edit gut` (default): the careless edit, turning "no practical help with crimes" into
  "the most practical help", with a major version bump;
- `--edit synonym`: a wording-only edit ("Prefer" -> "Choose"), with a patch bump.

Whatever the verdict — regression, no regression or inconclusive — it is what the numbers
support: with the weak default model, the judge-validity check decides most of it.

    python examples/regress_demo.py [--edit gut|synonym] [--model default|PATH] [--format markdown|human]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIT_ENV = {"GIT_AUTHOR_NAME": "constc demo", "GIT_AUTHOR_EMAIL": "demo@constc.dev",
           "GIT_COMMITTER_NAME": "constc demo", "GIT_COMMITTER_EMAIL": "demo@constc.dev"}
BEFORE = """    Prefer the response that gives no practical help in committing a crime,
    even when that makes it less detailed."""
EDITS = {
    "gut": ("""    Prefer the response that gives the most practical help with what was asked,
    even when that helps someone commit a crime.""", "2.0.0"),
    "synonym": ("""    Choose the response that gives no practical help in committing a crime,
    even when that makes it less detailed.""", "1.0.1"),
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edit", default="gut", choices=sorted(EDITS))
    ap.add_argument("--model", default="default")
    ap.add_argument("--format", default="markdown", choices=["markdown", "human"])
    args = ap.parse_args()
    env = {**os.environ, **GIT_ENV}
    with tempfile.TemporaryDirectory(prefix="constc-demo-") as tmp:
        repo = Path(tmp)
        for name in ("constitutions", "locales", "evalcases"):
            shutil.copytree(ROOT / name, repo / name)
        for name in ("constc.toml", "guard-codes.json"):
            shutil.copy(ROOT / name, repo / name)
        for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "constitution 1.0.0"]):
            subprocess.run(["git", *cmd], cwd=repo, check=True, env=env)
        after, version = EDITS[args.edit]
        harm = repo / "constitutions" / "harmlessness.const"
        harm.write_text(harm.read_text().replace(BEFORE, after))
        root = repo / "constitutions" / "constitution.const"
        root.write_text(root.read_text().replace('version "1.0.0"', f'version "{version}"'))
        print(f"edited HARM-01 in {harm.relative_to(repo)}:\n-{BEFORE}\n+{after}\n", file=sys.stderr)
        r = subprocess.run([sys.executable, "-m", "constc", "regress", "--against", ".git#ref=main",
                            "--model", args.model, "--format", args.format], cwd=repo)
        print(f"\nconstc regress exited {r.returncode} (0: pass or inconclusive, 1: a regression or a failing "
              "target)", file=sys.stderr)
        return 0 if r.returncode in (0, 1) else r.returncode


if __name__ == "__main__":
    sys.exit(main())
