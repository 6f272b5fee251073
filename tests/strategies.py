"""Hypothesis strategies for valid IR: files as a user could have written them."""

from hypothesis import strategies as st

from constc.ir import nodes as ir

SPAN = ir.Span(file="gen.const", line=1, column=1, end_line=1, end_column=1)

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
ids = st.from_regex(r"[A-Z]{2,4}-[0-9]{2,3}", fullmatch=True)
categories = st.lists(names, min_size=1, max_size=3).map(".".join)
locales = st.from_regex(r"[a-z]{2}(-[A-Z]{2})?", fullmatch=True)


@st.composite
def examples(draw):
    response = draw(st.none() | texts)
    spans = {"prompt": SPAN, **({"response": SPAN} if response is not None else {})}
    return ir.Example(label=draw(st.sampled_from(["violates", "complies"])), name=draw(st.none() | names),
                      prompt=draw(texts), response=response, span=SPAN, field_spans=spans)


@st.composite
def targets(draw):
    return ir.Target(metric=draw(names), op=draw(st.sampled_from(["<=", ">=", "==", "<", ">"])),
                     value=draw(st.floats(0, 1e6, allow_nan=False)), percent=draw(st.booleans()), span=SPAN)


FIELD_VALUES = {
    "title": texts, "category": categories, "priority": st.integers(-(2**31) + 1, 2**31 - 1),
    "severity": names, "threshold": st.floats(0, 1), "tags": st.lists(names, max_size=3),
    "statement": texts, "critique": texts, "revision": texts, "compare": texts,
}


@st.composite
def field_values(draw, allow_title: bool):
    chosen = draw(st.sets(st.sampled_from(sorted(FIELD_VALUES))))
    if not allow_title:
        chosen.discard("title")
    values = {name: draw(FIELD_VALUES[name]) for name in chosen}
    values["field_spans"] = {name: SPAN for name in chosen}
    values["targets"] = draw(st.lists(targets(), max_size=2))
    values["examples"] = draw(st.lists(examples(), max_size=2))
    return values


@st.composite
def principles(draw, jurisdiction=None):
    return ir.Principle(id=draw(ids), title=draw(texts), jurisdiction=jurisdiction, span=SPAN,
                        **draw(field_values(allow_title=False)))


@st.composite
def addenda(draw):
    scope = draw(st.builds(lambda k, t, n: ir.Scope(kind=k, tag=t if k == "locale" else n, span=SPAN),
                           st.sampled_from(["locale", "jurisdiction"]), locales, names))
    return ir.Addendum(principle_id=draw(ids), scope=scope, span=SPAN, **draw(field_values(allow_title=True)))


@st.composite
def headers(draw):
    values = {"version": draw(st.none() | texts), "owners": draw(st.lists(texts, max_size=2)),
              "review_days": draw(st.none() | st.integers(0, 10_000)), "locale": draw(st.none() | locales),
              "locales": draw(st.lists(locales, max_size=3))}
    spans = {k: SPAN for k, v in values.items() if v is not None}
    return ir.Header(name=draw(names), span=SPAN, field_spans=spans, **values)


@st.composite
def jurisdictions(draw):
    name = draw(names)
    return ir.Jurisdiction(name=name, principles=draw(st.lists(principles(name), max_size=2)), span=SPAN)


items = st.one_of(
    principles(), addenda(), jurisdictions(),
    st.builds(lambda p: ir.Include(path=p, span=SPAN), texts),
    st.builds(lambda a, b: ir.Precedence(winner=a, loser=b, span=SPAN), ids, ids),
)


@st.composite
def source_files(draw):
    head = draw(st.lists(headers(), max_size=1))
    return ir.SourceFile(path="gen.const", items=head + draw(st.lists(items, max_size=5)))
