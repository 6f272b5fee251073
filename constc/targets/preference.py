"""preference: RL-CAI multiple-choice prompts, per principle and for the whole constitution.

The label is read from the probabilities of the answer tokens `" (A)"` and `" (B)"` after
"The answer is:"; responses are untrusted text and are defanged (constc.render.safety).
"""

from __future__ import annotations

from constc.targets import dumps_jsonl

NAME = "preference"
ANSWER_TOKENS = [" (A)", " (B)"]


def principle_prompt(comp, p, case) -> str:
    a, b = case.responses
    return comp.render("preference.j2", conversation=comp.conversation(case), question=comp.compare_text(p),
                  response_a=a, response_b=b)


def principles_block(comp) -> str:
    """The whole constitution in priority order with its precedence rules (shared by all cases)."""
    return comp.render("preference_principles.j2", principles=comp.by_priority(),
                  precedences=comp.ctx.constitution.precedences).rstrip("\n")


def constitution_prompt(comp, case, block: str) -> str:
    a, b = case.responses
    return comp.render("preference_constitution.j2", conversation=comp.conversation(case),
                  principles_block=block, response_a=a, response_b=b)


def rows(comp):
    pairs = [c for c in comp.cases if c.responses is not None and not c.needs_translation]
    for p in comp.by_priority():
        for case in pairs:
            if p.id in case.principles:
                yield {"variant": "principle", "case_id": case.id, "mutation": case.mutation,
                       "prompt": principle_prompt(comp, p, case), "answer_tokens": ANSWER_TOKENS,
                       "expected": case.expected, **comp.stamp(p.id)}
    block = principles_block(comp)
    for case in pairs:
        yield {"variant": "constitution", "case_id": case.id, "mutation": case.mutation,
               "principle_ids": case.principles, "prompt": constitution_prompt(comp, case, block),
               "answer_tokens": ANSWER_TOKENS, "expected": case.expected, **comp.stamp()}


def build(comp) -> dict[str, str]:
    return {"preference/prompts.jsonl": dumps_jsonl(rows(comp))}
