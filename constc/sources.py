"""Where source files come from: the working tree on disk, or a git revision (constc.diff).

Every path the compiler sees is POSIX and relative to the project root, so the same
constitution loads identically from disk and from git blobs.

A project is untrusted input (a pull request may come from anyone), so every read is
confined: a path that resolves outside the project root (through a symbolic link), a file
that is not a regular file (a FIFO would hang the read, a device never end), a symbolic
link stored in git, or a file over the size limit is refused with a `Refused` error that
the loading passes turn into a located diagnostic. Sizes are checked before reading.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from pathlib import Path
from typing import Protocol


class Refused(Exception):
    """A file constc will not read; `code` is the diagnostic code to report it under."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class SourceTree(Protocol):
    label: str

    def read(self, rel: str, limit: int | None = None) -> bytes | None:
        """The file's bytes, or None when there is no such file; raises Refused for a file
        outside the project, not a regular file, or larger than `limit` bytes."""

    def glob(self, pattern: str) -> list[str]:
        """Relative paths of files matching a glob pattern, sorted."""


def too_large(rel: str, size: int, limit: int) -> Refused:
    return Refused("E203", f"{rel}: file is {size:,} bytes; the limit is {limit:,}")


def inside(root: Path, path: Path) -> Path:
    """`path` with every symbolic link resolved, if that lies inside `root`; else Refused."""
    real, top = path.resolve(), root.resolve()
    if real != top and top not in real.parents:
        raise Refused("E207", f"{path.relative_to(root).as_posix() if path.is_relative_to(root) else path}: "
                              "leads outside the project (a symbolic link); constc reads only files inside "
                              "the project root")
    return real


def read_confined(root: Path, rel: str, limit: int | None = None) -> bytes | None:
    """Read `root/rel` under the rules above; None when it does not exist."""
    path = root / rel
    if not os.path.lexists(path):
        return None
    real = inside(root, path)
    try:
        st = os.stat(real)
    except OSError:
        return None  # a dangling link
    if not stat.S_ISREG(st.st_mode):
        raise Refused("E208", f"{rel}: not a regular file (a directory, FIFO, socket or device)")
    if limit is not None and st.st_size > limit:
        raise too_large(rel, st.st_size, limit)
    with open(real, "rb") as fh:  # bounded even if the file grows between stat and read
        return fh.read(limit + 1 if limit is not None else -1)


@functools.lru_cache(maxsize=64)
def glob_regex(pattern: str) -> re.Pattern:
    """pathlib-style glob (`**/` is zero or more folders, `*` stays inside one) as a regex."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i:j + 1])[4:-3])
                i = j + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


class DiskTree:
    def __init__(self, root: Path, label: str = "working tree"):
        self.root = root
        self.label = label

    def read(self, rel: str, limit: int | None = None) -> bytes | None:
        try:
            return read_confined(self.root, rel, limit)
        except Refused:
            raise
        except OSError:
            return None

    def glob(self, pattern: str) -> list[str]:
        """Matching files under the root; folders reached through symbolic links are not
        searched (they may lead anywhere), nor .git."""
        rx = glob_regex(pattern)
        # walk only below the pattern's literal folders: `evalcases/**/*.jsonl` never needs to
        # visit a virtual environment or node_modules beside it (seconds in a real checkout)
        literal = []
        for part in pattern.split("/")[:-1]:
            if set(part) & set("*?["):
                break
            literal.append(part)
        start = self.root.joinpath(*literal)
        if any(self.root.joinpath(*literal[:n]).is_symlink() for n in range(1, len(literal) + 1)) \
                or not start.is_dir():
            return []
        # without `**` a pattern has a fixed depth: no need to look deeper
        max_depth = None if "**" in pattern else pattern.count("/") - len(literal)
        out = []
        for folder, dirs, files in os.walk(start, followlinks=False):
            depth = len(Path(folder).relative_to(start).parts)
            dirs[:] = [d for d in dirs if d != ".git" and (max_depth is None or depth < max_depth)]
            rel_folder = Path(folder).relative_to(self.root).as_posix()
            for name in files:
                rel = name if rel_folder == "." else f"{rel_folder}/{name}"
                if rx.match(rel):
                    out.append(rel)
        return sorted(out)
