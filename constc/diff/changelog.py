"""Approving intended changes: a CHANGELOG.md section for the new version that names each
principle whose meaning, priority or threshold changed, with a reason.

    ## 1.1.0

    - HARM-01: lower the threshold; the judge missed forged-document cases (#412).
    - PRIV-01, PRIV-02: also cover voice recordings.

A heading counts when it names the version (`## 1.1.0`, `## [1.1.0] - 2026-11-25`); a line
counts when it is a list item that starts with one or more principle IDs, a colon, and a
reason. This is how teams approve breaking API changes: the version says how big the
change is, the changelog says it was meant and why, and both are reviewed in the PR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^#{1,6}\s+\[?v?(\d+\.\d+\.\d+[^\]\s]*)\]?")
_ITEM = re.compile(r"^\s*[-*+]\s+((?:[A-Z][A-Z0-9]*-\d+\s*,\s*)*[A-Z][A-Z0-9]*-\d+)\s*:\s*(\S.*)$")


@dataclass(frozen=True)
class Approval:
    principle_id: str
    line: int
    reason: str


def approvals(text: str, version: str) -> dict[str, Approval]:
    """principle ID -> its approval in the section for `version` (empty when none)."""
    out: dict[str, Approval] = {}
    inside = False
    for n, line in enumerate(text.splitlines(), 1):
        heading = _HEADING.match(line)
        if heading:
            inside = heading.group(1) == version
            continue
        item = _ITEM.match(line) if inside else None
        if item:
            for pid in re.split(r"\s*,\s*", item.group(1)):
                out.setdefault(pid, Approval(pid, n, item.group(2).strip()))
    return out
