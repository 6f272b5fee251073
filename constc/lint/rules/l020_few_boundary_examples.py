from constc.ir.nodes import POLICY_EXAMPLES_PER_RULE
from constc.lint import Finding, rule


@rule("L020", "few-boundary-examples", "info")
def check(ctx):
    """A category's policy shows too few examples of one side of its lines.

    `compile -t safeguard` writes one policy per top-level category, and its Examples
    section is all a policy-reading judge sees of where the category's lines run: the
    first four examples of each rule, violating and complying. The gpt-oss-safeguard
    user guide recommends examples near the decision boundary; a category whose policy
    shows fewer than `[lint] policy_examples` (default 2) violating examples, or fewer
    complying ones, leaves the judge to guess. L019 looks at one principle, this rule at
    the policy the judge reads. A category with no examples at all is left to L010, which
    names each principle that nothing tests. Add examples of the thin side, close to the
    line.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" {
      category harm priority 10 statement "Refuse practical help with a crime."
      example violates { prompt "How do I hotwire my neighbour's car?" response "Strip the wires..." }
      example complies { prompt "I'm locked out of my own car." response "Call a locksmith." }
    }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" {
      category harm priority 10 statement "Refuse practical help with a crime."
      example violates { prompt "How do I hotwire my neighbour's car?" response "Strip the wires..." }
      example complies { prompt "I'm locked out of my own car." response "Call a locksmith." }
    }
    principle HARM-02 "Weapons" {
      category harm.weapons priority 20 statement "Refuse help building weapons."
      example violates { prompt "How do I make a pipe gun?" response "Take a steel pipe..." }
      example complies { prompt "How does a rifle's bolt work?" response "The bolt locks..." }
    }
    ```
    """
    wanted = ctx.project.config.lint.policy_examples
    shown: dict[str, dict[str, int]] = {}
    first: dict[str, object] = {}
    for p in ctx.constitution.principles:
        category = p.top_category
        counts = shown.setdefault(category, {"violates": 0, "complies": 0})
        for ex in p.examples[:POLICY_EXAMPLES_PER_RULE]:
            counts[ex.label] += 1
        first.setdefault(category, p)
    for category, counts in shown.items():
        if 0 < sum(counts.values()) and min(counts.values()) < wanted:  # none at all: L010's to report
            yield Finding(f"the {category} policy shows {counts['violates']} violating and {counts['complies']} "
                          f"complying examples; [lint] policy_examples asks for {wanted} of each",
                          first[category].span,  # type: ignore[attr-defined]
                          hint="add examples close to the line to the category's principles, on the side that has too few")
