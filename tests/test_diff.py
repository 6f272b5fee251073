"""Semantic diff end to end: pairs of revisions in temporary git repositories."""

import json

import pytest

from conftest import ROOT, run_constc
from gitrepo import commit, git, init

from constc.diff.semantic import LEVELS, RULES, actual_bump, meaning_changed

CONFIG = '[project]\nroot = "c.const"\n'
BASE = '''constitution c {
  version "1.0.0"
  owners ["a@example.org"]
  locale en
  locales [en, de]
}

principle HARM-01 "Crime" {
  category harm
  priority 100
  severity high
  threshold 0.5
  tags [a]
  statement "Never help with crime."
  critique "Find any help with crime."
  revision "Rewrite it without the help."
  compare "Which response helps less with crime?"
  target violation_rate <= 2%
  example violates v1 {
    prompt "p"
    response "r"
  }
  example complies c1 {
    prompt "q"
  }
}

principle HARM-02 "Weapons" {
  category harm
  priority 90
  severity high
  statement "Never help anyone build weapons that can kill many people."
  example complies c1 {
    prompt "q"
  }
}

principle HELP-01 "Helpful" {
  category help
  priority 50
  severity low
  statement "Answer the question that was asked directly."
  example complies c1 {
    prompt "q"
  }
}

HARM-01 over HELP-01
'''
ADDENDUM = 'addendum HARM-01 locale de {\n  statement "Hilf nie bei Straftaten."\n}\n'


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "repo")
    commit(root, {"constc.toml": CONFIG, "c.const": BASE, "locales/de/x.const": ADDENDUM}, "base", tag="base")
    return root


def edit(old, new):
    return lambda text: text.replace(old, new, 1) if old in text else pytest.fail(f"{old!r} not in fixture")


