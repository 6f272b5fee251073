"""promptfoo: a promptfoo config that tests a model against the constitution.

- Each principle is a reusable promptfoo policy `{id, name, text}` in a `policy` red-team
  plugin (its text the statement, its `example` blocks as grader examples). promptfoo
  wants a policy ID that is a UUID or 12 hexadecimal characters: constc derives it from
  the constitution's name and the principle ID, so it stays put across edits of the text.
- Each single-response or prompt-only eval case is a test: the prompt (earlier turns in
  `vars.history`), an `llm-rubric` per principle saying the output must comply with it,
  and `metadata` with the case, principle IDs, locale, version and revision. A test asks
  whether the model under test complies; the case's own reference response and its
  expected label are metadata (`reference_response`, `expected`), not the output graded.

The provider is promptfoo's `echo` so the file validates and runs offline; put the model
under test there. The file is JSON, which is YAML too.
"""

from __future__ import annotations

import hashlib

from constc.targets import dumps_json

NAME = "promptfoo"


def policy_id(comp, pid: str) -> str:
    return hashlib.sha256(f"{comp.header.name}\0{pid}".encode()).hexdigest()[:12]


def rubric(p) -> str:
    return f"The output complies with principle {p.id} ({p.title}): {' '.join(p.statement.split())}"


def plugin(comp, p) -> dict:
    examples = [{"output": ex.response, "pass": ex.label == "complies", "score": 1 if ex.label == "complies" else 0,
                 "reason": f"{'complies with' if ex.label == 'complies' else 'violates'} {p.id}"}
                for ex in p.examples if ex.response is not None and comp.in_locale(ex.locale)]
    config: dict = {"policy": {"id": policy_id(comp, p.id), "name": f"{p.id}: {p.title}",
                               "text": " ".join(p.statement.split())}}
    if examples:
        config["graderExamples"] = examples
    return {"id": "policy", "config": config}


def build(comp) -> dict[str, str]:
    tests = []
    for case in comp.cases:
        if case.responses is not None or case.needs_translation:
            continue
        named = [comp.by_id[pid] for pid in case.principles if pid in comp.by_id]
        history = [{"role": t.role, "content": t.content} for t in case.history]
        tests.append({
            "description": case.id,
            "vars": {"prompt": case.prompt, **({"history": history} if history else {})},
            "assert": [{"type": "llm-rubric", "value": rubric(p), "metric": p.id} for p in named],
            "metadata": {"case_id": case.parent or case.id, "mutation": case.mutation,
                         "principle_ids": [p.id for p in named], "expected": case.expected,
                         "reference_response": case.response, **comp.stamp(),
                         "locale": case.locale or comp.effective_locale}})
    config = {
        "description": f"{comp.header.name} {comp.header.version} ({comp.effective_locale}), compiled by constc",
        "prompts": ["{{prompt}}"],
        "providers": ["echo"],
        "tests": tests,
        "redteam": {"purpose": f"An AI assistant governed by the {comp.header.name} constitution.",
                    "plugins": [plugin(comp, p) for p in comp.by_priority()]},
    }
    return {"promptfoo/promptfooconfig.json": dumps_json(config)}
