"""regress: label the eval cases a constitution change affects, at both revisions."""

from __future__ import annotations

import sys
from pathlib import Path

from constc.cli import EXIT_CLEAN, EXIT_FINDINGS, UsageError
from constc.cli.label_cmds import (
    add_model_args,
    default_model_note,
    model_kwargs,
    quiet_progress_bars,
    writable_output,
)


def run_regress(args) -> int:
    from constc import api
    from constc.regress.report import RENDERERS

    if args.quiet:
        quiet_progress_bars()
    output = writable_output(args.output)
    if args.format == "html":
        from constc.page import require

        require()
    try:
        result = api.regress(args.path, against=args.against, base=args.base, head=args.head, staged=args.staged,
                             pre_push=args.pre_push, mutations=args.mutations, **model_kwargs(args))
    except KeyboardInterrupt:
        print("constc: interrupted; every finished batch is in the label cache, rerun to resume", file=sys.stderr)
        return 130
    if args.format == "sarif":
        from constc.catalogue import names
        from constc.regress.report import render_sarif

        text = render_sarif(result, rules=names())
    else:
        text = RENDERERS[args.format](result)
    if output is not None:
        from constc.cache import write_atomic

        write_atomic(output, text.encode("utf-8"))
    else:
        print(text, end="" if text.endswith("\n") else "\n")
    if result.banners and args.format not in ("human", "markdown"):
        for b in result.banners:
            print(f"constc: warning: {b}", file=sys.stderr)
    if result.outcomes and args.format not in ("human", "markdown", "json", "html"):
        default_model_note(args)  # the other formats carry it in their notes
    return EXIT_FINDINGS if result.status == "fail" else EXIT_CLEAN


def run_audit(args) -> int:
    from constc.api import compilation
    from constc.cli.compile_cmds import checked_context
    from constc.regress import audit

    if args.size < 1:
        raise UsageError(f"--size must be at least 1 (got {args.size})")
    if not Path(args.file).is_file():
        raise UsageError(f"{args.file}: no such file")
    try:
        rows = audit.read_rows(Path(args.file))
    except (ValueError, UnicodeDecodeError, OSError) as err:
        raise UsageError(f"{args.file}: cannot read rows: {err}") from None
    ctx = checked_context(args.path, "human")
    if ctx is None:
        return EXIT_FINDINGS
    if args.action == "sample":
        comp = compilation(ctx, mutations="all")
        picked = audit.sample(rows, comp, args.size, args.seed)
        text = audit.write_rows(picked, "jsonl" if args.output.endswith(".jsonl") else "csv")
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"sampled {len(picked)} of {len(rows)} row(s) into {args.output}; fill in human_label "
              "(violates/complies) and run `constc audit agree`", file=sys.stderr)
        return EXIT_CLEAN
    try:
        stats = audit.agree(rows)
    except audit.AuditError as err:
        raise UsageError(f"{args.file}: {err}") from None
    print(audit.render_agreement(stats))
    from constc import gitinfo

    header = ctx.constitution.header
    history = audit.append_history(ctx.project.root / args.history, header.version, gitinfo.revision(ctx.project.root)[0],
                                   stats)
    if len(history) > 1:
        print("\nagreement across versions (kappa, all principles):")
        for h in history:
            k = h["kappa"].get("(all)")
            print(f"  {h['version']} {(h['revision'] or '')[:10]:<10} n={h['n']:<4} "
                  f"kappa={'-' if k is None else f'{k:.2f}'}")
    return EXIT_CLEAN


def register(sub) -> None:
    p = sub.add_parser("audit", help="sample labeled rows for human review, and measure agreement")
    p.add_argument("action", choices=["sample", "agree"], help="sample: pick rows to review; agree: measure "
                   "agreement of the reviewed rows with the model")
    p.add_argument("file", help="sample: labels.jsonl from `constc label`; agree: the reviewed CSV/JSONL")
    p.add_argument("path", nargs="?", default=".", help="project directory (default: .)")
    p.add_argument("--size", type=int, default=50, help="sample: how many rows (default 50)")
    p.add_argument("--seed", default="constc", help="sample: tie-break seed")
    p.add_argument("-o", "--output", default="audit.csv", help="sample: output file (.csv or .jsonl)")
    p.add_argument("--history", default=".constc/audit-history.jsonl", help="agree: where agreement is recorded")
    p.set_defaults(run=run_audit)

    p = sub.add_parser("regress", help="relabel the eval cases a change affects, at both revisions, and compare")
    p.add_argument("path", nargs="?", default=".", help="project directory (default: .)")
    p.add_argument("--against", metavar="SPEC", help="compare the working tree with SPEC (as for diff)")
    p.add_argument("--base", metavar="SPEC", help="the old side (a revision, '.git#ref=...', or a directory)")
    p.add_argument("--head", metavar="SPEC", help="the new side (default: the working tree)")
    p.add_argument("--staged", action="store_true", help="compare the index with HEAD (for pre-commit)")
    p.add_argument("--pre-push", action="store_true", help="compare the refs pre-commit's pre-push stage passes")
    p.add_argument("--format", choices=["human", "markdown", "json", "junit", "github", "sarif", "html"], default="human",
                   help="human/github/sarif: verdicts as diagnostics; markdown: the PR report; junit: one test per "
                   "verdict and case; json: the report with its diagnostics (default: human)")
    p.add_argument("-o", "--output", help="write the report to a file")
    p.add_argument("--mutations", default="none", help="mutation operators to include: none (default), all, a list")
    add_model_args(p)
    p.set_defaults(run=run_regress)
