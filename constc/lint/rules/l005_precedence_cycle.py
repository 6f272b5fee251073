from constc.lint import Finding, rule
from constc.lint.graph import precedence_graph, reaches


@rule("L005", "precedence-cycle", "error")
def check(ctx):
    """Precedence rules contradict each other: they form a cycle.

    `A over B` with `B over A` (or a longer loop, or `A over A`) leaves no winner. Each
    rule that closes a cycle is reported once.

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
    reported = set()
    for rule_ in ctx.constitution.precedences:
        if rule_.winner == rule_.loser:
            yield Finding(f"{rule_.winner} over itself: a principle cannot win over itself", rule_.span)
        elif reaches(graph, rule_.loser, rule_.winner):
            key = frozenset((rule_.winner, rule_.loser))
            if key not in reported:
                reported.add(key)
                yield Finding(f"precedence cycle: {rule_.winner} over {rule_.loser}, "
                              f"but {rule_.loser} already wins over {rule_.winner}", rule_.span)
