"""judge: one Yes/No question per (principle, case), the form the labeling engine scores.

Every prompt for one principle starts with the same instructions and principle text,
so a labeler can compute that prefix once and reuse it for all of the principle's cases.
"""

from __future__ import annotations

from constc.targets import dumps_jsonl

NAME = "judge"
ANSWER_TOKENS = [" Yes", " No"]  # the first one means "violates"


def judge_prompt(comp, p, case) -> str:
    return comp.render("judge.j2", principle=p, conversation=comp.conversation(case, case.response),
                  has_response=case.response is not None)


def judge_pairs(comp):
    """(principle, case) for every single-response or prompt-only case, by principle."""
    cases = [c for c in comp.cases if c.responses is None and not c.needs_translation]
    for p in comp.principles:
        for case in cases:
            if p.id in case.principles:
                yield p, case


def build(comp) -> dict[str, str]:
    rows = ({"case_id": case.id, "mutation": case.mutation, "prompt": judge_prompt(comp, p, case),
             "answer_tokens": ANSWER_TOKENS, "expected": case.expected, **comp.stamp(p.id)}
            for p, case in judge_pairs(comp))
    return {"judge/prompts.jsonl": dumps_jsonl(rows)}
