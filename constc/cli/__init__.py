"""The `constc` command line: thin commands over the library.

Exit codes: 0 clean, 1 findings, 2 usage or configuration error, 3 internal error.
Heavy libraries (torch, transformers) are imported only inside the commands that label.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from constc.errors import UsageError, UserError, did_you_mean

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
__all__ = ["EXIT_CLEAN", "EXIT_FINDINGS", "EXIT_USAGE", "EXIT_INTERNAL", "UsageError", "main"]


def render_diagnostics(diags, fmt: str, texts=None) -> str:
    """The one renderer for every command's diagnostics; SARIF gets the catalogue's rule names."""
    from constc.diagnostics.render import RENDERERS

    rules = None
    if fmt == "sarif":
        from constc.catalogue import names

        rules = names()
    return RENDERERS[fmt](diags, texts, rules=rules)


def _commands():
    # one module per command family; each exposes register(subparsers)
    from constc.cli import check_cmds, compile_cmds, diff_cmds, editor_cmds, label_cmds, regress_cmds

    return [check_cmds, compile_cmds, diff_cmds, label_cmds, regress_cmds, editor_cmds]


def build_parser() -> argparse.ArgumentParser:
    from constc import __version__

    parser = argparse.ArgumentParser(prog="constc", description="Constitutions as code: check, format, "
                                     "compile, diff and regression-test AI constitutions.")
    parser.add_argument("--version", action="version", version=f"constc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _commands():
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if argv and not argv[0].startswith("-") and argv[0] not in commands:
        print(f"constc: error: unknown command '{argv[0]}'{did_you_mean(argv[0], commands)}; "
              f"commands: {', '.join(commands)}", file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    from constc.api import CheckFailed

    try:
        return args.run(args)
    except CheckFailed as err:  # the project's own errors, located: findings, not a usage error
        from constc.diagnostics.render import render_human

        print(render_human(err.diagnostics, err.texts), file=sys.stderr)
        print(f"constc: {err}", file=sys.stderr)
        return EXIT_FINDINGS
    except UserError as err:
        print(f"constc: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("constc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN
    except Exception as err:  # the one place a traceback may be shown, and only on request
        if os.environ.get("CONSTC_DEBUG"):
            traceback.print_exc()
        print(f"constc: internal error: {type(err).__name__}: {err}\n"
              "  this is a bug in constc; rerun with CONSTC_DEBUG=1 for the traceback", file=sys.stderr)
        return EXIT_INTERNAL
