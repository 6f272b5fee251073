"""Every lint rule fires on the failing example of its own documentation and not on the
passing one; suppressions and configuration."""

import pytest

from constc.config import find_project
from constc.lint import all_rules
from constc.passes import compile_project

RULES = all_rules()


def lint(project, text, config=""):
    """An example is main.const, plus any further files after `# file: NAME` lines."""
    files, name = {"main.const": ""}, "main.const"
    for line in text.splitlines(keepends=True):
        if line.startswith("# file: "):
            name = line.removeprefix("# file: ").strip()
            files[name] = ""
        else:
            files[name] += line
    root = project(files, config=config or '[project]\nroot = "main.const"\n')
    return compile_project(find_project(root))


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_documents_failing_and_passing_examples(code, project):
    rule = RULES[code]
    assert rule.summary and rule.example("bad") and rule.example("good"), "docstring needs both examples"
    bad = lint(project, rule.example("bad"))
    assert code in {d.code for d in bad.diagnostics}, f"{code} did not fire on its failing example"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_quiet_on_passing_example(code, project):
    good = lint(project, RULES[code].example("good"))
    assert code not in {d.code for d in good.diagnostics}
    assert not [d for d in good.diagnostics if d.code.startswith("E")]


def test_codes_never_look_like_principle_ids():
    from constc.diagnostics.model import RESERVED
    from constc.lint.rules.l002_id_format import ID_FORMAT

    for code in [*RULES, *RESERVED]:
        assert not ID_FORMAT.match(code) and "-" not in code


BASE = 'constitution c { version "1.0.0" }\n'
TIE = BASE + ('principle HARM-01 "A" {{ category harm priority 10 statement "a" {ex} }}{trail}\n'
              'principle HARM-02 "B" {{ category harm priority 10 statement "b" {ex} }}\n')
EX = 'example complies { prompt "q" }'
NO_L020 = '[project]\nroot = "main.const"\n[lint]\ndisable = ["L020"]\n'  # one example a category is thin


def test_suppression_on_the_line(project):
    ctx = lint(project, BASE + f'principle HARM-01 "A" {{ category harm priority 10 statement "a" {EX} }}\n'
               f'principle HARM-02 "B" {{ category harm priority 10 statement "b" {EX} }}  # constc: disable=L004\n')
    assert "L004" not in {d.code for d in ctx.diagnostics}
    assert "L011" not in {d.code for d in ctx.diagnostics}


def test_suppression_covers_the_next_block(project):
    ctx = lint(project, BASE + '# constc: disable=L010, L003\nprinciple HARM-01 "A" {\n category harm\n'
               ' statement "a"\n}\nprinciple HARM-02 "B" {\n category x\n statement "b"\n}\n')
    found = [(d.code, d.span.line) for d in ctx.diagnostics]
    assert ("L010", 3) not in found and ("L003", 3) not in found
    assert ("L010", 7) in found and ("L003", 7) in found


def test_unused_suppression(project):
    ctx = lint(project, BASE + f'principle HARM-01 "A" {{ category h priority 10 statement "a" {EX} }}'
               '  # constc: disable=L004\n', NO_L020)
    assert [d.code for d in ctx.diagnostics] == ["L011"]


def test_config_disables_and_regrades(project):
    text = BASE + 'principle HARM-01 "A" { category h priority 10 statement "a" }\n'
    assert [d.severity.value for d in lint(project, text).diagnostics] == ["warning"]
    cfg = '[project]\nroot = "main.const"\n[lint]\ndisable = ["L010"]\n'
    assert lint(project, text, cfg).diagnostics == []
    cfg = '[project]\nroot = "main.const"\n[lint.severity]\nL010 = "error"\n'
    assert [d.severity.value for d in lint(project, text, cfg).diagnostics] == ["error"]


def test_precedence_breaks_tie_transitively(project):
    ctx = lint(project, BASE + f'principle HARM-01 "A" {{ category harm priority 10 statement "a" {EX} }}\n'
               f'principle HARM-02 "B" {{ category harm priority 10 statement "b" {EX} }}\n'
               f'principle HARM-03 "C" {{ category other priority 10 statement "c" {EX} }}\n'
               'HARM-01 over HARM-03\nHARM-03 over HARM-02\n')
    assert "L004" not in {d.code for d in ctx.diagnostics}


def test_longer_precedence_cycle(project):
    ctx = lint(project, BASE + "".join(
        f'principle HARM-0{i} "{i}" {{ category c{i} priority 10 statement "s" {EX} }}\n' for i in (1, 2, 3))
        + "HARM-01 over HARM-02\nHARM-02 over HARM-03\nHARM-03 over HARM-01\n", NO_L020)
    assert [d.code for d in ctx.diagnostics] == ["L005"]


def test_misspelt_suppressions_are_reported_not_ignored(project):
    ctx = lint(project, 'constitution c { version "1.0.0" }\n# constc disable=L010\n'
               'principle HARM-01 "x" { category harm priority 10 statement "Avoid crime." }  # constc: disable=L0l0\n')
    found = sorted((d.code, d.span.line, d.message) for d in ctx.diagnostics)
    assert found == [("L010", 3, "principle HARM-01 has no example and no eval case"),
                     ("L011", 2, "malformed suppression comment; it suppresses nothing"),
                     ("L011", 3, "suppression of unknown rule L0L0 (did you mean L010?)")]


def test_boundary_examples_count_what_the_policy_shows(project):
    """L020 counts the examples `compile -t safeguard` writes: the first four of a rule.
    Five violating examples before the complying one leave the policy none that complies,
    though the principle has one (so L019 is quiet)."""
    violating = " ".join(f'example violates v{i} {{ prompt "q{i}" }}' for i in range(5))
    text = BASE + (f'principle HARM-01 "A" {{ category harm.a priority 10 statement "a" {violating} '
                   'example complies c { prompt "ok" } }\n')
    found = [d for d in lint(project, text).diagnostics if d.code in ("L019", "L020")]
    assert [(d.code, d.message) for d in found] == [
        ("L020", "the harm policy shows 4 violating and 0 complying examples; [lint] policy_examples asks for 2 of each")]
    pair = 'example violates v { prompt "q" } example complies c { prompt "ok" }'
    two = BASE + "".join(f'principle HARM-0{i} "A" {{ category harm.x{i} priority {i} statement "a" {pair} }}\n'
                         for i in (1, 2))
    assert "L020" not in {d.code for d in lint(project, two).diagnostics}
    strict = '[project]\nroot = "main.const"\n[lint]\npolicy_examples = 3\n'
    assert "L020" in {d.code for d in lint(project, two, strict).diagnostics}