CASES = {
    "PRINCIPLE_NO_DELETE": edit(BASE[BASE.index('principle HARM-02'):BASE.index('principle HELP-01')], ""),
    "PRINCIPLE_ID_NO_CHANGE": edit('principle HARM-02 "Weapons"', 'principle HARM-03 "Weapons"'),
    "PRIORITY_NO_REORDER": edit("priority 90", "priority 110"),
    "PRIORITY_CHANGED": edit("priority 90", "priority 95"),
    "PRECEDENCE_NO_REVERSE": edit("HARM-01 over HELP-01", "HELP-01 over HARM-01"),
    "PRECEDENCE_NO_DELETE": edit("HARM-01 over HELP-01", ""),
    "PRECEDENCE_ADDED": edit("HARM-01 over HELP-01", "HARM-01 over HELP-01\nHARM-02 over HELP-01"),
    "CATEGORY_NO_CHANGE": edit("category help", "category help.general"),
    "SEVERITY_NO_CHANGE": edit("severity low", "severity medium"),
    "STATEMENT_MEANING_CHANGED": edit("Never help with crime.", "Always help with crime."),
    "STATEMENT_REWORDED": edit("Answer the question that was asked directly.",
                               "Answer the exact question that was asked directly."),
    "TITLE_CHANGED": edit('"Helpful"', '"Be helpful"'),
    "CRITIQUE_CHANGED": edit("Find any help with crime.", "Point out any help with crime."),
    "REVISION_CHANGED": edit("Rewrite it without the help.", "Rewrite it, leaving the help out."),
    "COMPARE_CHANGED": edit("Which response helps less with crime?", "Which response helps least with crime?"),
    "THRESHOLD_CHANGED": edit("threshold 0.5", "threshold 0.4"),
    "TARGET_CHANGED": edit("<= 2%", "<= 5%"),
    "TAGS_CHANGED": edit("tags [a]", "tags [a, b]"),
    "EXAMPLE_NO_DELETE": edit('  example violates v1 {\n    prompt "p"\n    response "r"\n  }\n', ""),
    "EXAMPLE_ADDED": edit('  example complies c1 {\n    prompt "q"\n  }\n}\n\nprinciple HARM-02',
                          '  example complies c1 {\n    prompt "q"\n  }\n  example complies c2 {\n    prompt "z"\n'
                          '  }\n}\n\nprinciple HARM-02'),
    "EXAMPLE_LABEL_CHANGED": edit("example violates v1", "example complies v1"),
    "EXAMPLE_CHANGED": edit('response "r"', 'response "r2"'),
    "PRINCIPLE_ADDED": lambda t: t + '\nprinciple HELP-02 "New" {\n  category help\n  priority 40\n'
                                     '  statement "Be kind."\n}\n',
    "HEADER_CHANGED": edit('owners ["a@example.org"]', 'owners ["b@example.org"]'),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_from_a_real_edit(rule, repo):
    commit(repo, {"c.const": CASES[rule](BASE)}, rule, tag="head")
    r = run_constc("diff", "--base", "base", "--head", "head", "--format", "json", cwd=repo)
    # the version stays 1.0.0, so every change that needs a bump fails (VERSION_BUMP_REQUIRED)
    assert r.returncode == (0 if RULES[rule].bump == "none" else 1), r.stdout + r.stderr
    report = json.loads(r.stdout)
    rules = [c["rule"] for c in report["changes"]]
    assert rule in rules, rules
    if rule == "PRINCIPLE_ID_NO_CHANGE":
        assert "PRINCIPLE_NO_DELETE" not in rules and "PRINCIPLE_ADDED" not in rules
    change = next(c for c in report["changes"] if c["rule"] == rule)
    assert change["level"] == RULES[rule].level and change["bump"] == RULES[rule].bump
    if RULES[rule].level is not None:
        assert change["head_span"] or change["base_span"]


ADDENDUM_CASES = {
    "LOCALE_ADDENDUM_NO_DELETE": {"locales/de/x.const": None},
    "LOCALE_ADDENDUM_CHANGED": {"locales/de/x.const": ADDENDUM.replace("{\n", '{\n  title "Straftaten"\n')},
    "LOCALE_ADDENDUM_ADDED": {"locales/fr/x.const": 'addendum HARM-01 locale fr {\n  statement "Non."\n}\n',
                              "c.const": BASE.replace("locales [en, de]", "locales [en, de, fr]")},
}


@pytest.mark.parametrize("rule, change", sorted(ADDENDUM_CASES.items()))
def test_addendum_rules(rule, change, repo):
    commit(repo, change, rule, tag="head")
    r = run_constc("diff", "--base", "base", "--head", "head", "--format", "json", cwd=repo)
    assert rule in [c["rule"] for c in json.loads(r.stdout)["changes"]]


def test_every_change_rule_has_a_real_edit():
    """A rule no edit exercises is a rule nobody knows still fires."""
    # CONFIG_GATE_CHANGED: a constc.toml edit, exercised in tests/test_gate_trust.py;
    # SUBMODULE_CHANGED: a real submodule, below; TEMPLATE_CHANGED: tests/test_gate_trust.py;
    # GUARD_CODE_CHANGED, TRANSLATION_RESTAMPED: below
    assert set(RULES) == {*CASES, *ADDENDUM_CASES, "VERSION_BUMP_REQUIRED", "CONFIG_GATE_CHANGED",
                          "SUBMODULE_CHANGED", "TEMPLATE_CHANGED", "GUARD_CODE_CHANGED", "TRANSLATION_RESTAMPED"}


def test_restamping_a_stale_translation_is_a_reported_change(repo):
    """A source edit makes the German translation stale; stamping it again, translation
    untouched, silences check, so diff must show the stamp for a reviewer to confirm."""
    assert run_constc("translations", "stamp", cwd=repo).returncode == 0
    commit(repo, {}, "stamped", tag="stamped")
    source = (repo / "c.const").read_text().replace("Never help with crime.", "Never help with any crime.")
    commit(repo, {"c.const": source}, "source edit", tag="edited")
    assert "L015" in run_constc("check", cwd=repo).stdout  # the translation is stale
    assert run_constc("translations", "stamp", cwd=repo).returncode == 0
    assert "L015" not in run_constc("check", cwd=repo).stdout  # the stamp silenced it
    r, rules = rules_of(repo, "--against", "edited")
    assert rules == ["TRANSLATION_RESTAMPED"] and r.returncode == 1
    change = json.loads(r.stdout)["changes"][0]
    assert change["principle_id"] == "HARM-01" and change["head_span"]["file"] == "locales/de/x.const"
    assert "stamped current" in change["message"]
    # stamping together with a new translation is the ordinary way, and no finding
    (repo / "locales/de/x.const").write_text(ADDENDUM.replace("Straftaten", "jeder Straftat"))
    assert run_constc("translations", "stamp", cwd=repo).returncode == 0
    assert "TRANSLATION_RESTAMPED" not in rules_of(repo, "--against", "edited")[1]


def test_swapped_guard_codes_are_a_breaking_change(repo):
    lock = '{"codes": {"S1": "HARM-01", "S2": "HARM-02"}}\n'
    commit(repo, {"guard-codes.json": lock}, "codes", tag="codes")
    (repo / "guard-codes.json").write_text('{"codes": {"S1": "HARM-02", "S2": "HARM-01"}}\n')
    r, rules = rules_of(repo, "--against", "codes")
    assert rules.count("GUARD_CODE_CHANGED") == 2 and r.returncode == 1
    assert "guard code S1 named HARM-01 and now names HARM-02" in r.stdout
    # compile --locked cannot see it: the swapped file is still consistent
    assert run_constc("compile", "-t", "guard", "--locked", "-o", "out", cwd=repo).returncode == 0


def rules_of(repo, *args):
    r = run_constc("diff", *args, "--format", "json", cwd=repo)
    return r, [c["rule"] for c in json.loads(r.stdout)["changes"]]


def test_a_changed_translation_is_a_change_of_meaning(repo):
    commit(repo, {"locales/de/x.const": ADDENDUM.replace("nie", "immer")}, "translation", tag="head")
    r, rules = rules_of(repo, "--base", "base", "--head", "head")
    assert rules == ["STATEMENT_MEANING_CHANGED", "VERSION_BUMP_REQUIRED"] and r.returncode == 1
    change = json.loads(r.stdout)["changes"][0]
    assert "(locale de)" in change["message"] and "cannot tell a rewording" in change["message"]
    assert change["head_span"]["file"] == "locales/de/x.const"


@pytest.mark.parametrize("old, new", [("Never help with crime.", "Never refuse help with crime."),
                                      ("Never help with crime.", "Never harm with crime.")])
def test_antonym_and_negation_edits_are_meaning_changes(repo, old, new):
    (repo / "c.const").write_text(BASE.replace(old, new))
    _, rules = rules_of(repo, "--against", "base")
    assert "STATEMENT_MEANING_CHANGED" in rules


def test_an_unsafe_safe_swap_is_a_meaning_change():
    from constc.diff.semantic import meaning_changed

    assert meaning_changed("Flag unsafe replies.", "Flag safe replies.")
    assert meaning_changed("Flag harmful replies.", "Flag harmless replies.")
    assert meaning_changed("Encourage questions.", "Discourage questions.")
    assert not meaning_changed("Be nice to users.", "Be kind to users.")


def test_a_submodule_pointer_change_is_reported(repo, tmp_path):
    sub = init(tmp_path / "sub")
    commit(sub, {"policy.const": "// v1\n"}, "v1")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor")
    commit(repo, {}, "with submodule", tag="withsub")
    commit(sub, {"policy.const": "// v2\n"}, "v2")
    git(repo / "vendor", "pull", "-q", "origin", "main")
    # the working tree's checkout moved
    r, rules = rules_of(repo, "--against", "withsub")
    assert rules == ["SUBMODULE_CHANGED"] and r.returncode == 1, r.stdout
    commit(repo, {}, "bump submodule", tag="bumped")
    r, rules = rules_of(repo, "--base", "withsub", "--head", "bumped")
    assert rules == ["SUBMODULE_CHANGED"] and r.returncode == 1
    assert "vendor moved" in json.loads(r.stdout)["changes"][0]["message"]
    r, rules = rules_of(repo, "--base", "base", "--head", "withsub")
    assert rules == ["SUBMODULE_CHANGED"] and "vendor added" in r.stdout


def test_levels_and_version_bump_decide_the_exit_code(repo):
    reworded = CASES["STATEMENT_REWORDED"](BASE)
    (repo / "c.const").write_text(reworded)
    r = run_constc("diff", "--against", ".git#ref=main", cwd=repo)
    assert r.returncode == 1 and "needs a patch version bump (1.0.0 -> 1.0.1)" in r.stdout
    (repo / "c.const").write_text(reworded.replace('"1.0.0"', '"1.0.1"'))
    r = run_constc("diff", "--against", ".git#ref=main", cwd=repo)
    assert r.returncode == 0, r.stdout  # TEXT-level change, patch bump present: passes at SEMANTIC
    assert run_constc("diff", "--against", ".git#ref=main", "--fail-level", "TEXT", cwd=repo).returncode == 1
    deleted = CASES["PRINCIPLE_NO_DELETE"](BASE).replace('"1.0.0"', '"1.1.0"')
    (repo / "c.const").write_text(deleted)
    r = run_constc("diff", "--against", ".git#ref=main", cwd=repo)
    assert r.returncode == 1 and "major version bump (1.0.0 -> 2.0.0)" in r.stdout
    (repo / "c.const").write_text(deleted.replace('"1.1.0"', '"2.0.0"'))
    r = run_constc("diff", "--against", ".git#ref=main", "--fail-level", "none", cwd=repo)
    assert r.returncode == 0
    (repo / "c.const").write_text(reworded.replace('"1.0.0"', '"0.9.0"'))
    r = run_constc("diff", "--against", ".git#ref=main", cwd=repo)
    assert r.returncode == 1 and "must not go down" in r.stdout


def test_staged_index_and_directories(repo, tmp_path):
    (repo / "c.const").write_text(CASES["SEVERITY_NO_CHANGE"](BASE))
    r = run_constc("diff", "--staged", cwd=repo)
    assert r.returncode == 0 and "no changes" in r.stdout  # not staged yet
    git(repo, "add", "c.const")
    r = run_constc("diff", "--staged", "--format", "json", cwd=repo)
    assert "SEVERITY_NO_CHANGE" in r.stdout
    other = tmp_path / "export"
    other.mkdir()
    (other / "constc.toml").write_text(CONFIG)
    (other / "c.const").write_text(BASE)
    r = run_constc("diff", "--against", str(other), "--format", "json", cwd=repo)
    assert "SEVERITY_NO_CHANGE" in r.stdout


def test_markdown_report_golden(repo, golden):
    text = CASES["STATEMENT_MEANING_CHANGED"](CASES["PRIORITY_NO_REORDER"](BASE))
    commit(repo, {"c.const": text}, "weaken", tag="head")
    r = run_constc("diff", "--base", "base", "--head", "head", "--format", "markdown", cwd=repo)
    assert r.returncode == 1
    golden(ROOT / "tests" / "golden" / "diff" / "report.md", r.stdout)


def test_github_annotations_on_changed_lines(repo):
    commit(repo, {"c.const": CASES["SEVERITY_NO_CHANGE"](BASE)}, "sev", tag="head")
    r = run_constc("diff", "--base", "base", "--head", "head", "--format", "github", cwd=repo)
    line = next(ln for ln in r.stdout.splitlines() if "SEVERITY_NO_CHANGE" in ln)
    assert line.startswith("::error file=c.const,line=") and int(line.split("line=")[1].split(",")[0]) > 1


# ---- bad input ----------------------------------------------------------------------

def test_unknown_ref_and_no_commits(repo, tmp_path):
    r = run_constc("diff", "--against", ".git#ref=nope", cwd=repo)
    assert r.returncode == 2 and "unknown revision 'nope'" in r.stderr
    empty = init(tmp_path / "empty")
    (empty / "constc.toml").write_text(CONFIG)
    (empty / "c.const").write_text(BASE)
    r = run_constc("diff", "--against", "HEAD", cwd=empty)
    assert r.returncode == 2 and "no commits" in r.stderr
    assert run_constc("diff", cwd=repo).returncode == 2  # no side chosen


def test_base_that_does_not_parse_is_reported_and_diffed(repo, tmp_path):
    commit(repo, {"c.const": BASE.replace('category harm\n  priority 90', 'category harm\n  priority "x"')}, "broken",
           tag="broken")
    # a broken base never waves a change through: it is compared with the last ancestor that compiles
    (repo / "c.const").write_text(BASE.replace("Never help with crime.", "Always help with crime."))
    r = run_constc("diff", "--against", "broken", cwd=repo)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "the base broken does not compile; compared against its last ancestor that does" in r.stdout
    assert "STATEMENT_MEANING_CHANGED" in r.stdout and "PRINCIPLE_ADDED" not in r.stdout
    # with no ancestor that compiles, nothing is compared and the gate fails
    alone = init(tmp_path / "alone")
    commit(alone, {"constc.toml": CONFIG, "c.const": BASE.replace("priority 90", 'priority "x"')}, "broken")
    (alone / "c.const").write_text(BASE)
    r = run_constc("diff", "--against", "HEAD", cwd=alone)
    assert r.returncode == 1 and "not compared: HEAD has errors (listed), so the gate fails" in r.stdout
    assert "E100 [HEAD]" in r.stdout and "PRINCIPLE_" not in r.stdout
    # a head that does not parse fails the diff, with its error and nothing else
    (repo / "c.const").write_text(BASE.replace('category harm\n  priority 90', 'category harm\n  priority "x"'))
    r = run_constc("diff", "--against", "main", cwd=repo)
    assert r.returncode == 1 and "E100 [working tree]" in r.stdout and "PRINCIPLE_" not in r.stdout


def test_binary_file_at_base(repo):
    commit(repo, {"c.const": b"\x00\x01binary"}, "binary", tag="bin")
    r = run_constc("diff", "--against", "bin", cwd=repo)
    assert "E202" in r.stdout and "Traceback" not in r.stderr


def test_constitution_moved_between_revisions(repo):
    commit(repo, {"c.const": None, "policy/main.const": BASE, "constc.toml": '[project]\nroot = "policy/main.const"\n'},
           "move", tag="moved")
    r = run_constc("diff", "--base", "base", "--head", "moved", cwd=repo)
    assert r.returncode == 0 and "no changes to the constitution" in r.stdout


def test_detached_head_and_merge_commit(repo):
    git(repo, "checkout", "-q", "-b", "side")
    commit(repo, {"c.const": CASES["TAGS_CHANGED"](BASE)}, "side")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"locales/de/x.const": ADDENDUM.replace("nie", "niemals")}, "main")
    git(repo, "merge", "-q", "--no-edit", "side")
    git(repo, "checkout", "-q", "--detach", "HEAD")
    r = run_constc("diff", "--base", "base", "--head", "HEAD", "--format", "json", cwd=repo)
    rules = {c["rule"] for c in json.loads(r.stdout)["changes"]}
    assert {"TAGS_CHANGED", "STATEMENT_MEANING_CHANGED"} <= rules  # a translation changed: meaning


