"""The label cache: a content-addressed SQLite store in WAL mode.

A key is the SHA-256 of everything that decides a score: model ID and revision, dtype,
whether the chat template was used, the exact prompt and the answer options. Scores are
committed as each batch finishes, so a run that is interrupted (Ctrl-C, a killed process,
out of memory) loses at most the batch in flight and the next run resumes from there.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from constc.label import LabelError

SCORING_VERSION = "2"  # bump when the scoring method changes, so old scores are not reused


def request_key(model_id: str, revision: str, dtype: str, chat: bool, prompt: str, options,
                raw: bool = False, engine: str = "transformers", generate: int = 0) -> str:
    fields = [SCORING_VERSION, model_id, revision, dtype, chat, prompt, list(options)]
    if raw:  # only raw keys carry the flag, so the keys of normalised scores did not change
        fields.append("raw")
    if generate:  # a generated answer depends on how long it may grow
        fields.append(f"generate={generate}")
    if engine != "transformers":  # another engine's kernels give slightly other numbers; the
        fields.append(f"engine={engine}")  # transformers keys stay what they always were
    payload = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class LabelStore:
    def __init__(self, path: Path | None):
        self.path = path
        self.db = None
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS scores (key TEXT PRIMARY KEY, probs TEXT NOT NULL)")
        except (sqlite3.Error, OSError) as err:
            raise LabelError(f"cannot open the label cache {path}: {err}; set CONSTC_CACHE_DIR to a writable "
                             "folder, or pass --no-cache") from None

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        if self.db is None or not keys:
            return {}
        out = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = self.db.execute(f"SELECT key, probs FROM scores WHERE key IN ({','.join('?' * len(chunk))})",
                                   chunk)
            for k, v in rows:
                try:
                    out[k] = json.loads(v)
                except (TypeError, ValueError, RecursionError):  # a corrupted row: scored again
                    pass
        return out

    def put_many(self, items: dict[str, dict]) -> None:
        if self.db is None or not items:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?)",
                                    [(k, json.dumps(v)) for k, v in items.items()])
        except sqlite3.OperationalError as err:  # a full disk, most often
            raise LabelError(f"cannot write the label cache {self.path}: {err}; the scores of this "
                             "batch were not saved, the ones before it were") from None

    def __len__(self) -> int:
        return 0 if self.db is None else self.db.execute("SELECT COUNT(*) FROM scores").fetchone()[0]


def default_store(no_cache: bool = False) -> LabelStore:
    """The user's label cache (~/.cache/constc/labels.sqlite), or none."""
    from constc.cache import cache_root

    root = cache_root()
    return LabelStore(None if no_cache or root is None else root / "labels.sqlite")
