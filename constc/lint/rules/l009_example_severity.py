from constc.lint import Finding, rule


@rule("L009", "example-contradicts-severity", "error")
def check(ctx):
    """An example is labeled `violates` under a principle of severity `none`.

    Severity `none` marks an advisory principle: it guides comparison and revision but
    nothing can violate it, so a classifier has no positive class for it. A violating
    example there contradicts the severity; raise the severity or relabel the example.

    ```const bad
    constitution c { version "1.0.0" }
    principle HELP-01 "Be useful" {
      category help priority 10 severity none statement "Answer fully."
      example violates { prompt "Explain DNS." response "No." }
    }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HELP-01 "Be useful" {
      category help priority 10 severity low statement "Answer fully."
      example violates { prompt "Explain DNS." response "No." }
    }
    ```
    """
    for p in ctx.constitution.principles:
        if p.severity == "none":
            for ex in p.examples:
                if ex.label == "violates":
                    yield Finding(f"{p.id} has severity none, but this example violates it", ex.span)
