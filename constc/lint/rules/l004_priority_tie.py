from constc.lint import Finding, rule
from constc.lint.graph import precedence_graph, reaches


@rule("L004", "priority-tie", "warning")
def check(ctx):
    """Two principles in one category share a priority and no precedence rule orders them.

    Principles of one category are the ones most likely to pull against each other;
    when they tie, which one wins is left to the critic's whim. Give them different
    priorities or write a precedence rule (`HARM-01 over HARM-02`).

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    principle HARM-02 "Weapons" { category harm priority 10 statement "Avoid weapons." }
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    principle HARM-02 "Weapons" { category harm priority 10 statement "Avoid weapons." }
    HARM-02 over HARM-01
    ```
    """
    graph = precedence_graph(ctx.constitution)
    groups: dict = {}
    for p in ctx.constitution.principles:
        if p.priority is not None and p.category is not None:
            groups.setdefault((p.category, p.priority, p.jurisdiction), []).append(p)
    for (category, priority, _), members in groups.items():
        for i, later in enumerate(members):
            for earlier in members[:i]:
                if not (reaches(graph, earlier.id, later.id) or reaches(graph, later.id, earlier.id)):
                    yield Finding(f"{later.id} ties with {earlier.id} at priority {priority} in {category}",
                                  later.field_spans.get("priority", later.span),
                                  hint=f"change a priority or add: {earlier.id} over {later.id}")
