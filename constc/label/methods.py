"""Judge methods: how a (principle, case) becomes P(violation).

- `yesno`: the judge question, zero-shot; P(violation) = P(" Yes") normalised over
  " Yes" / " No".
- `fewshot`: the same question with the principle's own `example` blocks worked out in
  the shared prefix (free per case thanks to prefix reuse; a case never sees itself).
- `likelihood`: no question. Small models model text far better than they follow
  instructions, so ask how much stating the principle first lowers the likelihood of the
  response: LLR = log P(response | principle, request) - log P(response | request), and
  P(violation) = 1 / (1 + exp(LLR)), the posterior that the response came from the
  assistant not told the principle, at even prior odds. A prompt-only case is scored on a
  compliant opening line (`COMPLY_OPENER`): the question there is whether answering at
  all goes against the principle.

The judges that read a written policy (constc.targets.policy) are methods too, each
asked in its own format through the served model's own chat template:

- `granite` (Granite Guardian, the principle as custom criteria), `shieldgemma` (the
  principle as the guideline) and `nemoguard` (a one-category taxonomy): exact option
  scoring of the fixed answer each is trained to give, so P(violation) is the model's
  own probability of "yes" / "Yes" / "unsafe".
- `safeguard` (gpt-oss-safeguard, the principle's category policy as the system
  message): a reasoning model, so the answer is generated, greedily, and parsed; a case
  violates the principle when the answer names its ID. Its P(violation) is 0 or 1: a
  label, not a calibrated probability (docs/labeling.md says how regress reads it).

Each method returns the requests a case needs and how their answers combine into the
option probabilities a row reports; the labeling job caches every request by content.
"""

from __future__ import annotations

import math
from typing import Callable

from constc.label import LabelError, Request

METHODS = ("yesno", "fewshot", "likelihood", "granite", "shieldgemma", "nemoguard", "safeguard")
GENERATING = frozenset({"safeguard"})  # methods whose answers are parsed labels, not probabilities
# Chosen by measurement on our eval suite (docs/labeling.md, benchmarks/compare_methods.py):
# within-principle AUROC with the embedded default model, 576 pairs — yesno 0.33 (95% CI
# 0.28-0.38, below chance: it ranks backwards), fewshot 0.46 (0.41-0.51), likelihood 0.51
# (0.46-0.57). None beats chance with that model; likelihood is the best and the only one
# not worse than chance, so it is the default. Rerun the comparison for your own model.
DEFAULT_METHOD = "likelihood"
COMPLY_OPENER = "Sure, here is how to do that."

Build = Callable[[object], tuple[Request, ...]]
Reduce = Callable[[list[list[float]]], list[float]]


def first_answer(results: list[list[float]]) -> list[float]:
    """The reduce of a one-request method: its answer as it is."""
    return results[0]


def _likelihood(results: list[list[float]]) -> list[float]:
    llr = results[0][0] - results[1][0]   # with the principle minus without
    p = 1 / (1 + math.exp(min(max(llr, -700.0), 700.0)))
    return [p, 1 - p]


def judge(comp, p, method: str) -> tuple[Build, Reduce]:
    """(case -> requests, answers -> [P(violates), P(complies)]) for one principle."""
    from constc.targets import judge as target

    if method == "yesno":
        return (lambda c: (Request(target.judge_prompt(comp, p, c), tuple(target.ANSWER_TOKENS), f"judge:{p.id}"),),
                first_answer)
    if method == "fewshot":
        return (lambda c: (Request(target.judge_prompt(comp, p, c, few_shot=True), tuple(target.ANSWER_TOKENS),
                                   f"fewshot:{p.id}"),), first_answer)
    if method == "likelihood":
        def build(c):
            reply = (c.response if c.response is not None else COMPLY_OPENER,)
            return (Request(target.likelihood_prompt(comp, p, c), reply, f"likelihood:{p.id}", raw=True),
                    Request(target.likelihood_prompt(comp, None, c), reply, "likelihood:", raw=True))
        return build, _likelihood
    if method in ("granite", "shieldgemma", "nemoguard", "safeguard"):
        return _policy_judge(comp, p, method)
    raise LabelError(f"unknown judge method '{method}' ({', '.join(METHODS)})")


def _violating_share(results: list[list[float]]) -> list[float]:
    """nemoguard: the options meaning "unsafe" come first, one of two or two of four."""
    probs = results[0]
    p = sum(probs[:len(probs) // 2])
    return [p, 1 - p]


def _policy_judge(comp, p, method: str) -> tuple[Build, Reduce]:
    from constc.targets import granite, nemoguard, safeguard, shieldgemma

    if method == "granite":
        return (lambda c: (Request(granite.chat(comp, p, c), granite.OPTIONS, f"granite:{p.id}"),), first_answer)
    if method == "shieldgemma":
        return (lambda c: (Request(shieldgemma.chat(comp, p, c), shieldgemma.OPTIONS, f"shieldgemma:{p.id}"),),
                first_answer)
    if method == "nemoguard":
        code = next((c["code"] for c in nemoguard.categories(comp) if c["principle_id"] == p.id), "S1")
        cats = [{"code": code, "principle_id": p.id, "title": p.title, "description": p.statement}]
        return (lambda c: (Request(nemoguard.chat(comp, cats, c), nemoguard.options(c), f"nemoguard:{p.id}"),),
                _violating_share)
    # safeguard: the policy of p's category, with p as given (the control principle replaces it)
    category = p.top_category
    rules = [p if q.id == p.id else q for q in safeguard.policies(comp).get(category, [p])]
    policy = safeguard.policy_text(comp, category, rules)
    ids = {q.id for q in rules}
    budget = comp.ctx.project.config.label.max_new_tokens

    def reduce(answers: list) -> list[float]:
        return [1.0, 0.0] if p.id in safeguard.parse_answer(answers[0], ids) else [0.0, 1.0]

    return (lambda c: (Request(safeguard.chat(comp, policy, c), (), f"safeguard:{category}", generate=budget),),
            reduce)


def judge_method(ctx, method: str | None = None) -> str:
    """`method`, else [label] method in constc.toml, else the default method."""
    return method or ctx.project.config.label.method or DEFAULT_METHOD