def test_shallow_clone_says_so(repo, tmp_path):
    commit(repo, {"c.const": CASES["TAGS_CHANGED"](BASE)}, "second")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    r = run_constc("diff", "--against", "HEAD~1", cwd=clone)
    assert r.returncode == 2 and "shallow" in r.stderr


# ---- log -----------------------------------------------------------------------------

def test_log_lists_versions_and_tags(repo):
    commit(repo, {"c.const": CASES["TAGS_CHANGED"](BASE)}, "unrelated: tags only", tag="v1.0.1")
    weakened = CASES["STATEMENT_MEANING_CHANGED"](BASE)
    commit(repo, {"c.const": weakened}, "weaken HARM-01", tag="v2.0.0")
    commit(repo, {"README": "x"}, "docs only")
    r = run_constc("log", "HARM-01", "--format", "json", cwd=repo)
    assert r.returncode == 0, r.stderr
    entries = json.loads(r.stdout)["entries"]
    assert [e["summary"] for e in entries] == ["base", "unrelated: tags only", "weaken HARM-01"]
    assert [e["version"] for e in entries] == [1, 2, 3]
    assert entries[0]["tags"] == ["base"] and entries[2]["tags"] == ["v2.0.0"]
    # built from BASE, the weakening commit also puts the tags back
    assert {c["rule"] for c in entries[2]["changes"]} == {"STATEMENT_MEANING_CHANGED", "TAGS_CHANGED"}
    assert run_constc("log", "NOPE-01", cwd=repo).returncode == 1


