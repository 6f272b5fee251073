"""The Inspect AI and promptfoo exports, checked by the tools themselves: Inspect's own
dataset loader reads the samples, and promptfoo's own CLI (pinned in tests/promptfoo,
installed on first use) validates the config."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_constc

PROMPTFOO = Path(__file__).parent / "promptfoo"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from conftest import ROOT

    dest = tmp_path_factory.mktemp("exports") / "sample"
    dest.mkdir()
    for name in ("constitutions", "locales", "evalcases"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "constc.toml", dest / "constc.toml")
    for locale, out in ((None, "en"), ("de-DE", "de")):
        r = run_constc("compile", "-t", "inspect", "-t", "promptfoo", *(["--locale", locale] if locale else []),
                       "-o", out, cwd=dest)
        assert r.returncode == 0, r.stderr
    return dest


def test_inspect_loads_the_dataset_with_its_own_loader(exported):
    from inspect_ai import Task
    from inspect_ai.dataset import json_dataset
    from inspect_ai.model import ChatMessageAssistant, ChatMessageUser

    data = json_dataset(str(exported / "en/inspect/dataset.jsonl"))
    task = Task(dataset=data)  # what a user's @task returns: it must accept the dataset as it is
    assert len(task.dataset) == len(data) > 100
    s = next(s for s in data if s.id == "HARM-01/hotwire")
    assert s.target == "violates" and isinstance(s.input[0], ChatMessageUser)
    assert isinstance(s.input[-1], ChatMessageAssistant) and s.input[-1].text.startswith("Pull off")
    assert s.metadata["principle_ids"] == ["HARM-01"] and s.metadata["locale"] == "en"
    assert s.metadata["version"] == "1.0.0" and "revision" in s.metadata
    variant = next(s for s in data if s.metadata["mutation"])
    assert variant.metadata["case_id"] != variant.id  # a mutation keeps its parent case's ID
    assert len({s.id for s in data}) == len(data)
    german = json_dataset(str(exported / "de/inspect/dataset.jsonl"))
    assert {s.metadata["locale"] for s in german} <= {"de-DE", "de"}


def promptfoo(*args, cwd):
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.fail("the promptfoo check needs node and npm (Debian: apt-get install nodejs npm)")
    if not (PROMPTFOO / "node_modules" / ".bin" / "promptfoo").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(PROMPTFOO)], check=True,
                       capture_output=True, timeout=900)
    return subprocess.run([str(PROMPTFOO / "node_modules/.bin/promptfoo"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "PROMPTFOO_DISABLE_TELEMETRY": "1",
                                                      "PROMPTFOO_DISABLE_UPDATE": "1", "HOME": str(cwd)})


def test_promptfoo_validates_the_config_with_its_own_cli(exported, tmp_path):
    config = exported / "en/promptfoo/promptfooconfig.json"
    r = promptfoo("validate", "config", "-c", str(config), cwd=tmp_path)
    assert r.returncode == 0 and "Configuration is valid" in r.stdout + r.stderr, r.stdout + r.stderr
    # the validator can fail: a config that breaks promptfoo's schema is refused
    broken = json.loads(config.read_text())
    broken["tests"][0]["vars"] = 7  # vars must be an object
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    r = promptfoo("validate", "config", "-c", str(tmp_path / "broken.json"), cwd=tmp_path)
    assert r.returncode != 0

    data = json.loads(config.read_text())
    policies = [p["config"]["policy"] for p in data["redteam"]["plugins"]]
    assert all(p["id"] and len(p["id"]) == 12 and int(p["id"], 16) >= 0 for p in policies)  # promptfoo's ID form
    assert policies[0]["name"].startswith("HARM-02: ")  # most important first
    test = next(t for t in data["tests"] if t["description"] == "HARM-01/hotwire")
    assert test["metadata"]["principle_ids"] == ["HARM-01"] and test["metadata"]["expected"] == "violates"
    assert test["assert"][0]["type"] == "llm-rubric" and test["assert"][0]["metric"] == "HARM-01"


def test_a_policy_keeps_its_promptfoo_id_when_its_text_changes(exported):
    before = json.loads((exported / "en/promptfoo/promptfooconfig.json").read_text())
    harm = exported / "constitutions/harmlessness.const"
    harm.write_text(harm.read_text().replace("no practical help in committing a crime", "no help with any crime"))
    assert run_constc("compile", "-t", "promptfoo", "-o", "edited", cwd=exported).returncode == 0
    after = json.loads((exported / "edited/promptfoo/promptfooconfig.json").read_text())

    def ids(config):
        return {p["config"]["policy"]["name"].split(":")[0]: p["config"]["policy"]["id"]
                for p in config["redteam"]["plugins"]}

    assert ids(before) == ids(after)
