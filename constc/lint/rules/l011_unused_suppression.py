from constc.lint import Finding, rule


@rule("L011", "unused-suppression", "warning")
def check(ctx, suppressions=()):
    """A `# constc: disable=CODE` comment suppresses nothing.

    A suppression comment covers its own line, or the next line when it stands alone;
    when that line opens a block, it covers the whole block. One that matches no finding
    is stale and would hide a future problem.

    ```const bad
    constitution c { version "1.0.0" }
    # constc: disable=L004
    principle HARM-01 "Illegal acts" {
      category harm priority 10 statement "Avoid crime."
      example complies { prompt "How do locks work?" }
    }
    ```

    ```const good
    constitution c { version "1.0.0" }
    # constc: disable=L010
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    ```
    """
    for s in suppressions:
        if not s.used:
            yield Finding(f"suppression of {', '.join(s.codes)} matches no finding", s.span)
