from constc.lint import Finding, rule
from constc.lint.graph import precedence_graph, reaches


@rule("L005", "precedence-cycle", "error")
def check(ctx):
    """Precedence rules contradict each other: they form a cycle.

    `A over B` with `B over A` (or a longer loop, or `A over A`) leaves no winner. Each
    cycle is reported once, at its first rule.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    principle HELP-01 "Be useful" { category help priority 20 statement "Help fully." }
    HARM-01 over HELP-01
    HELP-01 over HARM-01
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    principle HELP-01 "Be useful" { category help priority 20 statement "Help fully." }
    HARM-01 over HELP-01
    ```
    """
    graph = precedence_graph(ctx.constitution)
    reported: set[frozenset] = set()
    for r in ctx.constitution.precedences:
        if r.winner == r.loser:
            yield Finding(f"{r.winner} over itself: a principle cannot win over itself", r.span)
        elif reaches(graph, r.loser, r.winner):
            nodes = graph.keys() | {n for losers in graph.values() for n in losers}
            cycle = frozenset(n for n in nodes if reaches(graph, r.winner, n) and reaches(graph, n, r.winner))
            if cycle not in reported:
                reported.add(cycle)
                yield Finding(f"precedence cycle among {', '.join(sorted(cycle))}: "
                              f"{r.loser} already wins over {r.winner}", r.span)
