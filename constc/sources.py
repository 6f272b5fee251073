"""Where source files come from: the working tree on disk, or a git revision (constc.diff).

Every path the compiler sees is POSIX and relative to the project root, so the same
constitution loads identically from disk and from git blobs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class SourceTree(Protocol):
    label: str

    def read(self, rel: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""

    def glob(self, pattern: str) -> list[str]:
        """Relative paths of files matching a glob pattern, sorted."""


class DiskTree:
    def __init__(self, root: Path, label: str = "working tree"):
        self.root = root
        self.label = label

    def read(self, rel: str) -> bytes | None:
        path = self.root / rel
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError:
            return None

    def glob(self, pattern: str) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix()
                      for p in self.root.glob(pattern) if p.is_file())
