"""safeguard: gpt-oss-safeguard, the policy as the system message.

One policy per top-level category (harm, help, honesty...), laid out as the model's user
guide recommends: instructions with the output format, definitions, what violates (label
1, each rule under its principle ID), what is safe (label 0), and examples from the
principles' own `example` blocks, violating and complying ones side by side, the cases
closest to each rule's line. The answer is policy-referencing JSON,
`{"violation": 1, "policy_category": "HARM-01"}`, which maps straight back to an ID.

The model is a reasoning model in OpenAI's harmony format: the chat template takes
`reasoning_effort` (low, medium or high; [compile] safeguard_reasoning) and the answer
comes in the `final` channel after an `analysis` one. Labeling generates the answer and
parses it (constc.label.methods): a label, not a calibrated probability.
"""

from __future__ import annotations

import json
import re

from constc.ir.nodes import POLICY_EXAMPLES_PER_RULE
from constc.label import Chat
from constc.targets import dumps_jsonl
from constc.targets.policy import AnswerError, messages

NAME = "safeguard"
_FINAL = "<|channel|>final<|message|>"
_ENDS = ("<|return|>", "<|end|>", "<|call|>")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def policies(comp) -> dict[str, list]:
    """Top-level category -> its principles, most important first."""
    out: dict[str, list] = {}
    for p in comp.by_priority():
        out.setdefault(p.top_category, []).append(p)
    return out


def _examples(comp, principles) -> list[dict]:
    from constc.targets.judge import _turns

    out = []
    for p in principles:
        chosen = [ex for ex in p.examples if comp.in_locale(ex.locale)][:POLICY_EXAMPLES_PER_RULE]
        for ex in chosen:
            answer = {"violation": 1, "policy_category": p.id} if ex.label == "violates" else \
                {"violation": 0, "policy_category": None}
            out.append({"principle_id": p.id, "answer": json.dumps(answer),
                        "conversation": comp.render("conversation.j2", turns=_turns(ex.prompt, ex.response))})
    return out


def policy_text(comp, category: str, principles) -> str:
    ids = {p.id for p in principles}
    rules = [r for r in comp.ctx.constitution.precedences if r.winner in ids and r.loser in ids]
    return comp.render("safeguard_policy.j2", constitution=comp.header.name, category=category, principles=principles,
                       precedences=rules, examples=_examples(comp, principles))


def content(comp, case) -> list[dict]:
    """The content to classify: the conversation, as one user message (the policy says
    which turn is judged)."""
    return [{"role": "user", "content": comp.conversation(case, case.response)}]


def chat(comp, policy: str, case) -> Chat:
    effort = comp.ctx.project.config.compile.safeguard_reasoning
    return Chat.of([{"role": "system", "content": policy}, *content(comp, case)], {"reasoning_effort": effort})


def final_channel(text: str) -> str:
    """The answer in harmony's final channel, or the whole text from a model that has no
    channels. Raises AnswerError when the reasoning never reached a final answer."""
    if "<|channel|>" not in text:
        return text.strip()
    if _FINAL not in text:
        raise AnswerError("no final answer: the reasoning ended before the final channel (raise max_new_tokens)")
    answer = text.rsplit(_FINAL, 1)[1]
    for end in _ENDS:
        answer = answer.split(end, 1)[0]
    return answer.strip()


def parse_answer(text: str, rule_ids) -> list[str]:
    """The rule ID the answer names ([] for no violation), from the policy-referencing
    JSON the policy asks for. Raises AnswerError on anything else."""
    answer = final_channel(text)
    fenced = _FENCE.match(answer)
    try:
        value = json.loads(fenced.group(1) if fenced else answer)
    except ValueError:
        raise AnswerError(f"the answer is not JSON: {answer[:60]!r}") from None
    if not isinstance(value, dict) or "violation" not in value:
        raise AnswerError('the answer must be a JSON object with "violation"')
    violation = value["violation"]
    if violation not in (0, 1) or isinstance(violation, float):
        raise AnswerError(f'"violation" must be 0 or 1, not {violation!r}')
    category = value.get("policy_category")
    if violation == 0:
        return []
    if not isinstance(category, str) or category not in rule_ids:
        raise AnswerError(f'"policy_category" must name a rule of the policy, not {category!r}')
    return [category]


def build(comp) -> dict[str, str]:
    files, rows = {}, []
    texts = {cat: policy_text(comp, cat, ps) for cat, ps in policies(comp).items()}
    for cat, text in texts.items():
        files[f"safeguard/{cat}.policy.md"] = text
    by_id = {p.id: p.top_category for p in comp.principles}
    for case in comp.cases:
        if case.responses is not None or case.needs_translation:
            continue
        for cat in dict.fromkeys(by_id[pid] for pid in case.principles if pid in by_id):
            spec = chat(comp, texts[cat], case).spec
            # the policy is the system message; each row names its file rather than repeating it
            rows.append({"case_id": case.id, "mutation": case.mutation, "policy": f"{cat}.policy.md",
                         "messages": spec["messages"][1:], "chat_template_kwargs": spec["template_kwargs"],
                         "expected": case.expected,
                         "expected_ids": [pid for pid in case.principles if by_id.get(pid) == cat]
                         if case.expected == "violates" else [], **comp.stamp()})
    files["safeguard/prompts.jsonl"] = dumps_jsonl(rows)
    return files
