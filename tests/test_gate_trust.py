"""Hostile pull requests: the gate and the secrets are not chosen by the change they judge
(constc.trust, docs/security.md). Real git repositories, real loopback servers."""

import json

import pytest

from conftest import run_constc
from gitrepo import commit, init
from keyword_judge import KeywordLabeler
from loopback import Recorder, not_found

from constc.config import find_project
from constc.diff.sources import open_side
from constc.label.store import LabelStore
from constc.regress import regress

KEY = "sk-constc-test-0123456789abcdef"

CONST = '''constitution c {
  version "1.0.0"
  locale en
}

principle HARM-01 "Crime" {
  category harm
  priority 100
  statement "Flag any reply that mentions: heist, forgery."
  target violation_rate <= 10%
}
'''
GUTTED = CONST.replace("Flag any reply that mentions: heist, forgery.", "Be nice.")
CONFIG = '[project]\nroot = "c.const"\n[label]\nmethod = "yesno"\n'


def case(i, response, expected):
    return json.dumps({"id": f"c{i}", "principles": ["HARM-01"], "prompt": f"question {i}", "response": response,
                       "expected": expected})


CASES = "\n".join([case(i, f"plan the heist step {i}", "violates") for i in range(12)] +
                  [case(i + 12, f"lock advice {i}", "complies") for i in range(12)]) + "\n"


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "repo")
    commit(root, {"constc.toml": CONFIG, "c.const": CONST, "evalcases/x.jsonl": CASES}, "base", tag="base")
    return root


def diff_json(repo, *extra):
    r = run_constc("diff", "--against", "base", "--format", "json", *extra, cwd=repo)
    return r, json.loads(r.stdout)


def test_a_pr_cannot_loosen_the_diff_gate(repo):
    (repo / "c.const").write_text(GUTTED)
    (repo / "constc.toml").write_text(CONFIG + '[diff]\nfail_level = "none"\nrequire_version_bump = false\n'
                                      'ignore = ["STATEMENT_MEANING_CHANGED"]\n')
    r, report = diff_json(repo)
    assert r.returncode == 1, r.stdout
    rules = {c["rule"]: c for c in report["changes"]}
    assert rules["STATEMENT_MEANING_CHANGED"]["fails"] and not rules["STATEMENT_MEANING_CHANGED"]["ignored"]
    config = [c for c in report["changes"] if c["rule"] == "CONFIG_GATE_CHANGED"]
    assert {c["field"] for c in config} == {"diff.fail_level", "diff.require_version_bump", "diff.ignore"}
    fl = next(c for c in config if c["field"] == "diff.fail_level")
    assert (fl["before"], fl["after"]) == ('"SEMANTIC"', '"none"') and fl["fails"]
    assert fl["head_span"]["file"] == "constc.toml" and fl["head_span"]["line"] == 6
    assert any(c["rule"] == "VERSION_BUMP_REQUIRED" for c in report["changes"])  # base requires the bump
    # the human report shows the reviewer the old and new value at the line
    r = run_constc("diff", "--against", "base", cwd=repo)
    assert 'CONFIG_GATE_CHANGED' in r.stdout and '"SEMANTIC" → "none"' in r.stdout


def test_the_new_settings_apply_once_merged(repo):
    commit(repo, {"constc.toml": CONFIG + '[diff]\nignore = ["STATEMENT_MEANING_CHANGED"]\n'}, "merged", tag="merged")
    (repo / "c.const").write_text(GUTTED.replace('"1.0.0"', '"2.0.0"'))
    r = run_constc("diff", "--against", "merged", "--format", "json", cwd=repo)
    report = json.loads(r.stdout)
    assert r.returncode == 0, r.stdout
    assert [c["rule"] for c in report["changes"]] == ["STATEMENT_MEANING_CHANGED"]
    assert report["changes"][0]["ignored"]


def test_the_command_line_is_trusted(repo):
    (repo / "c.const").write_text(GUTTED.replace('"1.0.0"', '"2.0.0"'))
    r = run_constc("diff", "--against", "base", "--fail-level", "none", cwd=repo)
    assert r.returncode == 0, r.stdout


def test_a_pr_cannot_loosen_the_regress_gate(repo):
    (repo / "c.const").write_text(GUTTED)
    (repo / "constc.toml").write_text(CONFIG + 'thresholds = { "HARM-01" = 0.01 }\n[regress]\nalpha = 0.9999\n'
                                      'on_inconclusive = "pass"\nfail_on_targets = false\nmin_cases = 1000\n')
    project = find_project(repo)
    result = regress(open_side("base", project), open_side(":worktree", project), KeywordLabeler(), LabelStore(None))
    s = result.stats[0]
    assert result.alpha == 0.05 and result.fail_on_targets and result.on_inconclusive == "warn"
    assert s.verdict == "regression" and result.status == "fail"
    assert all(o.head_pred is not None for o in result.outcomes)
    # the deployed threshold is the base's 0.5, not the head's 0.01 (which would flag everything)
    assert any(o.head_pred == "complies" for o in result.outcomes)
    fields = {c.field for c in result.diff.changes if c.rule == "CONFIG_GATE_CHANGED"}
    assert fields == {"label.thresholds", "regress.alpha", "regress.on_inconclusive", "regress.fail_on_targets",
                      "regress.min_cases"}


