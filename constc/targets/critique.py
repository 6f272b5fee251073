"""critique: SL-CAI critique and revision requests, in three layouts trainers read."""

from __future__ import annotations

from constc.targets import dumps_json, dumps_jsonl

NAME = "critique"


def anthropic_entry(critique: str, revision: str) -> dict:
    """The layout of Anthropic's published CAI prompts (role markers and blank lines included)."""
    return {"prompt": [f"\n\nCritiqueRequest: {critique}\n\nCritique:"],
            "edit_request": f"\n\nRevisionRequest: {revision}\n\nRevision:"}


def _pairs(comp, p):
    examples = [e for e in p.examples if comp.in_locale(e.locale) and e.response is not None]
    for v in (e for e in examples if e.label == "violates"):
        for c in (e for e in examples if e.label == "complies" and e.prompt == v.prompt):
            yield v, c


def hf_layout(comp) -> dict:
    """The layout of Hugging Face's CAI recipe: critic/revision pairs and few-shot chats."""
    chats = []
    for p in comp.principles:
        for v, c in _pairs(comp, p):
            chats.append([
                {"role": "user", "content": v.prompt},
                {"role": "assistant", "content": v.response},
                {"role": "user", "content": comp.critique_text(p)},
                {"role": "assistant", "content": comp.render("critique_answer.j2", principle=p)},
                {"role": "user", "content": comp.revision_text(p)},
                {"role": "assistant", "content": c.response},
            ])
    return {"constitutions": [{"critic": comp.critique_text(p), "revision": comp.revision_text(p)}
                              for p in comp.principles],
            "system_chat": chats}


def message_rows(comp):
    for p in comp.principles:
        for n, ex in enumerate(p.examples, start=1):
            if ex.response is None or not comp.in_locale(ex.locale):
                continue
            yield {"messages": [{"role": "user", "content": ex.prompt},
                                {"role": "assistant", "content": ex.response},
                                {"role": "user", "content": comp.critique_text(p)}],
                   "revision_request": comp.revision_text(p),
                   "example": ex.name or f"ex{n}", "label": ex.label, **comp.stamp(p.id)}


def build(comp) -> dict[str, str]:
    anthropic = {p.id: anthropic_entry(comp.critique_text(p), comp.revision_text(p)) for p in comp.principles}
    return {
        "critique/anthropic.json": dumps_json(anthropic),
        "critique/hf.json": dumps_json(hf_layout(comp)),
        "critique/messages.jsonl": dumps_jsonl(message_rows(comp)),
    }
