"""The command line as a user runs it: exit codes, formats, no heavy imports."""

import argparse
import json
import sys

import pytest

from conftest import ROOT, run_constc

from constc.cli import build_parser, main

BAD = 'constitution c { version "1.0.0" }\nprinciple HARM-01 "x" { category h priority 1 statement "TODO" }\n'


def test_sample_project_is_clean():
    r = run_constc("check", cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no problems" in r.stderr


def test_findings_exit_1_with_position_and_caret(tmp_path):
    (tmp_path / "bad.const").write_text(BAD)
    r = run_constc("check", "bad.const", cwd=tmp_path)
    assert r.returncode == 1
    assert "bad.const:2:47: L008 statement of HARM-01 is a placeholder: 'TODO'" in r.stdout
    assert "^~~~" in r.stdout and "Traceback" not in r.stderr


def test_machine_formats(tmp_path, capsys, monkeypatch):
    (tmp_path / "bad.const").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "bad.const", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {d["code"] for d in data} == {"L008", "L010"} and data[0]["span"]["file"] == "bad.const"
    main(["check", "bad.const", "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    results = sarif["runs"][0]["results"]
    assert sarif["version"] == "2.1.0" and len(results) == 2
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    main(["check", "bad.const", "--format", "github"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("::warning file=bad.const,line=2,col=1,") and "title=L010::" in lines[0]
    assert lines[1].startswith("::error file=bad.const,line=2,col=47,") and "title=L008::" in lines[1]


def test_usage_and_config_errors_exit_2(tmp_path):
    r = run_constc("check", "nowhere.const", cwd=tmp_path)
    assert r.returncode == 2 and "no such file" in r.stderr
    (tmp_path / "constc.toml").write_text("[lint]\nfail_on = 'sometimes'\n")
    r = run_constc("check", cwd=tmp_path)
    assert r.returncode == 2 and "constc.toml" in r.stderr and "lint.fail_on" in r.stderr
    (tmp_path / "constc.toml").write_text("[lint\n")
    assert run_constc("check", cwd=tmp_path).returncode == 2
    assert run_constc("check", "--format", "xml", cwd=tmp_path).returncode == 2


def test_internal_error_exit_3_without_traceback(tmp_path, monkeypatch, capsys):
    import constc.passes.merge as merge

    (tmp_path / "a.const").write_text(BAD)
    monkeypatch.setattr(merge, "merge", lambda ctx: 1 / 0)
    assert main(["check", str(tmp_path / "a.const")]) == 3
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err and "Traceback" not in err


def test_fmt_check_diff_and_write(tmp_path):
    messy = 'constitution c {version "1.0.0"}\nprinciple AB-01 "t" {priority 1 category c}\n'
    path = tmp_path / "m.const"
    path.write_text(messy)
    r = run_constc("fmt", "--check", "m.const", cwd=tmp_path)
    assert r.returncode == 1 and "would reformat m.const" in r.stderr and path.read_text() == messy
    r = run_constc("fmt", "--diff", "m.const", cwd=tmp_path)
    assert r.returncode == 1 and "+++ b/m.const" in r.stdout and "+  category c" in r.stdout
    assert run_constc("fmt", "m.const", cwd=tmp_path).returncode == 0
    assert "  category c\n  priority 1\n" in path.read_text()
    assert run_constc("fmt", "--check", "m.const", cwd=tmp_path).returncode == 0


def test_fmt_refuses_broken_files_and_loses_nothing(tmp_path):
    text = 'principle AB-01 "t" { statement "a" statement "b" }\n'
    path = tmp_path / "d.const"
    path.write_text(text)
    r = run_constc("fmt", "d.const", cwd=tmp_path)
    assert r.returncode == 1 and "E301" in r.stderr and path.read_text() == text
    path.write_bytes(b"\xff\xfe")
    r = run_constc("fmt", "d.const", cwd=tmp_path)
    assert r.returncode == 1 and "E201" in r.stderr


def test_explain_and_lint_list(capsys):
    assert main(["explain", "l004"]) == 0
    assert "priority-tie" in capsys.readouterr().out
    assert main(["explain", "E204"]) == 0
    assert main(["explain", "HARM-01"]) == 2
    assert main(["lint", "--list"]) == 0
    assert "L011  unused-suppression" in capsys.readouterr().out


def test_lint_select(tmp_path, capsys):
    (tmp_path / "bad.const").write_text(BAD)
    assert main(["lint", str(tmp_path / "bad.const"), "--select", "L010", "--format", "json"]) == 1
    assert [d["code"] for d in json.loads(capsys.readouterr().out)] == ["L010"]


def test_emit_ir_resolves_locale(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["check", "--emit", "ir", "--locale", "de-DE", "--jurisdiction", "eu"]) == 0
    ir = json.loads(capsys.readouterr().out)
    by = {p["id"]: p for p in ir["principles"]}
    assert by["HARM-01"]["title"] == "Straftaten" and by["PRIV-01"]["threshold"] == 0.35 and "EU-01" in by


def test_schema_is_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Constitution" and "Principle" in schema["$defs"]


def test_light_commands_never_import_torch(tmp_path):
    code = ("import sys; from constc.cli import main; "
            "[main(a) for a in (['check', '-q'], ['fmt', '--check', '-q', 'constitutions'], ['explain', 'L001'])]; "
            "heavy = [m for m in ('torch', 'transformers') if m in sys.modules]; print('HEAVY', heavy)")
    import subprocess

    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert "HEAVY []" in r.stdout, r.stdout + r.stderr


def test_typos_are_errors_with_a_suggestion(tmp_path):
    (tmp_path / "constc.toml").write_text('[project]\nroot = "c.const"\n')
    (tmp_path / "c.const").write_text('constitution c {\n  version "1.0.0"\n}\n')
    r = run_constc("chek", cwd=tmp_path)
    assert r.returncode == 2 and "unknown command 'chek' (did you mean check?)" in r.stderr
    r = run_constc("lint", "--select", "L0O4", cwd=tmp_path)
    assert r.returncode == 2 and "--select: unknown lint rule 'L0O4' (did you mean L004?)" in r.stderr
    r = run_constc("explain", "STATEMENT_MEANING_CHANGED", cwd=tmp_path)
    assert r.returncode == 0 and "level SEMANTIC" in r.stdout and "major version bump" in r.stdout
    r = run_constc("explain", "STATEMENT_MEANING_CHANGD", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean STATEMENT_MEANING_CHANGED?" in r.stderr
    (tmp_path / "constc.toml").write_text('[project]\nroot = "c.const"\n\n[lint]\ndisable = ["L01O"]\n')
    r = run_constc("check", cwd=tmp_path)
    assert r.returncode == 2 and "constc.toml:5: [lint.disable] unknown lint rule 'L01O' (did you mean L01" \
        in r.stderr


def test_every_option_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [f"{name} {a.option_strings or a.dest}" for name, p in sub.choices.items() for a in p._actions
               if not a.help and not isinstance(a, argparse._HelpAction)]
    assert not missing


def test_a_crashing_lint_rule_is_an_internal_error_and_the_others_still_run(tmp_path, capsys, monkeypatch):
    from constc.lint.rules import l004_priority_tie

    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(l004_priority_tie.check, "rule",
                        l004_priority_tie.check.rule.__class__("L004", "priority-tie", l004_priority_tie.check.rule.severity,
                                                               broken))
    (tmp_path / "c.const").write_text('constitution c {\n  version "1.0.0"\n}\n\nprinciple HARM-01 "x" {\n'
                                      '  category harm\n  statement "Never help with crime."\n}\n')
    assert main(["check", str(tmp_path / "c.const"), "--format", "json"]) == 3
    codes = [d["code"] for d in json.loads(capsys.readouterr().out)]
    assert "E500" in codes and "L003" in codes  # L003: the missing priority is still found


@pytest.mark.parametrize("code", ["L999", "PRINCIPLE_NO_DELET"])
def test_unknown_codes_are_usage_errors(code, capsys):
    assert main(["explain", code]) == 2
