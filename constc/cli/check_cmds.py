"""check, lint, fmt, explain, schema: the light commands (no torch, ever)."""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

from constc.catalogue import check_lint_codes
from constc.cli import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    UsageError,
    render_diagnostics,
)
from constc.config import find_project
from constc.diagnostics.model import Diagnostic, Severity
from constc.diagnostics.render import FORMATS, summary


def add_format(p) -> None:
    p.add_argument("--format", choices=FORMATS, default="human", help="diagnostics format (default: human)")


def load_contexts(paths: list[str]):
    """Compile each distinct project that the given paths belong to."""
    from constc.passes import compile_project

    seen, out = set(), []
    for raw in paths or ["."]:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or directory")
        project = find_project(path)
        key = project.root_file.resolve()
        if key not in seen:
            seen.add(key)
            out.append(compile_project(project))
    return out


def report(diags: list[Diagnostic], texts: dict[str, str], fmt: str, fail_on: str, quiet: bool = False) -> int:
    text = render_diagnostics(diags, fmt, texts)
    if text:
        print(text)
    if fmt == "human" and not quiet:
        print(summary(diags), file=sys.stderr)
    if any(d.code == "E500" for d in diags):
        return EXIT_INTERNAL  # a rule crashed: a bug in constc, said as such (the others still ran)
    threshold = Severity(fail_on).rank
    return EXIT_FINDINGS if any(d.severity.rank >= threshold for d in diags) else EXIT_CLEAN


def _emit_ir(ctx, locale: str | None, jurisdiction: str | None) -> None:
    from constc.ir.resolve import resolve

    const = ctx.constitution.model_copy(update={"principles": resolve(ctx.constitution, locale, jurisdiction)})
    print(const.model_dump_json(indent=2, exclude={"addenda"} if locale or jurisdiction else None))


def run_check(args, lint_only: bool = False) -> int:
    contexts = load_contexts(args.paths)
    diags, texts = [], {}
    for ctx in contexts:
        found = ctx.diagnostics
        if lint_only:
            select = {c.strip().upper() for c in (args.select or "").split(",") if c.strip()}
            ignore = {c.strip().upper() for c in (args.ignore or "").split(",") if c.strip()}
            check_lint_codes(sorted(select), "--select")
            check_lint_codes(sorted(ignore), "--ignore")
            found = [d for d in found if d.code.startswith("E") or
                     ((not select or d.code in select) and d.code not in ignore)]
        diags += found
        texts.update(ctx.texts)
    fail_on = min((ctx.project.config.lint.fail_on for ctx in contexts), key=lambda s: Severity(s).rank)
    if getattr(args, "emit", None) == "ir":
        if any(d.severity == "error" for d in diags):
            return report(diags, texts, args.format, fail_on)
        from constc.api import validate_scope

        for ctx in contexts:
            validate_scope(ctx, args.locale, args.jurisdiction)
            _emit_ir(ctx, args.locale, args.jurisdiction)
        return EXIT_CLEAN
    return report(diags, texts, args.format, fail_on, quiet=args.quiet)


def run_lint(args) -> int:
    if args.list:
        from constc.lint import all_rules

        for r in all_rules().values():
            print(f"{r.code}  {r.name:<30} {r.severity.value:<8} {r.summary}")
        return EXIT_CLEAN
    return run_check(args, lint_only=True)


def const_files(paths: list[str]) -> list[Path]:
    """The .const files named or found under the named folders; folders reached through a
    symbolic link are not searched."""
    out = []
    for raw in paths or ["."]:
        path = Path(raw)
        if path.is_dir() and not path.is_symlink():
            for folder, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if d != ".git")
                out += sorted(Path(folder) / f for f in files if f.endswith(".const"))
        elif os.path.lexists(path):
            out.append(path)
        else:
            raise UsageError(f"{raw}: no such file or directory")
    return out


