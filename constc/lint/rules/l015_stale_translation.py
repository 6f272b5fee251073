from constc.lint import Finding, rule


@rule("L015", "stale-translation", "error")
def check(ctx):
    """A translation was made from source text that has changed since.

    `constc translations stamp` records which source text each locale addendum translates
    (in the locales folder's `translations.lock.json`). When a principle's text changes
    and its translation does not, the critic in that locale goes on enforcing the old
    meaning. Update the translation, then stamp it again; a locale listed in
    `[translations] pending` is reported as information until then.

    ```const bad
    constitution c { version "1.0.0" locale en locales [en, de] }
    principle HARM-01 "Crime" { category harm priority 100 statement "Never help with any crime." }
    addendum HARM-01 locale de { statement "Hilf nie bei Gewaltverbrechen." }
    # file: locales/translations.lock.json
    {"de": {"HARM-01": "0000000000000000"}}
    ```

    ```const good
    constitution c { version "1.0.0" locale en locales [en, de] }
    principle HARM-01 "Crime" { category harm priority 100 statement "Never help with any crime." }
    addendum HARM-01 locale de { statement "Hilf nie bei irgendeiner Straftat." }
    ```
    """
    from constc.diagnostics.model import Severity
    from constc.translations import statuses

    if ctx.translation_lock is None:  # never stamped: nothing can be stale
        return
    for s in statuses(ctx):
        if s.status == "stale":
            yield Finding(f"the {s.locale} translation of {s.principle_id} ({', '.join(s.fields)}) was made from "
                          "text that has changed since" + (" (pending)" if s.pending else ""), s.span,
                          hint=f"update it, then `constc translations stamp --locale {s.locale}`",
                          severity=Severity.info if s.pending else None)
