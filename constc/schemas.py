"""JSON Schemas of the files people write by hand, generated from the pydantic models that
`constc check` validates them with, so an editor and the tool cannot disagree:
`constc schema --config` (constc.toml) and `--evalcase` (one line of evalcases/*.jsonl).
editors/vscode/schemas/ holds the generated files; a test keeps them current."""

from __future__ import annotations

import json

from constc.config import Config
from constc.evalcases import EvalCase

BASE = "https://constc.dev/schemas/"


# ProjectSection._inside as a pattern: relative, no `..` segment, not empty, `.` or `/`
RELATIVE_PATH = r"^(?![/\\])(?![A-Za-z]:)(?!(.*[/\\])?\.\.([/\\]|$))(?!\s*[./]?\s*$)"


def config_schema() -> dict:
    """The checks written as Python validators are added as schema keywords: lint codes
    as an enum, project paths as a pattern."""
    from constc.lint import all_rules

    schema = Config.model_json_schema()
    defs = schema["$defs"]
    codes = sorted(all_rules())
    defs["LintSection"]["properties"]["disable"]["items"]["enum"] = codes
    defs["LintSection"]["properties"]["severity"]["propertyNames"] = {"enum": codes}
    for name in ("root", "locales", "evalcases", "templates"):
        defs["ProjectSection"]["properties"][name]["pattern"] = RELATIVE_PATH
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + "constc.toml.schema.json",
            **schema, "title": "constc.toml",
            "description": "The constc project configuration (docs/editors.md)."}


def evalcase_schema() -> dict:
    schema = EvalCase.model_json_schema()
    for name in EvalCase.INTERNAL:  # refused in a case file (constc.evalcases)
        schema["properties"].pop(name, None)
    schema["$defs"] = {k: v for k, v in schema.get("$defs", {}).items() if k != "Span"}
    # EvalCase's own check (`_shape`): a response pair expects A or B, a single response a label
    pair = {"required": ["responses"], "properties": {"responses": {"type": "array"}}}
    schema["allOf"] = [{"if": pair, "then": {"properties": {"expected": {"enum": ["A", "B"]}}},
                        "else": {"properties": {"expected": {"enum": ["violates", "complies"]}}}}]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": BASE + "evalcase.schema.json",
            **schema, "title": "constc eval case",
            "description": "One line of evalcases/*.jsonl (docs/labeling.md)."}


def ir_schema() -> dict:
    from constc.ir.nodes import Constitution

    return Constitution.model_json_schema()


SCHEMAS = {"config": ("constc.toml.schema.json", config_schema), "evalcase": ("evalcase.schema.json", evalcase_schema),
           "ir": ("ir.schema.json", ir_schema)}


def text(kind: str) -> str:
    return json.dumps(SCHEMAS[kind][1](), indent=2, ensure_ascii=False) + "\n"
