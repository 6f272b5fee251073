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

Each method returns the requests a case needs and how their answers combine into the
option probabilities a row reports; the labeling job caches every request by content.
"""

from __future__ import annotations

import math
from typing import Callable

from constc.label import LabelError, Request

METHODS = ("yesno", "fewshot", "likelihood")
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
    raise LabelError(f"unknown judge method '{method}' ({', '.join(METHODS)})")


def judge_method(ctx, method: str | None = None) -> str:
    """`method`, else [label] method in constc.toml, else the default method."""
    return method or ctx.project.config.label.method or DEFAULT_METHOD
