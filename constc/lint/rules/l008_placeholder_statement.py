import re

from constc.ir.nodes import Principle
from constc.lint import Finding, rule

PLACEHOLDER = re.compile(r"^\s*(todo|tbd|fixme|xxx|\.\.\.|…|lorem ipsum.*|<[^>]*>|placeholder)\W*$", re.I)


@rule("L008", "placeholder-statement", "error")
def check(ctx):
    """A statement is missing, empty, or a placeholder such as TODO.

    The statement is the principle: it becomes the critic's instruction in every
    compiled prompt. An empty or placeholder statement compiles to a prompt that asks
    the model to judge against nothing.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "TODO" }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    ```
    """
    for node in [*ctx.constitution.principles, *ctx.constitution.addenda]:
        text = node.statement
        if text is not None and text.strip() and not PLACEHOLDER.match(text):
            continue
        name = node.id if isinstance(node, Principle) else f"addendum {node.principle_id} ({node.scope})"
        if text is None:
            if isinstance(node, Principle):
                yield Finding(f"principle {name} has no statement", node.span)
        else:
            yield Finding(f"statement of {name} is a placeholder: {text.strip()!r}",
                          node.field_spans.get("statement", node.span))
