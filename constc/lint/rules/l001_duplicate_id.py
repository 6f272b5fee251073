from constc.ir.nodes import Principle
from constc.lint import Finding, rule


@rule("L001", "duplicate-id", "error")
def check(ctx):
    """Two principles share one ID.

    IDs are how eval cases, precedence rules, addenda, datasets and reports refer to a
    principle; two principles with one ID make every one of those references ambiguous.
    Jurisdiction principles share the one ID space.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    principle HARM-01 "Weapons" { category harm priority 20 statement "Avoid weapons." }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    principle HARM-02 "Weapons" { category harm priority 20 statement "Avoid weapons." }
    ```
    """
    first: dict[str, Principle] = {}
    for p in ctx.constitution.principles:
        if p.id in first:
            yield Finding(f"duplicate principle ID {p.id} (first defined at {first[p.id].span})", p.span)
        else:
            first[p.id] = p
