"""judge: one Yes/No question per (principle, case), the form the labeling engine scores.

Every prompt for one principle starts with the same instructions and principle text,
so a labeler can compute that prefix once and reuse it for all of the principle's cases.
The few-shot form puts the principle's own examples in that shared prefix; the
likelihood form asks no question at all (see constc.label.methods).
"""

from __future__ import annotations

from constc.targets import dumps_jsonl

NAME = "judge"
ANSWER_TOKENS = [" Yes", " No"]  # the first one means "violates"
FEW_SHOT_MAX = 6                 # examples per principle in the few-shot prefix


def few_shot_examples(comp, p, case=None) -> list[dict]:
    """The principle's examples in this locale, as worked judge questions; never the case
    itself (an example is also an eval case, and must not be shown its own answer)."""
    out = []
    for ex in p.examples:
        if not comp.in_locale(ex.locale):
            continue
        if case is not None and ex.prompt == case.prompt and ex.response == case.response:
            continue
        out.append({"conversation": comp.render("conversation.j2", turns=_turns(ex.prompt, ex.response)),
                    "has_response": ex.response is not None, "answer": "Yes" if ex.label == "violates" else "No"})
    return out[:FEW_SHOT_MAX]


def _turns(prompt, response):
    from constc.evalcases import Turn

    out = [Turn(role="user", content=prompt)]
    return out + [Turn(role="assistant", content=response)] if response is not None else out


def judge_prompt(comp, p, case, few_shot: bool = False) -> str:
    return comp.render("judge.j2", principle=p, conversation=comp.conversation(case, case.response),
                       has_response=case.response is not None,
                       examples=few_shot_examples(comp, p, case) if few_shot else [])


def likelihood_prompt(comp, p, case) -> str:
    """The user's turn, with the principle stated before it (p) or not (None)."""
    request = comp.conversation(case) if case.history else case.prompt
    return comp.render("likelihood.j2", principle=p, request=request)


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
