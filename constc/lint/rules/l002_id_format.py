import re

from constc.lint import Finding, rule

ID_FORMAT = re.compile(r"^[A-Z]{2,8}-[0-9]{2,4}$")


@rule("L002", "id-format", "error")
def check(ctx):
    """A principle ID does not have the form PREFIX-NN.

    IDs are 2 to 8 capital letters, a hyphen and 2 to 4 digits (`HARM-01`, `HONEST-102`).
    One shape keeps IDs greppable, sortable and distinct from rule codes such as L002.

    ```const bad
    constitution c { version "1.0.0" }
    principle harm-1 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    ```
    """
    for p in ctx.constitution.principles:
        if not ID_FORMAT.match(p.id):
            yield Finding(f"bad principle ID '{p.id}'", p.span,
                          hint="IDs are 2-8 capital letters, a hyphen and 2-4 digits, like HARM-01")
