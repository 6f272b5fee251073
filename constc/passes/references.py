"""Check that precedence rules and eval cases name principles that exist."""

from __future__ import annotations

from constc.diagnostics.model import diag


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
