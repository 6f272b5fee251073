"""Editor support: `constc lsp`, a language server for .const files (the `lsp` extra).

workspace.py holds the project as the editor sees it and the index of principle IDs;
features.py answers each request from them; server.py speaks LSP over stdio (pygls).
"""