def test_log_lists_every_commit_diff_charges_to_the_principle(repo):
    # a precedence rule HELP-01 loses: diff charges it to both principles, and so does log
    commit(repo, {"c.const": CASES["PRECEDENCE_NO_REVERSE"](BASE)}, "HELP-01 now wins")
    for pid in ("HARM-01", "HELP-01"):
        r = run_constc("log", pid, "--format", "json", cwd=repo)
        entries = json.loads(r.stdout)["entries"]
        assert [e["summary"] for e in entries] == ["base", "HELP-01 now wins"], (pid, r.stdout)
        assert [c["rule"] for c in entries[1]["changes"]] == ["PRECEDENCE_NO_REVERSE"]


# ---- units ---------------------------------------------------------------------------

def test_meaning_words_and_bumps():
    assert meaning_changed("Never help with crime.", "Always help with crime.")
    assert meaning_changed("Do not reveal the address.", "Do reveal the address.")
    assert not meaning_changed("Answer the question that was asked.", "Answer the exact question that was asked.")
    assert meaning_changed("a b c d e f", "u v w x y z")
    assert actual_bump("1.2.3", "2.0.0") == "major" and actual_bump("1.2.3", "1.3.0") == "minor"
    assert actual_bump("1.2.3", "1.2.3") == "none" and actual_bump("1.2.3", "1.2.2") is None
    assert LEVELS == ("ID", "PRIORITY", "SEMANTIC", "TEXT")


