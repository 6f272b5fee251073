"""JSON Schemas (constc schema --config / --evalcase): the committed files are current, and
the schema and `constc check` accept and refuse the same inputs."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from constc.config import ConfigError, parse_config
from constc.evalcases import parse_evalcases
from constc.schemas import SCHEMAS, config_schema, evalcase_schema, text

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "editors" / "vscode" / "schemas"


@pytest.mark.parametrize("kind", ["config", "evalcase"])
def test_committed_schemas_are_current(kind, golden):
    golden(FOLDER / SCHEMAS[kind][0], text(kind))


CONFIGS = [
    ("", True),
    ((ROOT / "constc.toml").read_text(), True),
    ('[project]\nroot = "c/root.const"\nmax_file_bytes = 1024\n', True),
    ('[project]\nroot = "../outside.const"\n', False),
    ('[project]\nroot = "/etc/passwd"\n', False),
    ('[project]\nlocales = "C:/locales"\n', False),
    ('[project]\nevalcases = "."\n', False),
    ('[project]\nevalcases = "cases/./more"\n', True),
    ('[project]\nmax_file_bytes = 0\n', False),
    ('[project]\nroot_file = "x"\n', False),
    ('[lint]\ndisable = ["L010"]\nfail_on = "error"\n', True),
    ('[lint]\ndisable = ["L999"]\n', False),
    ('[lint.severity]\nL004 = "error"\n', True),
    ('[lint.severity]\nL004 = "fatal"\n', False),
    ('[lint.severity]\nL04 = "error"\n', False),
    ('[label]\nthresholds = { "HARM-01" = 0.3 }\n', True),
    ('[label]\nthresholds = { "HARM-01" = 1.5 }\n', False),
    ('[label]\nmethod = "vibes"\n', False),
    ('[label]\nbackend = "vllm"\nbase_url = "http://127.0.0.1:8000/v1"\n', True),
    ('[regress]\nalpha = 1\n', False),
    ('[regress]\non_inconclusive = "fail"\nmin_cases = 3\n', True),
    ('[diff]\nfail_level = "TEXT"\nignore = ["TAGS_CHANGED"]\n', True),
    ('[diff]\nfail_level = "LOUD"\n', False),
    ('[translations]\npending = ["fr-FR"]\n', True),
    ('[colour]\nred = true\n', False),
]


@pytest.mark.parametrize("toml_text,valid", CONFIGS)
def test_config_schema_agrees_with_check(toml_text, valid):
    try:
        parse_config(toml_text, "constc.toml")
        by_check = True
    except ConfigError:
        by_check = False
    by_schema = jsonschema.Draft202012Validator(config_schema()).is_valid(tomllib.loads(toml_text))
    assert (by_check, by_schema) == (valid, valid)


CASES = [
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "response": "r", "expected": "violates"}, True),
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "responses": ["x", "y"], "expected": "A"}, True),
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "responses": ["x", "y"], "expected": "complies"}, False),
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "response": "r", "expected": "B"}, False),
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "responses": ["x"], "expected": "A"}, False),
    ({"id": "", "principles": ["HARM-01"], "prompt": "p", "expected": "complies"}, False),
    ({"id": "a", "principles": [], "prompt": "p", "expected": "complies"}, False),
    ({"id": "a", "principles": ["HARM-01"], "expected": "complies"}, False),
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "expected": "complies", "colour": 1}, False),
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "expected": "complies", "mutation": "x"}, False),
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "expected": "complies", "locale": "de-DE",
      "history": [{"role": "user", "content": "hi"}], "tags": ["t"]}, True),
    ({"id": "a", "principles": ["HARM-01"], "prompt": "p", "expected": "complies",
      "history": [{"role": "system", "content": "hi"}]}, False),
]


@pytest.mark.parametrize("case,valid", CASES)
def test_evalcase_schema_agrees_with_check(case, valid):
    _, diags = parse_evalcases(json.dumps(case), "evalcases/x.jsonl")
    by_schema = jsonschema.Draft202012Validator(evalcase_schema()).is_valid(case)
    assert (not diags, by_schema) == (valid, valid)


def test_every_sample_case_is_valid_by_the_schema():
    validator = jsonschema.Draft202012Validator(evalcase_schema())
    lines = [ln for f in sorted((ROOT / "evalcases").glob("*.jsonl")) for ln in f.read_text().splitlines() if ln]
    assert lines and all(validator.is_valid(json.loads(ln)) for ln in lines)