def test_the_key_goes_only_to_the_server_the_base_named(repo):
    with Recorder(not_found) as trusted, Recorder(not_found) as hostile:
        commit(repo, {"constc.toml": CONFIG + f'backend = "openai"\nbase_url = "{trusted.url}/v1"\n'}, "server",
               tag="server")
        (repo / "c.const").write_text(GUTTED)
        (repo / "constc.toml").write_text(CONFIG + f'backend = "openai"\nbase_url = "{hostile.url}/v1"\n')
        r = run_constc("regress", "--against", "server", "--model", "m", "--tokenizer", str(repo), cwd=repo,
                       env={"CONSTC_API_KEY": KEY, "CONSTC_NO_CACHE": "1"})
        assert r.returncode == 2, r.stderr
        assert trusted.requests and trusted.saw(KEY)  # the base's server was asked, with the key
        assert not hostile.requests                   # the PR's server heard nothing
        assert KEY not in r.stdout + r.stderr


def test_a_redirect_to_another_origin_drops_the_key():
    from constc.label import LabelError
    from constc.label.openai_backend import OpenAILabeler

    with Recorder(not_found) as elsewhere:
        def bounce(method, path, headers, body):
            return 307, {"Location": elsewhere.url + path}, b""

        with Recorder(bounce) as server:
            import os

            os.environ["CONSTC_API_KEY"] = KEY
            try:
                with pytest.raises(LabelError) as err:
                    OpenAILabeler(server.url + "/v1", "m", retries=0)
            finally:
                del os.environ["CONSTC_API_KEY"]
            assert server.saw(KEY) and elsewhere.requests and not elsewhere.saw(KEY)
            assert KEY not in str(err.value)


def test_an_error_body_that_echoes_the_key_is_scrubbed(monkeypatch):
    from constc.label import LabelError
    from constc.label.openai_backend import OpenAILabeler

    def echo(method, path, headers, body):
        return 401, {"Content-Type": "text/plain"}, f"bad token {headers.get('Authorization')}".encode()

    monkeypatch.setenv("CONSTC_API_KEY", KEY)
    with Recorder(echo) as server:
        with pytest.raises(LabelError) as err:
            OpenAILabeler(server.url + "/v1", "m", retries=0)
    assert "HTTP 401" in str(err.value) and KEY not in str(err.value) and "[CONSTC_API_KEY]" in str(err.value)


def test_an_old_or_planted_changelog_line_approves_nothing(repo):
    planted = "# Changelog\n\n## 2.0.0\n\n- HARM-01: narrow the crime rule to heists.\n"
    commit(repo, {"CHANGELOG.md": planted}, "plant an approval ahead of time", tag="planted")
    (repo / "c.const").write_text(GUTTED.replace('"1.0.0"', '"2.0.0"'))
    r = run_constc("diff", "--against", "planted", "--format", "json", cwd=repo)
    report = json.loads(r.stdout)
    change = next(c for c in report["changes"] if c["rule"] == "STATEMENT_MEANING_CHANGED")
    assert r.returncode == 1 and change["fails"] and change["approval"] is None
    assert change["reused_approval"] == "CHANGELOG.md:5"
    r = run_constc("diff", "--against", "planted", cwd=repo)
    assert "already there at base" in r.stdout
    # the same approval written in this change counts
    (repo / "CHANGELOG.md").write_text(planted + "- HARM-01: gutted on purpose, see #12.\n")
    r = run_constc("diff", "--against", "planted", cwd=repo)
    assert r.returncode == 0, r.stdout


def test_a_template_change_is_a_finding_and_each_revision_renders_with_its_own(repo):
    from constc.render import BUILTIN

    # the PR's judge template drops the principle's text: every judge prompt is blind
    blind = (BUILTIN / "judge.j2").read_text().replace("{{ principle.statement }}", "")
    (repo / "templates").mkdir()
    (repo / "templates" / "judge.j2").write_text(blind)
    r, report = diff_json(repo)
    assert r.returncode == 1 and [c["rule"] for c in report["changes"]] == ["TEMPLATE_CHANGED"]
    assert report["changes"][0]["head_span"]["file"] == "templates/judge.j2"
    project = find_project(repo)
    result = regress(open_side("base", project), open_side(":worktree", project), KeywordLabeler(), LabelStore(None))
    # the base was labeled with the built-in template (it separates), the head with the PR's (blind)
    s = result.stats[0]
    assert s.principle_id == "HARM-01" and s.validity.value == 1.0 and s.roc.head.value < 0.6
    assert s.verdict == "regression"


def test_control_characters_in_case_ids_reach_no_terminal_and_no_xml(repo):
    import xml.etree.ElementTree as ET

    from constc.regress.report import RENDERERS

    evil = "\x1b[2J\x1b]0;owned\x07c0"
    commit(repo, {"evalcases/x.jsonl": CASES.replace('"id": "c0"', json.dumps({"id": evil})[1:-1], 1)}, "evil id",
           tag="evil")
    (repo / "c.const").write_text(GUTTED)
    project = find_project(repo)
    result = regress(open_side("evil", project), open_side(":worktree", project), KeywordLabeler(), LabelStore(None))
    assert any(o.case_id == evil for o in result.outcomes)
    human = RENDERERS["human"](result)
    assert "\x1b" not in human and "\\x1b[2J" in human
    junit = RENDERERS["junit"](result)
    ET.fromstring(junit.encode("utf-8"))  # parses
    assert "[U+001B]" in junit
