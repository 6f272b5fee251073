"""Check that what precedence rules, eval cases and locale folders name exists: principles,
unique case IDs, declared locales."""

from __future__ import annotations

from constc.diagnostics.model import Span, diag


def check_references(ctx) -> None:
    if not ctx.complete:  # a file that did not parse may define the names (see Context.complete)
        return
    known = {p.id for p in ctx.constitution.principles}
    for rule in ctx.constitution.precedences:
        for pid in (rule.winner, rule.loser):
            if pid not in known:
                ctx.diagnostics.append(diag("E300", f"precedence rule names unknown principle {pid}", rule.span))
    for case in ctx.evalcases:
        for pid in case.principles:
            if pid not in known:
                ctx.diagnostics.append(diag("E300", f"eval case '{case.id}' names unknown principle {pid}",
                                            case.source))
    check_case_ids(ctx)
    check_locales(ctx)


def check_case_ids(ctx) -> None:
    """Two cases with one ID: labels, reports and the cache key by ID, so one would vanish."""
    first: dict[str, Span | None] = {}
    for case in ctx.evalcases:
        seen = first.setdefault(case.id, case.source)
        if seen is not case.source:
            where = f" (the first is at {seen.file}:{seen.line})" if seen else ""
            ctx.diagnostics.append(diag("E306", f"eval case ID '{case.id}' is used twice{where}", case.source,
                                        hint="give each case its own ID"))


def check_locales(ctx) -> None:
    """A case locale or a locale folder the header does not declare is never compiled or
    labeled: say so, instead of skipping it silently."""
    header = ctx.constitution.header
    if header is None:
        return
    from constc.ir.resolve import fallback_chain

    # a declared de-AT also uses de's addenda (its fallback chain), so `de` is declared too
    declared = {tag for t in header.declared for tag in fallback_chain(t)}
    jurisdictions = {p.jurisdiction for p in ctx.constitution.principles} | \
        {a.scope.tag for a in ctx.constitution.addenda if a.scope.kind == "jurisdiction"}
    hint = f"declare it in the header's locales [{', '.join(header.locales or [])}]"
    for case in ctx.evalcases:
        if case.locale and case.locale.lower() not in declared:
            ctx.diagnostics.append(diag("E309", f"eval case '{case.id}' is in locale {case.locale}, which the "
                                        "constitution does not declare: it would never be labeled", case.source,
                                        hint=hint))
    reported = set()
    for rel, tag in ctx.locale_dirs.items():
        if tag.lower() not in declared and tag not in jurisdictions and tag not in reported:
            reported.add(tag)
            folder = rel.rsplit("/", 1)[0]
            ctx.diagnostics.append(diag("E309", f"locale folder {folder}/ is for {tag}, which the constitution "
                                        "does not declare: its addenda would never be used",
                                        Span.file_start(rel), hint=hint))
