"""dataset: Hugging Face datasets-ready JSONL for trainers (SFT and preference rows).

The train/test split is chosen by a stable hash of the root case ID, so a case and all
its mutations land in the same split and the test set never leaks into training.
"""

from __future__ import annotations

import hashlib

from constc.targets import dumps_jsonl, turns

NAME = "dataset"
TEST_PERCENT = 10


def split(case) -> str:
    root = (case.parent or case.id).split("~", 1)[0]
    return "test" if int(hashlib.sha256(root.encode()).hexdigest(), 16) % 100 < TEST_PERCENT else "train"


def _messages(case, response=None):
    return [t.model_dump() for t in turns(case, response)]


def _stamp(comp, case) -> dict:
    return {**comp.stamp(case.principles[0]), "principle_ids": case.principles, "case_id": case.id,
            "mutation": case.mutation, "split": split(case)}


def build(comp) -> dict[str, str]:
    usable = [c for c in comp.cases if not c.needs_translation]
    sft = [{"messages": _messages(c, c.response), **_stamp(comp, c)}
           for c in usable if c.expected == "complies" and c.response is not None]
    pref = []
    for c in usable:
        if c.responses is not None:
            a, b = c.responses
            chosen, rejected = (a, b) if c.expected == "A" else (b, a)
            pref.append({"prompt": _messages(c), "chosen": [{"role": "assistant", "content": chosen}],
                         "rejected": [{"role": "assistant", "content": rejected}], **_stamp(comp, c)})
    files = {}
    for name, rows in (("sft", sft), ("preference", pref)):
        for part in ("train", "test"):
            files[f"dataset/{name}.{part}.jsonl"] = dumps_jsonl(r for r in rows if r["split"] == part)
    return files
