"""`constc lsp`: the language server for editors (docs/editors.md)."""

from __future__ import annotations

from constc.errors import UsageError


def run_lsp(args) -> int:
    try:
        import pygls  # noqa: F401
    except ImportError:
        raise UsageError("`constc lsp` needs the lsp extra: pip install 'constc[lsp]'") from None
    from constc.lsp.server import main

    return main()


def register(sub) -> None:
    p = sub.add_parser("lsp", help="run the language server for editors (stdio; needs the lsp extra)")
    p.add_argument("--stdio", action="store_true", help="speak LSP over stdin/stdout (the default and only way)")
    p.set_defaults(run=run_lsp)