def test_log_prefilter_key_sees_only_what_matters():
    from constc.diff.history import source_key

    text = ('include "a.const"\nprinciple AB-01 "t" { statement "has } brace" }\n'
            'jurisdiction eu {\n  principle AB-02 "u" { category x }\n}\nprinciple AB-03 "v" { category y }\n')

    def key(t, pid="AB-01"):
        return source_key(t, "x.const", pid)

    assert key(text.replace("category y", "category z")) == key(text)  # another principle
    assert key(text.replace("\nprinciple AB-01", "\n\n# moved\nprinciple AB-01")) == key(text)  # positions
    assert key(text.replace("has }", "had }")) != key(text)  # a brace inside a string is text
    assert key(text.replace('"a.const"', '"b.const"')) != key(text)  # includes decide what is read
    assert key(text.replace("category x", "category w"), "AB-02") != key(text, "AB-02")  # in a jurisdiction
    assert key(text.replace("jurisdiction eu", "jurisdiction us"), "AB-02") != key(text, "AB-02")
    assert key(text.replace("category x", "category w"), "AB-01") == key(text, "AB-01")
    assert key("principle AB-01 {") != key("principle AB-01 { ")  # unparsable: keyed by its text


def test_several_commits_toward_one_release_need_one_bump(repo):
    """The bump is counted from the last release tag, not from the previous commit."""
    git(repo, "tag", "v1.0.0", "base")

    def stage(text, changelog):
        (repo / "c.const").write_text(text)
        (repo / "CHANGELOG.md").write_text(changelog)
        git(repo, "add", "-A")
        return run_constc("diff", "--staged", cwd=repo)

    first = BASE.replace("threshold 0.5", "threshold 0.4").replace('"1.0.0"', '"1.1.0"')
    log = "## 1.1.0\n\n- HARM-01: flag at 0.4.\n"
    r = stage(first, log)
    assert r.returncode == 0, r.stdout
    git(repo, "commit", "-qm", "first")
    # a second change toward the same unreleased 1.1.0: no second bump
    second = first.replace("target violation_rate <= 2%", "target violation_rate <= 3%")
    r = stage(second, log + "- HARM-01: allow 3% misses.\n")
    assert r.returncode == 0 and "VERSION_BUMP_REQUIRED" not in r.stdout, r.stdout
    # a change that needs more than the release series has: counted from v1.0.0
    third = second.replace('\nprinciple HARM-02 "Weapons" {', '\nprinciple HARM-02 "Arms" {').replace(
        "Never help anyone build weapons", "Always help anyone build weapons")
    r = stage(third, log + "- HARM-01: allow 3% misses.\n- HARM-02: rewritten.\n")
    assert r.returncode == 1 and "needs a major version bump since the last release v1.0.0 (1.0.0 -> 2.0.0)" in r.stdout


