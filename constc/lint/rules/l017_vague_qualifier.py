import re

from constc.lint import Finding, rule

# qualifiers that leave the line to the reader: a policy-reading judge (and a reviewer)
# cannot tell which cases they let through
VAGUE = re.compile(r"\b(generally|usually|typically|normally|often|sometimes|arguably|somewhat|possibly|probably|"
                   r"perhaps|in most cases|where appropriate|as appropriate|if appropriate|to some extent|"
                   r"more or less|and so on|etc\.?)(?=\W|$)", re.I)


@rule("L017", "vague-qualifier", "info")
def check(ctx):
    """A statement hedges: "generally", "usually", "where appropriate"...

    A judge that reads the principle as a written policy (gpt-oss-safeguard, Granite
    Guardian's criteria, ShieldGemma's guideline) applies the words it is given: a
    qualifier leaves the cases it excuses unnamed, so two judges, or two reviewers, draw
    the line in different places. The gpt-oss-safeguard user guide asks for explicit
    definitions and boundaries for the same reason. Name the exception instead.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Usually refuse to help with crime." }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" {
      category harm priority 10
      statement "Refuse practical help with a crime; explaining the law is not help."
    }
    ```
    """
    for node in [*ctx.constitution.principles, *ctx.constitution.addenda]:
        statement = getattr(node, "statement", None)
        if not statement:
            continue
        words = sorted({m.group(1).lower() for m in VAGUE.finditer(statement)})
        if words:
            pid = getattr(node, "id", None) or node.principle_id
            yield Finding(f"the statement of {pid} hedges ({', '.join(repr(w) for w in words)})",
                          node.field_spans.get("statement", node.span),
                          hint="say which cases the qualifier lets through, or drop it")
