"""The user cache directory, and the parse cache that lives in it.

Parsing is the cost of `check` on a large constitution; most runs (a pre-commit hook, a
CI job) see mostly unchanged files. Parsed files are cached by the SHA-256 of the
parser's own sources, the path and the text, so any edit to either misses the cache.
The cache is the user's own data (pickle, like pytest's and mypy's caches); unreadable
entries are ignored, and a read-only disk only makes runs slower.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from pathlib import Path


def cache_root() -> Path | None:
    """$CONSTC_CACHE_DIR, else $XDG_CACHE_HOME/constc, else ~/.cache/constc; None if CONSTC_NO_CACHE."""
    if os.environ.get("CONSTC_NO_CACHE"):
        return None
    if os.environ.get("CONSTC_CACHE_DIR"):
        return Path(os.environ["CONSTC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "constc"


@functools.lru_cache(maxsize=1)
def _parser_salt() -> bytes:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for rel in ("grammar/constitution.lark", "grammar/parser.py", "ir/build.py", "ir/nodes.py",
                "passes/load.py", "diagnostics/model.py"):
        digest.update((here / rel).read_bytes())
    return digest.digest()


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_parse(text: str, path: str, parse):
    """`parse(text, path)`, memoised on disk."""
    root = cache_root()
    if root is None:
        return parse(text, path)
    key = hashlib.sha256(_parser_salt() + path.encode() + b"\0" + text.encode()).hexdigest()
    entry = root / "parse" / key[:2] / key
    try:
        return pickle.loads(entry.read_bytes())
    except Exception:  # missing, truncated or from another version: parse again
        pass
    result = parse(text, path)
    try:
        write_atomic(entry, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
    return result
