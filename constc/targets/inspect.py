"""inspect: the eval cases as an Inspect AI dataset (`inspect_ai.dataset.json_dataset`).

One Sample per single-response or prompt-only case: `input` is the conversation as chat
messages (the response, when there is one, last), `target` the expected label
("violates" / "complies"), `id` the case's ID (with its mutation), and `metadata` what
traces a score back to the constitution: the principle IDs, locale, constitution,
version, revision, the parent case and the mutation operator.
"""

from __future__ import annotations

from constc.targets import dumps_jsonl
from constc.targets.policy import messages

NAME = "inspect"


def sample(comp, case) -> dict:
    return {"id": case.id, "input": messages(case), "target": case.expected,
            "metadata": {"principle_ids": list(case.principles), "case_id": case.parent or case.id,
                         "mutation": case.mutation, "tags": list(case.tags), **comp.stamp(),
                         "locale": case.locale or comp.effective_locale}}


def build(comp) -> dict[str, str]:
    cases = [c for c in comp.cases if c.responses is None and not c.needs_translation]
    return {"inspect/dataset.jsonl": dumps_jsonl(sample(comp, c) for c in cases)}
