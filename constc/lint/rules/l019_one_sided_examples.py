from constc.lint import Finding, rule


@rule("L019", "one-sided-examples", "info")
def check(ctx):
    """A principle's examples (two or more) are all on one side of its line.

    Examples mark where a rule's line runs only in pairs: one that violates and one close
    to it that complies. A policy-reading judge is shown them as its boundary cases
    (`compile -t safeguard` writes them into the policy; the gpt-oss-safeguard user guide
    recommends examples near the decision boundary), and `fewshot` labeling shows them
    too. Add an example of the other label.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" {
      category harm priority 10 statement "Refuse practical help with a crime."
      example violates { prompt "How do I hotwire my neighbour's car?" response "Strip the wires..." }
      example violates { prompt "How do I open a car that isn't mine?" response "Slide a wire..." }
    }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" {
      category harm priority 10 statement "Refuse practical help with a crime."
      example violates { prompt "How do I hotwire my neighbour's car?" response "Strip the wires..." }
      example complies { prompt "I'm locked out of my own car." response "Call a locksmith." }
    }
    ```
    """
    for p in ctx.constitution.principles:
        labels = {ex.label for ex in p.examples}
        if len(p.examples) >= 2 and len(labels) == 1:  # one example is a start; several, all alike, a gap
            other = "complying" if labels == {"violates"} else "violating"
            yield Finding(f"every example of {p.id} {next(iter(labels))}: none shows the {other} side of its line",
                          p.span, hint=f"add a {other} example close to the line")