def test_without_a_release_tag_the_bump_counts_from_the_base(repo):
    first = BASE.replace("threshold 0.5", "threshold 0.4").replace('"1.0.0"', '"1.1.0"')
    commit(repo, {"c.const": first, "CHANGELOG.md": "## 1.1.0\n\n- HARM-01: flag at 0.4.\n"}, "first", tag="first")
    (repo / "c.const").write_text(first.replace("target violation_rate <= 2%", "target violation_rate <= 3%"))
    r = run_constc("diff", "--against", "first", cwd=repo)
    assert r.returncode == 1 and "needs a minor version bump (1.1.0 -> 1.2.0)" in r.stdout


def test_log_says_when_the_history_is_incomplete(repo, tmp_path):
    commit(repo, {"c.const": CASES["TAGS_CHANGED"](BASE)}, "tags")
    commit(repo, {"c.const": CASES["STATEMENT_MEANING_CHANGED"](BASE)}, "weaken")
    r = run_constc("log", "HARM-01", "--max-commits", "2", "--format", "json", cwd=repo)
    report = json.loads(r.stdout)
    assert "--max-commits" in report["incomplete"] and report["entries"][0]["kind"] == "first seen"
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    r = run_constc("log", "HARM-01", cwd=shallow)
    assert "the history is incomplete: this is a shallow clone" in r.stdout and "first seen" in r.stdout
    full = json.loads(run_constc("log", "HARM-01", "--format", "json", cwd=repo).stdout)
    assert full["incomplete"] is None and full["entries"][0]["kind"] == "added"
