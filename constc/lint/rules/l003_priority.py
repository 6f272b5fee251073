from constc.lint import Finding, rule


@rule("L003", "priority-range", "error")
def check(ctx):
    """A principle has no priority, or one outside the configured range.

    Priorities decide which principle wins when two conflict, so every principle needs
    one. The range is `[lint] priority_range` in constc.toml (default 0 to 1000).

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm statement "Avoid crime." }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 100 statement "Avoid crime." }
    ```
    """
    low, high = ctx.project.config.lint.priority_range
    for p in ctx.constitution.principles:
        if p.priority is None:
            yield Finding(f"missing priority in principle {p.id}", p.span, hint=f"add: priority N ({low}-{high})")
        elif not low <= p.priority <= high:
            yield Finding(f"priority {p.priority} of {p.id} is outside {low}-{high}", p.field_spans.get("priority"))
