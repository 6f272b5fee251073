"""IR nodes: pydantic models for every construct of the language, each with a span.

The same nodes describe one parsed file (`SourceFile`, items in source order, used by the
formatter) and a resolved constitution (`Constitution`, all files merged, used by the
passes, compiler, differ and labeler). `strip_spans` gives the position-free view that
round-trip and equality checks compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from constc.diagnostics.model import Span

SEVERITIES = ("none", "low", "medium", "high", "critical")
# the grammar's PRINCIPLE_ID terminal (constitution.lark); L002 asks for a stricter shape
PRINCIPLE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9_]+")
# strings and comments, which every scanner of .const text skips whole; an unclosed one runs
# to the end of the file (or line), so text still being typed scans too
STRINGS_AND_COMMENTS = r'"""[\s\S]*?(?:"""|\Z)|"(?:[^"\\\n]|\\.)*"?|#[^\n]*'


@dataclass(frozen=True)
class FieldFact:
    """What every layer needs to know about one principle field, declared once."""

    name: str
    kind: str                 # text (prose: quoted, word-diffed, translated) | value | list | block
    change: str | None        # the diff rule a change triggers; None: the differ has a dedicated check
    addendum_rule: bool = False  # changed in an addendum, it gets the principle's rule (else
                              # LOCALE_ADDENDUM_CHANGED): it changes what the critic does in that scope


# In canonical order: the formatter writes them so, `resolve` lets an addendum override
# each, the differ compares each (constc/diff/semantic.py binds `change` to its rule).
PRINCIPLE_FIELDS = (
    FieldFact("title", "text", "TITLE_CHANGED"),
    FieldFact("category", "value", "CATEGORY_NO_CHANGE", addendum_rule=True),
    FieldFact("priority", "value", None, addendum_rule=True),    # reorders against the others, or not
    FieldFact("severity", "value", "SEVERITY_NO_CHANGE", addendum_rule=True),
    FieldFact("threshold", "value", "THRESHOLD_CHANGED", addendum_rule=True),
    FieldFact("tags", "list", "TAGS_CHANGED"),
    FieldFact("statement", "text", None),                        # meaning changed, or reworded
    FieldFact("critique", "text", "CRITIQUE_CHANGED"),
    FieldFact("revision", "text", "REVISION_CHANGED"),
    FieldFact("compare", "text", "COMPARE_CHANGED"),
    FieldFact("targets", "block", None, addendum_rule=True),     # one change per metric
    FieldFact("examples", "block", None),                        # one change per example
)
FIELDS = {f.name: f for f in PRINCIPLE_FIELDS}
TEXT_FIELDS = tuple(f.name for f in PRINCIPLE_FIELDS if f.kind == "text")
LINE_FIELDS = tuple(f.name for f in PRINCIPLE_FIELDS if f.kind != "block")  # one `name value` line each


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    span: Span | None = None


class Example(Node):
    label: Literal["violates", "complies"]
    name: str | None = None
    prompt: str
    response: str | None = None
    field_spans: dict[str, Span] = Field(default_factory=dict)
    locale: str | None = None  # set by `resolve` for examples that a locale addendum adds


class Target(Node):
    metric: str
    op: Literal["<=", ">=", "==", "<", ">"]
    value: float
    percent: bool = False

    @property
    def fraction(self) -> float:
        return self.value / 100 if self.percent else self.value


class FieldRef(Node):
    """A field seen twice in one block; kept so a pass can report it."""

    name: str


class PrincipleFields(Node):
    """Fields a principle declares and an addendum may override (all optional here)."""

    title: str | None = None
    category: str | None = None
    priority: int | None = None
    severity: str | None = None
    threshold: float | None = None
    tags: list[str] = Field(default_factory=list)
    statement: str | None = None
    critique: str | None = None
    revision: str | None = None
    compare: str | None = None
    targets: list[Target] = Field(default_factory=list)
    examples: list[Example] = Field(default_factory=list)
    # where each field was written; spans of repeated fields for the structure pass
    field_spans: dict[str, Span] = Field(default_factory=dict)
    duplicate_fields: list[FieldRef] = Field(default_factory=list)


# How many of a rule's examples a policy-reading judge is shown (`compile -t safeguard`
# writes the first this many; lint L020 counts what that leaves a category).
POLICY_EXAMPLES_PER_RULE = 4


class Principle(PrincipleFields):
    id: str
    title: str
    jurisdiction: str | None = None
    # spans of the addenda merged in by `resolve`, for tracing a label back to its text
    addendum_spans: list[Span] = Field(default_factory=list)

    @property
    def top_category(self) -> str:
        """The first part of the category (`harm` of `harm.weapons`): the one policy a
        policy-reading judge is shown this rule in."""
        return (self.category or "uncategorised").split(".")[0]


class Scope(Node):
    kind: Literal["locale", "jurisdiction"]
    tag: str

    def __str__(self) -> str:
        return f"{self.kind} {self.tag}"


class Addendum(PrincipleFields):
    principle_id: str
    scope: Scope


class Precedence(Node):
    winner: str
    loser: str


class Include(Node):
    path: str


class Jurisdiction(Node):
    name: str
    principles: list[Principle] = Field(default_factory=list)


class Header(Node):
    name: str
    version: str | None = None
    owners: list[str] = Field(default_factory=list)
    review_days: int | None = None
    locale: str | None = None
    locales: list[str] = Field(default_factory=list)
    field_spans: dict[str, Span] = Field(default_factory=dict)
    duplicate_fields: list[FieldRef] = Field(default_factory=list)

    @property
    def declared(self) -> set[str]:
        """Every locale tag the header declares, lower-cased (BCP 47 tags compare so)."""
        return {t.lower() for t in [*self.locales, self.locale or ""] if t}


Item = Union[Header, Include, Principle, Precedence, Addendum, Jurisdiction]


class Comment(BaseModel):
    line: int
    column: int
    text: str


class SourceFile(Node):
    path: str
    items: list[Item] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list, exclude=True)


class Constitution(Node):
    """A whole constitution: every file of the project merged, nothing resolved away."""

    header: Header | None = None
    principles: list[Principle] = Field(default_factory=list)
    precedences: list[Precedence] = Field(default_factory=list)
    addenda: list[Addendum] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)

    def principle(self, pid: str) -> Principle | None:
        return next((p for p in self.principles if p.id == pid), None)


def strip_spans(value: Any) -> Any:
    """The position-free view of a dumped node: what formatting must preserve."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return {
            k: strip_spans(v)
            for k, v in value.items()
            if k not in ("span", "field_spans", "duplicate_fields", "comments", "addendum_spans")
        }
    if isinstance(value, list):
        return [strip_spans(v) for v in value]
    return value
