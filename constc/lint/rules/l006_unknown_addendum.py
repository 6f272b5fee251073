from constc.lint import Finding, rule


@rule("L006", "unknown-addendum-target", "error")
def check(ctx):
    """An addendum overrides a principle that does not exist.

    Usually the principle was renamed or removed and its locale text was left behind;
    the addendum would silently never apply.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    addendum HARM-09 locale de { statement "Vermeide Straftaten." }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    addendum HARM-01 locale de { statement "Vermeide Straftaten." }
    ```
    """
    if not ctx.complete:  # the principle may be in a file that did not parse
        return
    known = {p.id for p in ctx.constitution.principles}
    for a in ctx.constitution.addenda:
        if a.principle_id not in known:
            yield Finding(f"addendum for unknown principle {a.principle_id} ({a.scope})", a.span)
