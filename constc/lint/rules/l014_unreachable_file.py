from constc.lint import Finding, rule


@rule("L014", "unreachable-file", "warning")
def check(ctx):
    """A `.const` file next to the constitution that no include reaches.

    Everything under the root file's folder is meant to be part of the constitution; a
    file no `include` pulls in is never checked, compiled or labeled, so a principle
    written there (or a `statement "TODO"` left there) passes unnoticed. Include it, or
    move it out of the folder. Locale folders are read on their own and never count.

    ```const bad
    constitution c { version "1.0.0" }
    principle HARM-01 "Crime" { category harm priority 100 statement "Avoid crime." }
    # file: drafts.const
    principle HARM-02 "Weapons" { category harm priority 90 statement "TODO" }
    ```

    ```const good
    constitution c { version "1.0.0" }
    include "drafts.const"
    principle HARM-01 "Crime" { category harm priority 100 statement "Avoid crime." }
    # file: drafts.const
    principle HARM-02 "Weapons" { category harm priority 90 statement "Avoid weapons." }
    ```
    """
    from constc.diagnostics.model import Span

    project = ctx.project
    root = project.rel(project.root_file)
    folder = root.rsplit("/", 1)[0] if "/" in root else ""
    locales = project.config.project.locales.strip("/") + "/"
    pattern = f"{folder}/**/*.const" if folder else "**/*.const"
    for rel in ctx.tree.glob(pattern):
        if rel not in ctx.sources and rel not in ctx.unparsed and not rel.startswith(locales):
            yield Finding(f"{rel} is not included by any file of the constitution, so nothing in it is checked "
                          "or used", Span.file_start(rel),
                          hint=f"add `include \"{rel[len(folder) + 1:] if folder else rel}\"` to a file that is "
                          "included, or move it out of the folder")
