from constc.errors import did_you_mean
from constc.lint import Finding, all_rules, rule


@rule("L011", "unused-suppression", "warning")
def check(ctx, suppressions=()):
    """A `# constc: disable=CODE` comment suppresses nothing.

    A suppression comment covers its own line, or the next line when it stands alone;
    when that line opens a block, it covers the whole block. One that matches no finding
    is stale and would hide a future problem. A `# constc` comment that is not of the
    form `# constc: disable=CODE[,CODE]`, or that names an unknown rule, is reported too:
    a misspelt suppression must not look as if it worked.

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
    rules = all_rules()
    for s in suppressions:
        unknown = [c for c in s.codes if c not in rules]
        if s.malformed:
            yield Finding("malformed suppression comment; it suppresses nothing", s.span,
                          hint="write `# constc: disable=L004` (several codes separated by commas)")
        elif unknown:
            yield Finding(f"suppression of unknown rule {unknown[0]}{did_you_mean(unknown[0], rules)}", s.span)
        elif not s.used:
            yield Finding(f"suppression of {', '.join(s.codes)} matches no finding", s.span)
