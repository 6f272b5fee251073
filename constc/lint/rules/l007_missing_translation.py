from constc.ir.resolve import fallback_chain
from constc.lint import Finding, rule


@rule("L007", "missing-translation", "warning")
def check(ctx):
    """A principle has no statement for a locale the constitution says it supports.

    For every tag in the header's `locales` list (other than the default locale and its
    variants), each principle needs an addendum with a `statement` somewhere on the tag's
    fallback chain (`de-AT` is covered by a `de` addendum). Otherwise the critic for that
    locale falls back to the default language without anyone deciding it should.

    ```const bad
    constitution c { version "1.0.0" locale en locales [en, de] }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    ```

    ```const good
    constitution c { version "1.0.0" locale en locales [en, de] }
    principle HARM-01 "Illegal acts" { category harm priority 10 statement "Avoid crime." }
    addendum HARM-01 locale de { statement "Vermeide Straftaten." }
    ```
    """
    if not ctx.complete:  # the translation may be in a file that did not parse
        return
    header = ctx.constitution.header
    if header is None:
        return
    default = (header.locale or "").lower()
    covered = {(a.principle_id, a.scope.tag.lower()) for a in ctx.constitution.addenda
               if a.scope.kind == "locale" and "statement" in a.field_spans}
    for tag in header.locales:
        chain = fallback_chain(tag)
        if default and default in chain:
            continue
        for p in ctx.constitution.principles:
            if p.jurisdiction is None and not any((p.id, t) in covered for t in chain):
                yield Finding(f"{p.id} has no statement for locale {tag}", p.span,
                              hint=f"add an addendum {p.id} locale {tag} under locales/{tag}/")
