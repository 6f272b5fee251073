"""The TextMate grammar (editors/vscode/syntaxes), run by vscode-textmate with Oniguruma (the
engine VS Code uses) over the sample constitution, and checked against the real parser's
tokens: every line tokenised, every visible character scoped, and keywords, principle IDs,
locale tags, strings and comments given the scopes an editor theme colours."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lark import Token

from constc.grammar.parser import get_parser, scan_comments
from constc.lsp.workspace import const_occurrences

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "editors" / "vscode"
SAMPLE = sorted((ROOT / "constitutions").glob("*.const")) + sorted((ROOT / "locales").glob("*/*.const"))
KEYWORDS = {"constitution", "include", "principle", "addendum", "jurisdiction", "over", "locale", "locales",
            "version", "owners", "review", "every", "days"}
FIELDS = {"title", "category", "priority", "severity", "threshold", "tags", "statement", "critique", "revision",
          "compare", "target", "example", "prompt", "response"}


@pytest.fixture(scope="module")
def tokens() -> dict[str, list]:
    """file -> per line, [(start, end, scopes)]. Installs the pinned engine (package-lock.json)
    on first use; a machine without node and npm fails here and says so."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.fail("the grammar test needs node and npm (Debian: apt-get install nodejs npm)")
    if not (EXT / "node_modules" / "vscode-textmate").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(EXT)], check=True,
                       capture_output=True, timeout=600)
    out = subprocess.run(["node", str(EXT / "tokenize.js"), *map(str, SAMPLE)], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    result = {}
    for file, lines in json.loads(out).items():
        spans = []
        for toks in lines:
            col, row = 0, []
            for text, scopes in toks:
                row.append((col, col + len(text), scopes))
                col += len(text)
            spans.append(row)
        result[file] = spans
    return result


def scopes_at(tokens, file: Path, line: int, column: int) -> list[str]:
    """Scopes of the character at a 1-based line and column."""
    for start, end, scopes in tokens[str(file)][line - 1]:
        if start <= column - 1 < end:
            return scopes
    raise AssertionError(f"{file}:{line}:{column} was not tokenised")


def test_every_line_is_tokenised_and_every_character_scoped(tokens):
    for file in SAMPLE:
        lines = file.read_text().split("\n")
        assert len(tokens[str(file)]) == len(lines)
        for n, (line, row) in enumerate(zip(lines, tokens[str(file)]), start=1):
            assert "".join(line[a:b] for a, b, _ in row) == line, f"{file}:{n}"
            bare = [line[a:b] for a, b, scopes in row if line[a:b].strip() and scopes == ["source.constc"]]
            assert not bare, f"{file}:{n}: no scope for {bare}"


def test_scopes_agree_with_the_parser(tokens):
    checked = {"string": 0, "comment": 0, "id": 0, "locale": 0, "keyword": 0}
    for file in SAMPLE:
        text = file.read_text()
        tree = get_parser().parse(text)
        for tok in tree.scan_values(lambda v: isinstance(v, Token)):
            if tok.type in ("STRING", "LONG_STRING"):
                for line in range(tok.line, tok.end_line + 1):
                    col = tok.column if line == tok.line else 1
                    if text.split("\n")[line - 1][col - 1:].strip():
                        assert any(s.startswith("string.") for s in scopes_at(tokens, file, line, col)), \
                            f"{file}:{line}:{col}"
                checked["string"] += 1
            elif tok.type == "LOCALE_TAG":
                assert "constant.other.locale.constc" in scopes_at(tokens, file, tok.line, tok.column)
                checked["locale"] += 1
        for c in scan_comments(text):
            assert any(s.startswith("comment.") for s in scopes_at(tokens, file, c.line, c.column))
            checked["comment"] += 1
        for o in const_occurrences(text, file.name):
            assert "entity.name.type.principle.constc" in scopes_at(tokens, file, o.line, o.column), \
                f"{file}:{o.line}:{o.column}"
            checked["id"] += 1
        code = re.sub(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*', lambda m: re.sub(r"[^\n]", " ", m.group()), text)
        for n, line in enumerate(code.split("\n"), start=1):
            for m in re.finditer(r"\b[a-z_]+\b", line):
                if m.group() in KEYWORDS | FIELDS:
                    scopes = scopes_at(tokens, file, n, m.start() + 1)
                    assert any(s.startswith(("keyword.", "variable.other.property")) for s in scopes), \
                        f"{file}:{n}: {m.group()} scoped {scopes}"
                    checked["keyword"] += 1
    assert all(checked.values()), checked  # each kind was seen in the sample, so each assertion ran
