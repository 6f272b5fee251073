from constc.lint import Finding, rule


@rule("L010", "no-eval-example", "warning")
def check(ctx):
    """A principle has no example and no eval case: nothing tests it.

    Regression labeling can only notice a change to a principle through the cases that
    name it. Add an `example` block or a line in `evalcases/*.jsonl` with its ID.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" {
      category harm priority 10 statement "Avoid crime."
      example complies { prompt "How do locks work?" response "A pin tumbler lock..." }
    }
    ```
    """
    covered = {pid for case in ctx.evalcases for pid in case.principles}
    with_examples = {a.principle_id for a in ctx.constitution.addenda if a.examples}
    for p in ctx.constitution.principles:
        if not p.examples and p.id not in covered and p.id not in with_examples:
            yield Finding(f"principle {p.id} has no example and no eval case", p.span)
