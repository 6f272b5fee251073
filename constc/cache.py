"""The user cache directory, and the parse cache that lives in it.

Parsing is the cost of `check` on a large constitution; most runs (a pre-commit hook, a
CI job) see mostly unchanged files. Parsed files are cached by the SHA-256 of the
parser's own sources, the path and the text, so any edit to either misses the cache.

Entries are JSON, never pickle: the cache directory may be shared or writable by others
(a CI cache restored from a pull request), and loading an entry must not be able to run
code. Each entry is validated against the IR models on load; anything malformed, of
another version or of the wrong shape is a miss, and a read-only disk only makes runs
slower.
"""

from __future__ import annotations

import functools
import hashlib
import os
import json
import tempfile
from pathlib import Path


def cache_root() -> Path | None:
    """$CONSTC_CACHE_DIR, else $XDG_CACHE_HOME/constc, else ~/.cache/constc; None if CONSTC_NO_CACHE."""
    if os.environ.get("CONSTC_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no", "off"):
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, flush to disk, then rename over it: a failure at any point
    (a full disk, a file-size limit, a kill) leaves the original file as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:  # as open() would create it (mkstemp makes it private to the owner)
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


CACHE_FORMAT = "parse-json-1"


def _encode(result) -> bytes:
    source, diags = result
    body = None
    if source is not None:
        body = source.model_dump(mode="json", exclude={"items"})
        body["items"] = [[type(item).__name__, item.model_dump(mode="json")] for item in source.items]
        body["comments"] = [c.model_dump(mode="json") for c in source.comments]
    return json.dumps({"format": CACHE_FORMAT, "source": body,
                       "diagnostics": [d.model_dump(mode="json") for d in diags]}).encode()


def _decode(data: bytes):
    """The cached (SourceFile | None, diagnostics), validated; raises on anything else."""
    from constc.diagnostics.model import Diagnostic
    from constc.ir import nodes

    kinds = {cls.__name__: cls for cls in (nodes.Header, nodes.Include, nodes.Principle, nodes.Precedence,
                                           nodes.Addendum, nodes.Jurisdiction)}
    entry = json.loads(data)
    if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT:
        raise ValueError("not a parse cache entry of this version")
    diags = [Diagnostic.model_validate(d) for d in entry["diagnostics"]]
    body = entry["source"]
    if body is None:
        return None, diags
    items = [kinds[kind].model_validate(value) for kind, value in body.pop("items")]
    comments = [nodes.Comment.model_validate(c) for c in body.pop("comments")]
    source = nodes.SourceFile.model_validate(body)
    source.items, source.comments = items, comments
    return source, diags


def cached_parse(text: str, path: str, parse):
    """`parse(text, path)`, memoised on disk."""
    root = cache_root()
    if root is None:
        return parse(text, path)
    key = hashlib.sha256(_parser_salt() + path.encode() + b"\0" + text.encode("utf-8", "surrogatepass")).hexdigest()
    entry = root / "parse" / key[:2] / key
    try:
        if entry.is_file() and not entry.is_symlink() and entry.stat().st_size <= 64 * len(text) + 65536:
            return _decode(entry.read_bytes())
    except Exception:  # missing, truncated, planted or from another version: parse again
        pass
    result = parse(text, path)
    try:
        write_atomic(entry, _encode(result))
    except (OSError, ValueError):
        pass
    return result


class Memo:
    """An in-process memo for a long-lived caller (the language server), in front of the
    disk cache: what the last run parsed, kept for the next run only if it is asked for
    again, so the memo holds one version of each file rather than one per keystroke."""

    def __init__(self) -> None:
        self._last: dict = {}
        self._now: dict = {}
        self.paths: set[str] = set()  # files seen in any run (constc.passes.chunks)

    def get(self, key, compute):
        if key in self._now:
            return self._now[key]
        value = self._last[key] if key in self._last else compute()
        self._now[key] = value
        return value

    def roll(self) -> None:
        """End a run: forget what it did not use."""
        self._last, self._now = self._now, {}
