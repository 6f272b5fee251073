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
    # Only original prompts train: a mutated prompt (a jailbreak wrapper, a translation) was
    # never answered by the case's response, and pairing the two would teach a model to
    # ignore what it was asked. Mutations belong to the eval and guard-robustness sets.
    usable = [c for c in comp.cases if not c.needs_translation and c.mutation is None]
    sft = [{"messages": _messages(c, c.response), **_stamp(comp, c)}
           for c in usable if c.expected == "complies" and c.response is not None]
    pref = []
    for c in usable:
        if c.responses is not None:
            a, b = c.responses
            chosen, rejected = (a, b) if c.expected == "A" else (b, a)
            pref.append({"prompt": _messages(c), "chosen": [{"role": "assistant", "content": chosen}],
                         "rejected": [{"role": "assistant", "content": rejected}], **_stamp(comp, c)})
    files, counts = {}, {}
    for name, rows in (("sft", sft), ("preference", pref)):
        for part in ("train", "test"):
            chosen_rows = [r for r in rows if r["split"] == part]
            if chosen_rows:  # an empty split is left out: `datasets` cannot load an empty file
                files[f"dataset/{name}.{part}.jsonl"] = dumps_jsonl(chosen_rows)
                counts[(name, part)] = len(chosen_rows)
    files["dataset/README.md"] = card(comp, counts)
    return files


def card(comp, counts: dict[tuple[str, str], int]) -> str:
    """The dataset card: YAML metadata `datasets.load_dataset(folder, config)` reads (one
    config per kind of row, its splits), then what the rows are and where they came from."""
    h = comp.header
    lines = ["---", f"license: {comp.ctx.project.config.compile.license}", "configs:"]
    for name in ("sft", "preference"):
        parts = [part for part in ("train", "test") if (name, part) in counts]
        if not parts:
            continue
        lines += [f"  - config_name: {name}"] + (["    default: true"] if name == "sft" else []) + \
            ["    data_files:"] + [f"      - split: {part}\n        path: {name}.{part}.jsonl" for part in parts]
    lines += ["constc:", f"  constitution: {h.name}", f"  version: \"{h.version}\"",
              f"  revision: {comp.revision or 'none'}{' (dirty)' if comp.dirty else ''}",
              f"  locale: {comp.effective_locale}",
              "  principles: [" + ", ".join(p.id for p in comp.principles) + "]", "---", "",
              f"# {h.name} {h.version}: training rows compiled by constc", "",
              "Compiled from the constitution's eval cases; every row names the principles, constitution "
              "version and git revision it came from. `sft`: a prompt with a response that complies. "
              "`preference`: a prompt with a chosen and a rejected response. Mutated prompts (jailbreak "
              "wrappers, translations) are not here: their responses were written for the original prompt. "
              "The split is a stable hash of the case, so a case never appears in both.", "",
              "| config | split | rows |", "| --- | --- | --- |"]
    lines += [f"| {name} | {part} | {n} |" for (name, part), n in sorted(counts.items())]
    if not counts:
        lines.append("| — | — | 0 |")
    return "\n".join(lines) + "\n"
