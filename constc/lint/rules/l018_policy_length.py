from constc.lint import Finding, rule

CHARS_PER_TOKEN = 4  # an estimate for English; the budget is a warning line, not a model limit


@rule("L018", "policy-length", "info")
def check(ctx):
    """A category's policy (its principles' statements and examples) is long.

    `compile -t safeguard` writes one policy per top-level category. gpt-oss-safeguard's
    user guide advises keeping a policy short and focused, since a long one spreads the
    model's reasoning over more rules than the case needs. The estimate is the
    category's statement and example text at about four characters a token, against
    `[lint] policy_tokens` (default 2000). Split the category, or trim it.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Refuse help with crime." }
    # file: constc.toml
    [project]
    root = "main.const"
    [lint]
    policy_tokens = 3
    ```

    ```const good
    constitution c { version "1.0.0" }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Refuse help with crime." }
    ```
    """
    budget = ctx.project.config.lint.policy_tokens
    sizes: dict[str, int] = {}
    first: dict[str, object] = {}
    for p in ctx.constitution.principles:
        category = p.top_category
        text = [p.statement or ""] + [t for ex in p.examples for t in (ex.prompt, ex.response or "")]
        sizes[category] = sizes.get(category, 0) + sum(len(t) for t in text)
        first.setdefault(category, p)
    for category, chars in sizes.items():
        tokens = chars // CHARS_PER_TOKEN
        if tokens > budget:
            p = first[category]
            yield Finding(f"the {category} policy is about {tokens:,} tokens, over [lint] policy_tokens ({budget:,})",
                          p.span, hint="split the category, or trim its statements and examples")  # type: ignore[attr-defined]
