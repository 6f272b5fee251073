from constc.lint import Finding, rule


@rule("L012", "priority-against-precedence", "warning")
def check(ctx):
    """A precedence rule says the opposite of the two principles' priorities.

    `HARM-01 over HELP-01` with HELP-01 at the higher priority states two orders at once;
    the precedence rule decides (it is the explicit one), but a reader, and a critic
    prompt that lists principles by priority, sees a contradiction. Make the priorities
    agree with the rule, or drop the rule.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Crime" { category harm priority 100 statement "Avoid crime." }
    principle HELP-01 "Help" { category help priority 500 statement "Be useful." }
    HARM-01 over HELP-01
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Crime" { category harm priority 500 statement "Avoid crime." }
    principle HELP-01 "Help" { category help priority 100 statement "Be useful." }
    HARM-01 over HELP-01
    ```
    """
    by_id = {p.id: p for p in ctx.constitution.principles}
    for rule_ in ctx.constitution.precedences:
        winner, loser = by_id.get(rule_.winner), by_id.get(rule_.loser)
        if winner is None or loser is None or winner.priority is None or loser.priority is None:
            continue
        if winner.priority < loser.priority:
            yield Finding(f"{winner.id} over {loser.id}, but {winner.id}'s priority {winner.priority} is below "
                          f"{loser.id}'s {loser.priority}", rule_.span,
                          hint=f"give {winner.id} a priority above {loser.priority}, or remove the rule")
