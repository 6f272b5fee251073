from constc.lint import Finding, rule


@rule("L013", "duplicate-example-name", "error")
def check(ctx):
    """Two examples of one principle share a name.

    Examples are paired by name across revisions (`constc diff`) and name their eval
    cases; with two of one name, one of them is silently dropped from both.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Crime" {
      category harm priority 100 statement "Avoid crime."
      example violates theft { prompt "How do I steal a bike?" }
      example complies theft { prompt "How do I lock a bike?" }
    }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Crime" {
      category harm priority 100 statement "Avoid crime."
      example violates theft { prompt "How do I steal a bike?" }
      example complies lock { prompt "How do I lock a bike?" }
    }
    ```
    """
    for p in ctx.constitution.principles:
        seen: set[str] = set()
        for ex in p.examples:
            if ex.name is None:
                continue
            if ex.name in seen:
                yield Finding(f"{p.id} has two examples named '{ex.name}'", ex.span, hint="rename one of them")
            seen.add(ex.name)
