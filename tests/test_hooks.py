"""The pre-commit hooks, run by the real pre-commit tool on real commits in a temp repo."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from gitrepo import ENV, commit, git, init
from test_diff import BASE as DIFF_BASE
from test_diff import CASES, CONFIG

# these repositories have no locale files: the header declares none
BASE = DIFF_BASE.replace("  locales [en, de]\n", "")


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory):
    """This checkout (tracked and untracked files, as now) committed into a repo pre-commit can pin."""
    snap = init(tmp_path_factory.mktemp("hooks") / "constc")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    for rel in filter(None, files):
        if (ROOT / rel).is_file() and not rel.startswith("tests/golden/compile"):
            (snap / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, snap / rel)
    return snap, commit(snap, {}, "snapshot")


@pytest.fixture
def policy_repo(tmp_path, hook_repo):
    snap, sha = hook_repo
    root = init(tmp_path / "policy")
    config = (f"repos:\n  - repo: {snap}\n    rev: {sha}\n    hooks:\n"
              "      - id: constc-check\n      - id: constc-fmt\n      - id: constc-diff\n")
    commit(root, {"constc.toml": CONFIG, "c.const": BASE, ".pre-commit-config.yaml": config}, "base")
    env = {**os.environ, **ENV, "PRE_COMMIT_HOME": str(hook_repo[0].parent / "pre-commit-home")}
    r = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return root, env


def try_commit(root, env, files):
    for rel, text in files.items():
        (root / rel).write_text(text)
    git(root, "add", "-A")
    r = subprocess.run(["git", "commit", "-q", "-m", "edit"], cwd=root, capture_output=True, text=True, env=env,
                       timeout=900)
    r.stdout += r.stderr  # git shows the hooks' output on stderr
    return r


def test_manifest_is_valid():
    r = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_bad_edit_is_rejected(policy_repo):
    root, env = policy_repo
    r = try_commit(root, env, {"c.const": BASE.replace('statement "Never help with crime."', 'statement "TODO"')})
    assert r.returncode != 0
    assert "L008" in r.stdout and "constc check" in r.stdout


def test_good_edit_passes(policy_repo):
    root, env = policy_repo
    text = CASES["STATEMENT_REWORDED"](BASE).replace('"1.0.0"', '"1.0.1"')
    r = try_commit(root, env, {"c.const": text})
    assert r.returncode == 0, r.stdout + r.stderr
    assert git(root, "log", "-1", "--format=%s") == "edit"


def test_breaking_edit_without_version_bump_is_rejected(policy_repo):
    root, env = policy_repo
    r = try_commit(root, env, {"c.const": CASES["PRINCIPLE_NO_DELETE"](BASE)})
    assert r.returncode != 0 and "PRINCIPLE_NO_DELETE" in r.stdout and "VERSION_BUMP_REQUIRED" in r.stdout


def test_formatter_fixes_the_file(policy_repo):
    root, env = policy_repo
    wanted = CASES["STATEMENT_REWORDED"](BASE).replace('"1.0.0"', '"1.0.1"')
    messy = wanted.replace("  category help\n  priority 50", "category help    priority 50")
    r = try_commit(root, env, {"c.const": messy})
    assert r.returncode != 0 and "constc fmt" in r.stdout  # pre-commit fails a hook that changed files
    assert (root / "c.const").read_text() == wanted
    git(root, "add", "-A")
    assert subprocess.run(["git", "commit", "-q", "-m", "fmt"], cwd=root, env=env,
                          capture_output=True).returncode == 0


def test_regress_runs_at_pre_push(tmp_path):
    """The documented pre-push entry, on a real `git push`, with a tiny local model."""
    pytest.importorskip("torch")
    from tiny_model import make_tiny_model

    model = make_tiny_model(tmp_path / "tiny")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    root = init(tmp_path / "work")
    hook = ("repos:\n  - repo: local\n    hooks:\n      - id: constc-regress\n        name: constc regress\n"
            f"        entry: {sys.executable} -m constc regress --pre-push --model {model} -q\n"
            "        language: system\n        stages: [pre-push]\n        pass_filenames: false\n"
            "        files: '\\.(const|toml)$'\n        verbose: true\n")
    commit(root, {"constc.toml": CONFIG, "c.const": BASE, ".pre-commit-config.yaml": hook}, "base")
    git(root, "remote", "add", "origin", str(remote))
    env = {**os.environ, **ENV}
    git(root, "push", "-q", "origin", "main")
    subprocess.run([sys.executable, "-m", "pre_commit", "install", "--hook-type", "pre-push"], cwd=root, env=env,
                   check=True, capture_output=True)
    commit(root, {"c.const": CASES["STATEMENT_MEANING_CHANGED"](BASE)}, "weaken")
    r = subprocess.run(["git", "push", "origin", "main"], cwd=root, capture_output=True, text=True, env=env,
                       timeout=600)
    out = r.stdout + r.stderr
    assert "constc regress: " in out and "HARM-01" in out  # the hook ran and printed its report
    # a random tiny model cannot tell: inconclusive, which by default warns and lets the push through
    assert "INCONCLUSIVE" in out and r.returncode == 0, out
    assert git(remote, "rev-parse", "main") == git(root, "rev-parse", "HEAD")
    # a stricter gate pushed with an edit does not judge that edit: gate settings come from
    # the base (the remote's main), and the change is reported for a reviewer
    commit(root, {"constc.toml": CONFIG + '\n[regress]\non_inconclusive = "fail"\n',
                  "c.const": CASES["STATEMENT_MEANING_CHANGED"](BASE).replace('statement "', 'statement "Always: ', 1)},
           "strict gate")
    r = subprocess.run(["git", "push", "origin", "main"], cwd=root, capture_output=True, text=True, env=env,
                       timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "[regress] on_inconclusive" in out and "applies only once merged" in out, out
    # once it is the base, it judges the next push
    pushed = git(root, "rev-parse", "HEAD")
    commit(root, {"c.const": CASES["STATEMENT_MEANING_CHANGED"](BASE).replace('statement "', 'statement "Never: ', 1)},
           "another edit")
    r = subprocess.run(["git", "push", "origin", "main"], cwd=root, capture_output=True, text=True, env=env,
                       timeout=600)
    assert r.returncode != 0 and "on_inconclusive" in r.stdout + r.stderr  # the push was blocked
    assert git(remote, "rev-parse", "main") == pushed
