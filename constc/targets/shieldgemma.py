"""shieldgemma: ShieldGemma, one principle per call as its guideline.

The model card's call is `apply_chat_template(messages, guideline=...)`, with a guideline
written `"Name": description`; the template asks whether the last message violates it,
and the model's first token is `Yes` or `No`. Labeling compares those two tokens:
P(violation) is P(Yes) normalised over Yes and No, as the model card computes it.
"""

from __future__ import annotations

import re

from constc.label import Chat
from constc.targets import dumps_jsonl
from constc.targets.policy import AnswerError, messages, pairs, row

NAME = "shieldgemma"
OPTIONS = ("Yes", "No")  # the first one means "violates"
_FIRST = re.compile(r"\s*([A-Za-z]+)")


def guideline(comp, p) -> str:
    return comp.render("shieldgemma_guideline.j2", principle=p).strip()


def chat(comp, p, case) -> Chat:
    return Chat.of(messages(case), {"guideline": guideline(comp, p)}, generation_prompt=False)


def parse_answer(text: str, principle_id: str) -> list[str]:
    """[principle_id] when the answer starts with Yes, [] with No (the reasoning the
    template asks for may follow)."""
    first = _FIRST.match(text)
    word = first.group(1) if first else ""
    if word.lower() not in ("yes", "no"):
        raise AnswerError(f"the answer must start with Yes or No, not {text.strip()[:40]!r}")
    return [principle_id] if word.lower() == "yes" else []


def build(comp) -> dict[str, str]:
    return {"shieldgemma/prompts.jsonl": dumps_jsonl(row(comp, p, case, chat(comp, p, case))
                                                     for p, case in pairs(comp))}
