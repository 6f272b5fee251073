"""granite: Granite Guardian 3.3 with one principle as its custom criteria.

The model card's call is `apply_chat_template(messages, guardian_config={"custom_criteria":
...}, think=False, add_generation_prompt=True)`; the model answers `<score> yes </score>`
when the last message meets the criteria (a risk) and `<score> no </score>` when it does
not, after a `<think>...</think>` trace in thinking mode. Labeling scores " yes" against
" no" after the fixed opening `<score>`: P(violation) is P(yes) normalised over the two.
"""

from __future__ import annotations

import re

from constc.label import Chat
from constc.targets import dumps_jsonl
from constc.targets.policy import AnswerError, judged, messages, pairs, row

NAME = "granite"
REPLY_PREFIX = "<score>"
OPTIONS = (" yes", " no")  # the first one means "violates"
_SCORE = re.compile(r"<score>\s*(\S*?)\s*</score>", re.I)


def criteria(comp, p, case) -> str:
    return comp.render("granite_criteria.j2", principle=p, role=judged(case))


def chat(comp, p, case, think: bool = False) -> Chat:
    return Chat.of(messages(case), {"guardian_config": {"custom_criteria": criteria(comp, p, case)}, "think": think},
                   reply_prefix="" if think else REPLY_PREFIX)


def parse_answer(text: str, principle_id: str) -> list[str]:
    """[principle_id] for `<score> yes </score>`, [] for no; one score, after any reasoning."""
    scores = _SCORE.findall(text)
    if not scores:
        raise AnswerError("no <score> ... </score> in the answer")
    if len(scores) > 1:
        raise AnswerError(f"{len(scores)} <score> tags in one answer")
    verdict = scores[0].lower()
    if verdict not in ("yes", "no"):
        raise AnswerError(f"the score must be yes or no, not {scores[0]!r}")
    return [principle_id] if verdict == "yes" else []


def build(comp) -> dict[str, str]:
    return {"granite/prompts.jsonl": dumps_jsonl(row(comp, p, case, chat(comp, p, case))
                                                 for p, case in pairs(comp))}
