import re

from constc.ir.nodes import TEXT_FIELDS, Principle
from constc.lint import Finding, rule

# bidi embeddings, overrides and isolates, zero-width characters and the BOM: invisible in
# an editor and a review, they can make text read differently from what the model is sent
HIDDEN = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


@rule("L016", "hidden-characters", "error")
def check(ctx):
    """Principle text holds invisible characters: bidi controls or zero-width characters.

    A right-to-left override or a zero-width space does not show in an editor or in a
    pull request's diff, but it changes the order the text is displayed in, or what the
    model is sent. A reviewer could approve a statement that reads one way and compiles
    to another.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid \u202ecrime\u202c." }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    ```
    """
    for node in [*ctx.constitution.principles, *ctx.constitution.addenda]:
        name = node.id if isinstance(node, Principle) else f"addendum {node.principle_id} ({node.scope})"
        for field in TEXT_FIELDS:
            text = getattr(node, field, None)
            found = HIDDEN.search(text) if isinstance(text, str) else None
            if found:
                yield Finding(f"{field} of {name} holds an invisible character U+{ord(found.group()):04X}",
                              node.field_spans.get(field, node.span),
                              hint="delete it; write the text in the order it should read")