def _fmt_read(path: Path, limit: int) -> bytes:
    """A file fmt may rewrite: a regular file, not a symbolic link, inside the current
    folder when it is under it (a pre-commit run passes a pull request's paths)."""
    from constc.sources import Refused, read_confined

    if path.is_symlink():
        raise Refused("E207", f"{path.as_posix()}: a symbolic link; fmt never writes through one (format the "
                              "file it points to)")
    base = Path.cwd()
    absolute = path.absolute()
    if not absolute.is_relative_to(base):
        base = absolute.parent
    data = read_confined(base, absolute.relative_to(base).as_posix(), limit)
    if data is None:
        raise Refused("E200", f"{path.as_posix()}: no such file")
    return data


def run_fmt(args) -> int:
    from constc.cache import write_atomic
    from constc.diagnostics.model import diag
    from constc.fmt import MAX_BYTES, format_text
    from constc.passes.load import decode_source
    from constc.sources import Refused

    limit = MAX_BYTES
    changed, diags, texts = [], [], {}
    files = const_files(args.paths)
    for path in files:
        name = path.as_posix()
        try:
            data = _fmt_read(path, limit)
        except Refused as err:
            diags.append(diag(err.code, str(err), None))
            continue
        except OSError as err:
            diags.append(diag("E200", f"{name}: cannot read: {err.strerror or err}", None))
            continue
        text, bad = decode_source(data, name, limit)
        if text is None:
            diags += bad
            continue
        texts[name] = text
        out, bad = format_text(text, name)
        diags += bad
        if out is None or out == text:
            continue
        changed.append(name)
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(keepends=True), out.splitlines(keepends=True), f"a/{name}", f"b/{name}"))
        elif not args.check:
            try:
                write_atomic(path, out.encode("utf-8"))  # a failed write leaves the file as it was
            except OSError as err:
                diags.append(diag("E209", f"{name}: not written ({err.strerror or err}); the file is unchanged",
                                  None))
                changed.remove(name)
    if diags:
        print(render_diagnostics(diags, "human", texts), file=sys.stderr)
    verb = "would reformat" if args.check or args.diff else "reformatted"
    for name in changed:
        print(f"{verb} {name}", file=sys.stderr)
    if not args.quiet:
        print(f"{verb} {len(changed)} of {len(files)} file(s)", file=sys.stderr)
    if diags or ((args.check or args.diff) and changed):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def run_explain(args) -> int:
    from constc import catalogue

    if args.docs:
        sys.stdout.write(catalogue.rules_markdown())
    elif args.code:
        sys.stdout.write(catalogue.explain(args.code))
    else:
        raise UsageError("give a code (e.g. constc explain L004) or --docs")
    return EXIT_CLEAN


