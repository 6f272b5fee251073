"""evals: every eval case for the chosen locale, examples and suites, with mutations."""

from __future__ import annotations

import hashlib

from constc.evalcases import EvalCase
from constc.targets import dumps_jsonl

NAME = "evals"


def _example_cases(comp) -> list[EvalCase]:
    cases = []
    for p in comp.principles:
        named = []
        for n, ex in enumerate(p.examples, start=1):
            if not comp.in_locale(ex.locale):
                continue
            name = ex.name or f"ex{n}"
            named.append((name, ex))
            cases.append(EvalCase(id=f"{p.id}/{name}", principles=[p.id], locale=ex.locale or comp.effective_locale,
                                  prompt=ex.prompt, response=ex.response, expected=ex.label,
                                  tags=["example"], source=ex.span))
        # a violating and a complying answer to one prompt make a preference pair
        for vname, v in named:
            for cname, c in named:
                if v.label == "violates" and c.label == "complies" and v.prompt == c.prompt \
                        and v.response is not None and c.response is not None:
                    cid = f"{p.id}/{vname}-vs-{cname}"
                    swap = hashlib.sha256(cid.encode()).digest()[0] % 2 == 1  # balance positions
                    pair = (v.response, c.response) if swap else (c.response, v.response)
                    cases.append(EvalCase(id=cid, principles=[p.id], locale=v.locale or comp.effective_locale,
                                          prompt=v.prompt, responses=pair, expected="B" if swap else "A",
                                          tags=["example", "pair"], source=v.span))
    return cases


def collect_cases(comp) -> list[EvalCase]:
    """Examples of the resolved principles, then the suites' cases for this locale."""
    cases = _example_cases(comp)
    for case in comp.ctx.evalcases:
        if not comp.in_locale(case.locale):
            continue
        known = [pid for pid in case.principles if pid in comp.by_id]
        if known:
            cases.append(case.model_copy(update={"principles": known,
                                                 "locale": case.locale or comp.effective_locale}))
    return cases


def case_row(comp, case: EvalCase) -> dict:
    row = case.model_dump(exclude_none=True)
    if case.source is not None:
        row["source"] = f"{case.source.file}:{case.source.line}"
    return {**row, **{k: v for k, v in comp.stamp().items() if k != "locale"}}


def build(comp) -> dict[str, str]:
    return {"evals/cases.jsonl": dumps_jsonl(case_row(comp, c) for c in comp.cases)}
