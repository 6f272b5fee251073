"""diff and log: what a constitution change means, and a principle's history."""

from __future__ import annotations

import sys
from pathlib import Path

from constc.cli import EXIT_CLEAN, EXIT_FINDINGS, UsageError
from constc.config import find_project

DIFF_FORMATS = ("human", "markdown", "json", "github", "sarif", "html")


def project_sides(args):
    """(base, head) for the project at args.path, from the side options."""
    from constc.api import sides

    return sides(args.path, against=args.against, base=args.base, head=args.head, staged=args.staged,
                 pre_push=getattr(args, "pre_push", False))


def run_diff_cmd(args) -> int:
    from constc.cli.label_cmds import writable_output
    from constc.diff import run_diff
    from constc.diff.report import RENDERERS

    output = writable_output(args.output)
    if args.format == "html":
        from constc.page import require

        require()
    base, head = project_sides(args)
    result = run_diff(base, head, fail_level=args.fail_level)
    if args.format == "sarif":
        from constc.catalogue import names
        from constc.diff.report import render_sarif

        text = render_sarif(result, rules=names())
    else:
        text = RENDERERS[args.format](result)
    if output is not None:
        from constc.cache import write_atomic

        write_atomic(output, text.encode("utf-8"))
    else:
        print(text)
    return EXIT_FINDINGS if result.fails_gate else EXIT_CLEAN


def run_log(args) -> int:
    from constc.diff.history import principle_history, render_history
    from constc.diff.sources import SourceError

    if args.max_commits < 1:
        raise UsageError(f"--max-commits must be at least 1 (got {args.max_commits})")
    project = find_project(Path(args.path))
    try:
        history = principle_history(project, args.principle, max_commits=args.max_commits, rev=args.rev)
    except SourceError as err:
        raise UsageError(str(err)) from None
    if not history.entries:
        print(f"{args.principle} does not appear in the history of {args.rev}", file=sys.stderr)
        return EXIT_FINDINGS
    print(render_history(history, args.format))
    return EXIT_CLEAN


def register(sub) -> None:
    p = sub.add_parser("diff", help="semantic diff of the constitution between two revisions")
    p.add_argument("path", nargs="?", default=".", help="project directory (default: .)")
    p.add_argument("--against", metavar="SPEC", help="compare the working tree with SPEC ('.git#ref=main', a "
                   "revision, or a directory)")
    p.add_argument("--base", metavar="SPEC", help="the old side (a revision, '.git#ref=...', or a directory)")
    p.add_argument("--head", metavar="SPEC", help="the new side (default: the working tree)")
    p.add_argument("--staged", action="store_true", help="compare the index with HEAD (for pre-commit)")
    p.add_argument("--format", choices=DIFF_FORMATS, default="human",
                   help="human/github/sarif: the changes as diagnostics; markdown: the PR report; json: the report "
                   "with its diagnostics; html: the reviewer's page, self-contained (default: human)")
    p.add_argument("-o", "--output", help="write the report to a file")
    p.add_argument("--fail-level", choices=["ID", "PRIORITY", "SEMANTIC", "TEXT", "none"],
                   help="override [diff] fail_level (which otherwise comes from the base revision)")
    p.set_defaults(run=run_diff_cmd)

    p = sub.add_parser("log", help="the commits that changed a principle, and the tags holding each version")
    p.add_argument("principle", help="a principle ID, e.g. HARM-01")
    p.add_argument("path", nargs="?", default=".", help="project directory (default: .)")
    p.add_argument("--rev", default="HEAD", help="walk history from this revision (default: HEAD)")
    p.add_argument("--max-commits", type=int, default=1000, help="walk at most this many commits (default 1000)")
    p.add_argument("--format", choices=["human", "markdown", "json"], default="human", help="default: human")
    p.set_defaults(run=run_log)
