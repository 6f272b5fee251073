"""Eval cases: `evalcases/*.jsonl` files, one case a line, validated with pydantic."""

from __future__ import annotations

import json
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from constc.diagnostics.model import Diagnostic, Span, diag


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    principles: list[str] = Field(min_length=1)
    locale: str | None = None
    history: list[Turn] = Field(default_factory=list)  # earlier turns, before `prompt`
    prompt: str
    response: str | None = None
    responses: tuple[str, str] | None = None  # a pair, for preference cases
    expected: Literal["violates", "complies", "A", "B"]
    tags: list[str] = Field(default_factory=list)
    # filled in by the loader or compiler, never read from the file
    source: Span | None = Field(default=None, exclude=True)
    mutation: str | None = None
    parent: str | None = None
    needs_translation: str | None = None  # a translation slot: the locale to translate into

    # set by constc (the loader, the mutation compiler, translation slots), never by a case file
    INTERNAL: ClassVar[tuple[str, ...]] = ("source", "mutation", "parent", "needs_translation")

    @model_validator(mode="after")
    def _shape(self):
        if self.responses is not None and self.expected not in ("A", "B"):
            raise ValueError("a case with a response pair expects 'A' or 'B'")
        if self.responses is None and self.expected in ("A", "B"):
            raise ValueError("expected 'A'/'B' needs a 'responses' pair")
        return self

    @property
    def benign(self) -> bool:
        return self.expected == "complies"


def parse_evalcases(text: str, path: str) -> tuple[list[EvalCase], list[Diagnostic]]:
    cases, diags = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        span = Span(file=path, line=n, column=1, end_line=n, end_column=len(line) + 1)
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("a case is a JSON object")
            internal = [k for k in EvalCase.INTERNAL if k in data]
            if internal:
                raise ValueError(f"'{internal[0]}' is set by constc, not written in a case file")
            try:  # a lone surrogate (\ud800) is valid JSON but no character: nothing could write it out
                line.encode("utf-8") and json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string holds a lone surrogate escape (\\uD800-\\uDFFF), not a character") from None
            cases.append(EvalCase.model_validate(data).model_copy(update={"source": span}))
        except json.JSONDecodeError as err:
            diags.append(diag("E306", f"not JSON: {err.msg}", span.model_copy(update={"column": err.colno})))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "case"
            diags.append(diag("E306", f"invalid case: {where}: {first['msg']}", span))
        except ValueError as err:
            diags.append(diag("E306", f"invalid case: {err}", span))
        except RecursionError:
            diags.append(diag("E306", "invalid case: nested too deeply", span))
    return cases, diags
