"""The language's grammar (constitution.lark) and its parser (constc.grammar.parser)."""

from __future__ import annotations

import re
import unicodedata

NAME = re.compile(r"[a-z_][a-z0-9_]*")  # the NAME terminal of constitution.lark


def plain_name(text: str) -> str:
    """Free text (a folder or file name) in NAME's alphabet: `My-Pólicy.v2` ->
    `my_policy_v2`. It may still be empty or start with a digit: the caller decides what
    goes in front."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()  # Pólicy -> Policy
    return re.sub(r"[^a-z0-9_]+", "_", ascii_text.lower()).strip("_")