def run_translations(args) -> int:
    from constc import translations
    from constc.passes import compile_project

    if not Path(args.path).exists():
        raise UsageError(f"{args.path}: no such file or directory")
    ctx = compile_project(find_project(Path(args.path)))
    if not ctx.complete or ctx.constitution.header is None:
        print(render_diagnostics([d for d in ctx.diagnostics if d.severity == "error"], "human", ctx.texts),
              file=sys.stderr)
        return EXIT_FINDINGS
    header = ctx.constitution.header
    if args.locale and args.locale.lower() not in header.declared:
        raise UsageError(f"locale '{args.locale}' is not declared in the header (locales: "
                         f"{', '.join(header.locales or [])})")
    if args.action == "stamp":
        rel, n = translations.stamp(ctx, args.locale)
        print(f"stamped {n} translation(s) in {rel}: each now translates today's source text "
              "(commit it with the translations)", file=sys.stderr)
        return EXIT_CLEAN
    rows = [s for s in translations.statuses(ctx) if not args.locale or s.locale.lower() == args.locale.lower()]
    if args.format == "json":
        print(json.dumps([{"locale": s.locale, "principle_id": s.principle_id, "status": s.status,
                           "pending": s.pending, "fields": list(s.fields),
                           "where": f"{s.span.file}:{s.span.line}" if s.span else None} for s in rows], indent=2))
    else:
        for tag in dict.fromkeys(s.locale for s in rows):
            mine = [s for s in rows if s.locale == tag]
            counts = {k: sum(s.status == k for s in mine) for k in ("current", "stale", "unstamped", "missing")}
            pend = " (pending)" if mine and mine[0].pending else ""
            print(f"{tag}{pend}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
            for s in mine:
                if s.status != "current":
                    where = f"  {s.span.file}:{s.span.line}" if s.span else ""
                    print(f"  {s.status:<9} {s.principle_id}{where}")
        if ctx.translation_lock is None:
            print(f"no {translations.lock_path(ctx.project)} yet: run `constc translations stamp` once the "
                  "translations are current", file=sys.stderr)
    return EXIT_FINDINGS if any(s.status == "stale" and not s.pending for s in rows) else EXIT_CLEAN


def run_schema(args) -> int:
    from constc.schemas import text

    out = text(args.kind)
    if args.output:
        from constc.cache import write_atomic

        try:
            write_atomic(Path(args.output), out.encode("utf-8"))
        except OSError as err:
            raise UsageError(f"{args.output}: cannot write: {err}") from None
    else:
        sys.stdout.write(out)
    return EXIT_CLEAN


def register(sub) -> None:
    p = sub.add_parser("check", help="parse, resolve and lint a constitution project")
    p.add_argument("paths", nargs="*", help="project directories or .const files (default: .)")
    add_format(p)
    p.add_argument("--emit", choices=["ir"], help="print the resolved IR as JSON instead of diagnostics")
    p.add_argument("--locale", help="with --emit ir: resolve addenda for this locale")
    p.add_argument("--jurisdiction", help="with --emit ir: add this jurisdiction's principles")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    p.set_defaults(run=run_check)

    p = sub.add_parser("lint", help="like check, showing only the chosen lint rules")
    p.add_argument("paths", nargs="*", help="project directories or .const files (default: .)")
    add_format(p)
    p.add_argument("--select", help="comma-separated rule codes to show")
    p.add_argument("--ignore", help="comma-separated rule codes to hide")
    p.add_argument("--list", action="store_true", help="list the rules and exit")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    p.set_defaults(run=run_lint)

    p = sub.add_parser("fmt", help="format .const files in the canonical style")
    p.add_argument("paths", nargs="*", help="files or directories (default: .)")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    p.add_argument("--diff", action="store_true", help="print a unified diff instead of writing")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    p.set_defaults(run=run_fmt)

    p = sub.add_parser("explain", help="print the documentation of a rule or code")
    p.add_argument("code", nargs="?", help="a lint rule (L004), reserved code (E300), diff rule or regress verdict")
    p.add_argument("--docs", action="store_true", help="print docs/rules.md for every rule and code")
    p.set_defaults(run=run_explain)

    p = sub.add_parser("translations", help="which translations are current, stale, unstamped or missing; "
                       "`stamp` records the source text they translate")
    p.add_argument("action", nargs="?", choices=["status", "stamp"], default="status",
                   help="status (default): a table per locale; stamp: mark the translations as current")
    p.add_argument("path", nargs="?", default=".", help="project directory (default: .)")
    p.add_argument("--locale", help="only this locale")
    p.add_argument("--format", choices=["human", "json"], default="human", help="status format (default: human)")
    p.set_defaults(run=run_translations)

    p = sub.add_parser("schema", help="print a JSON Schema: constc.toml, an eval-case line or the IR")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--config", dest="kind", action="store_const", const="config",
                      help="constc.toml (for TOML editors; docs/editors.md)")
    kind.add_argument("--evalcase", dest="kind", action="store_const", const="evalcase",
                      help="one line of evalcases/*.jsonl")
    kind.add_argument("--ir", dest="kind", action="store_const", const="ir",
                      help="the resolved IR of `check --emit ir` (the default)")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.set_defaults(run=run_schema, kind="ir")
