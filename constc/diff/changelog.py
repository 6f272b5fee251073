"""Approving intended changes: a CHANGELOG.md section for the new version that names each
principle whose meaning, priority or threshold changed, with a reason.

    ## 1.1.0

    - HARM-01: lower the threshold; the judge missed forged-document cases (#412).
    - PRIV-01, PRIV-02: also cover voice recordings.

A heading counts when it names the version (`## 1.1.0`, `## [1.1.0] - 2026-11-25`); a line
counts when it is a list item that starts with one or more principle IDs, a colon, and a
reason. This is how teams approve breaking API changes: the version says how big the
change is, the changelog says it was meant and why, and both are reviewed in the PR.

An approval belongs to the change that adds it: a line already in the base revision's
changelog (written for an earlier change, or planted ahead of one) approves nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection

_HEADING = re.compile(r"^#{1,6}\s+\[?v?(\d+\.\d+\.\d+[^\]\s]*)\]?")
_ITEM = re.compile(r"^\s*[-*+]\s+((?:[A-Z][A-Z0-9]*-\d+\s*,\s*)*[A-Z][A-Z0-9]*-\d+)\s*:\s*(\S.*)$")


@dataclass(frozen=True)
class Approval:
    principle_id: str
    line: int
    reason: str


def approval_lines(text: str) -> set[str]:
    """Every approval item of a changelog, whatever its section, as stripped text."""
    return {line.strip() for line in text.splitlines() if _ITEM.match(line)}


def approvals(text: str, version: str,
              already: Collection[str] = frozenset()) -> tuple[dict[str, Approval], dict[str, int]]:
    """(principle ID -> its approval in the section for `version`, principle ID -> the line
    of an approval there that `already` held, so it approves nothing)."""
    out: dict[str, Approval] = {}
    reused: dict[str, int] = {}
    inside = False
    for n, line in enumerate(text.splitlines(), 1):
        heading = _HEADING.match(line)
        if heading:
            inside = heading.group(1) == version
            continue
        item = _ITEM.match(line) if inside else None
        if item:
            for pid in re.split(r"\s*,\s*", item.group(1)):
                if line.strip() in already:
                    reused.setdefault(pid, n)
                else:
                    out.setdefault(pid, Approval(pid, n, item.group(2).strip()))
    return out, reused
