"""Resolve a constitution for one locale and jurisdiction: the principles a critic sees.

Fallback chain: a locale's addenda apply from the least to the most specific tag
(`de` before `de-AT`), then the jurisdiction's, so the most specific value of each field
wins and a field no addendum sets keeps the default text.
"""

from __future__ import annotations

from constc.ir.nodes import LINE_FIELDS, Addendum, Constitution, Principle


def fallback_chain(locale: str | None) -> list[str]:
    """`de-AT` -> ['de', 'de-AT']; tags compare case-insensitively, as BCP 47 says."""
    if not locale:
        return []
    parts = locale.split("-")
    return ["-".join(parts[: i + 1]).lower() for i in range(len(parts))]


def applies(addendum: Addendum, locale: str | None, jurisdiction: str | None) -> bool:
    if addendum.scope.kind == "locale":
        return addendum.scope.tag.lower() in fallback_chain(locale)
    return addendum.scope.tag == jurisdiction


def _order(addendum: Addendum, locale: str | None) -> int:
    chain = fallback_chain(locale)
    return chain.index(addendum.scope.tag.lower()) if addendum.scope.kind == "locale" else len(chain)


def apply_addendum(principle: Principle, addendum: Addendum) -> Principle:
    update: dict = {name: getattr(addendum, name) for name in LINE_FIELDS if name in addendum.field_spans}
    if addendum.targets:
        update["targets"] = addendum.targets
    tag = addendum.scope.tag if addendum.scope.kind == "locale" else None
    update["examples"] = principle.examples + [e.model_copy(update={"locale": tag}) for e in addendum.examples]
    update["addendum_spans"] = principle.addendum_spans + [addendum.span]
    update["field_spans"] = {**principle.field_spans, **addendum.field_spans}
    return principle.model_copy(update=update)


def resolve(constitution: Constitution, locale: str | None = None,
            jurisdiction: str | None = None) -> list[Principle]:
    """The effective principles for a locale/jurisdiction, in declaration order."""
    addenda = sorted((a for a in constitution.addenda if applies(a, locale, jurisdiction)),
                     key=lambda a: _order(a, locale))
    out = []
    for p in constitution.principles:
        if p.jurisdiction not in (None, jurisdiction):
            continue
        for a in addenda:
            if a.principle_id == p.id:
                p = apply_addendum(p, a)
        out.append(p)
    return out
