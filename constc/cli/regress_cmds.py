"""regress: label the eval cases a constitution change affects, at both revisions."""

from __future__ import annotations

import sys
from pathlib import Path

from constc.cli import EXIT_CLEAN, EXIT_FINDINGS, UsageError
from constc.cli.diff_cmds import sides
from constc.cli.label_cmds import LazyLabeler, add_model_args, label_store
from constc.config import find_project


def run_regress(args) -> int:
    from constc.label import LabelError
    from constc.regress import regress
    from constc.regress.report import RENDERERS

    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"{args.path}: no such file or directory")
    project = find_project(path)
    base, head = sides(args, project)
    try:
        result = regress(base, head, LazyLabeler(args), label_store(args.no_cache), args.mutations)
    except LabelError as err:
        raise UsageError(str(err)) from None
    except KeyboardInterrupt:
        print("constc: interrupted; every finished batch is in the label cache, rerun to resume", file=sys.stderr)
        return 130
    head_errors = [d for d in result.diff.head_ctx.diagnostics if d.severity == "error"]
    if head_errors:
        from constc.diagnostics.render import render_human

        print(render_human(head_errors, result.diff.head_ctx.texts), file=sys.stderr)
        print("constc: the head revision has errors; fix them first", file=sys.stderr)
        return EXIT_FINDINGS
    text = RENDERERS[args.format](result)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    return EXIT_FINDINGS if result.failing_reasons else EXIT_CLEAN


def register(sub) -> None:
    p = sub.add_parser("regress", help="relabel the eval cases a change affects, at both revisions, and compare")
    p.add_argument("path", nargs="?", default=".")
    p.add_argument("--against", metavar="SPEC")
    p.add_argument("--base", metavar="SPEC")
    p.add_argument("--head", metavar="SPEC")
    p.add_argument("--staged", action="store_true")
    p.add_argument("--pre-push", action="store_true", help="compare the refs pre-commit's pre-push stage passes")
    p.add_argument("--format", choices=["human", "markdown", "json", "junit", "github"], default="human")
    p.add_argument("-o", "--output", help="write the report to a file")
    p.add_argument("--mutations", default="none", help="mutation operators to include: none (default), all, a list")
    add_model_args(p)
    p.set_defaults(run=run_regress)
