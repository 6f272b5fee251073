"""The language server's model of one project: the files on disk with the editor's unsaved
text laid over them, checked by the same passes and lint rules as `constc check`, and an
index of where each principle ID is written.

Nothing here imports pygls: the benchmark and the tests drive a Workspace directly.

What a keystroke re-checks: only the edited file is parsed again (every other file's parse
comes from an in-process memo, keyed by its text). The passes after parsing run over the
whole constitution, because what they check is a property of all files together: an ID
edited in one file can make a precedence rule in another dangle, or a translation stale.
They are linear in the number of principles; benchmarks/bench_lsp.py measures the sum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from constc.cache import Memo
from constc.config import ConfigError, Project, find_project
from constc.diagnostics.model import Diagnostic, Severity, Span
from constc.ir.nodes import PRINCIPLE_ID, STRINGS_AND_COMMENTS
from constc.passes import Context, compile_project
from constc.sources import DiskTree, Refused, glob_regex, inside, too_large

# a .const file as tokens: strings and comments are skipped whole, so an ID inside prose is
# never taken for a reference
TOKEN = re.compile(STRINGS_AND_COMMENTS + r"|[A-Za-z0-9_.]+(?:-[A-Za-z0-9_]+)*|\S")


class OverlayTree(DiskTree):
    """The project on disk, with the text of files open in the editor in place of theirs."""

    def __init__(self, root: Path, docs: dict[str, str]):
        super().__init__(root, "editor")
        self.docs = docs

    def read(self, rel: str, limit: int | None = None) -> bytes | None:
        if rel in self.docs:
            data = self.docs[rel].encode("utf-8")
            if limit is not None and len(data) > limit:
                raise too_large(rel, len(data), limit)
            return data
        return super().read(rel, limit)

    def glob(self, pattern: str) -> list[str]:
        rx = glob_regex(pattern)
        return sorted(set(super().glob(pattern)) | {rel for rel in self.docs if rx.match(rel)})


@dataclass(frozen=True)
class Occurrence:
    """One place a principle ID is written."""

    pid: str
    file: str
    line: int    # 1-based
    column: int  # 1-based, code points
    kind: str    # definition | addendum | precedence | evalcase | lock | config

    @property
    def span(self) -> Span:
        return Span(file=self.file, line=self.line, column=self.column, end_line=self.line,
                    end_column=self.column + len(self.pid))


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def const_occurrences(text: str, rel: str) -> list[Occurrence]:
    """IDs in the positions the grammar gives them: after `principle` or `addendum`, and on
    either side of `over`. Locale tags (`de-DE`) have the same shape and are left out."""
    tokens = [(m.group(), m.start()) for m in TOKEN.finditer(text)
              if not m.group().startswith(("#", '"'))]
    starts = _line_starts(text)
    out = []
    for i, (tok, offset) in enumerate(tokens):
        if not PRINCIPLE_ID.fullmatch(tok):
            continue
        before = tokens[i - 1][0] if i else ""
        after = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        kind = {"principle": "definition", "addendum": "addendum", "over": "precedence"}.get(before)
        if kind is None and after == "over":
            kind = "precedence"
        if kind:
            line = _bisect(starts, offset)
            out.append(Occurrence(tok, rel, line, offset - starts[line - 1] + 1, kind))
    return out


def _bisect(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset)


def jsonl_occurrences(text: str, rel: str) -> list[Occurrence]:
    """IDs in each case's `principles` list."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        key = re.search(r'"principles"\s*:\s*\[', line)
        if not key:
            continue
        end = line.find("]", key.end())
        for m in re.finditer(r'"([^"\\]*)"', line[key.end(): end if end >= 0 else len(line)]):
            if PRINCIPLE_ID.fullmatch(m.group(1)):
                out.append(Occurrence(m.group(1), rel, n, key.end() + m.start(1) + 1, "evalcase"))
    return out


def keyed_occurrences(text: str, rel: str, kind: str, pattern: str) -> list[Occurrence]:
    """IDs used as keys: `"HARM-01": "stamp"` in the translations lock, `"HARM-01" = 0.3`
    in constc.toml's thresholds."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):  # a TOML comment
            continue
        for m in re.finditer(pattern, line):
            if PRINCIPLE_ID.fullmatch(m.group(1)):
                out.append(Occurrence(m.group(1), rel, n, m.start(1) + 1, kind))
    return out


class Workspace:
    def __init__(self, root: Path):
        """`root`: the editor's workspace folder; the project is the nearest folder at or
        above it with a constc.toml (an editor opened on `constitutions/` still checks the
        whole project). None found: `found` is False and nothing is checked."""
        start = root.resolve()
        home = next((d for d in (start, *start.parents) if (d / "constc.toml").is_file()), None)
        self.found = home is not None
        self.root = home or start
        self.docs: dict[str, str] = {}   # rel path -> the editor's text
        self.memo = Memo()
        self.ctx: Context | None = None
        self.config_error: Diagnostic | None = None
        self._index: list[Occurrence] | None = None

    # ---- documents -----------------------------------------------------------------
    def rel(self, path: Path) -> str | None:
        """`path` relative to the project root, or None for a file outside it (or reached
        through a link that leads out of it): such a file is not part of the project."""
        try:
            return inside(self.root, path).relative_to(self.root).as_posix()
        except (Refused, ValueError, OSError):
            return None

    def set_text(self, rel: str, text: str) -> None:
        self.docs[rel] = text

    def close(self, rel: str) -> None:
        self.docs.pop(rel, None)

    def text(self, rel: str) -> str | None:
        if rel in self.docs:
            return self.docs[rel]
        try:
            data = DiskTree(self.root).read(rel, 64 << 20)
        except Refused:
            return None
        return data.decode("utf-8", "replace") if data is not None else None

    # ---- checking ------------------------------------------------------------------
    def project(self) -> Project | None:
        cfg = self.root / "constc.toml"
        self.config_error = None
        try:
            if "constc.toml" in self.docs:
                from constc.config import parse_config

                config = parse_config(self.docs["constc.toml"], "constc.toml")
                return Project(root=self.root, config=config, config_path=cfg,
                               root_file=self.root / config.project.root)
            return find_project(self.root)
        except ConfigError as err:
            m = re.match(r"[^:]*constc\.toml:(\d+):", str(err))
            line = int(m.group(1)) if m else 1
            self.config_error = Diagnostic(code="E310", severity=Severity.error,
                                           message=str(err).split(": ", 1)[-1] if m else str(err),
                                           span=Span(file="constc.toml", line=line, column=1, end_line=line,
                                                     end_column=1))
            return None

    def check(self) -> Context | None:
        """Check the project with the editor's text; None when constc.toml does not load."""
        project = self.project() if self.found else None
        if project is None:
            self.ctx, self._index = None, None
            return None
        self.ctx = compile_project(project, OverlayTree(self.root, self.docs), memo=self.memo)
        self.memo.roll()
        self._index = None
        return self.ctx

    def diagnostics(self) -> dict[str, list[Diagnostic]]:
        """rel path -> its diagnostics, for every file of the last check."""
        out: dict[str, list[Diagnostic]] = {}
        if self.config_error:
            out["constc.toml"] = [self.config_error]
        for d in self.ctx.diagnostics if self.ctx else []:
            if d.span is not None:
                out.setdefault(d.span.file, []).append(d)
        return out

    # ---- the ID index ----------------------------------------------------------------
    def files(self) -> dict[str, str]:
        """Every file that can name a principle ID, with its text."""
        if self.ctx is None:
            return {}
        cfg = self.ctx.project.config.project
        tree = OverlayTree(self.root, self.docs)
        out = dict(self.ctx.texts)
        from constc.translations import lock_path

        extra = tree.glob(f"{cfg.evalcases.strip('/')}/**/*.jsonl") + tree.glob(lock_path(self.ctx.project)) + \
            (["constc.toml"] if self.ctx.project.config_path else [])
        for rel in extra:
            text = self.text(rel)
            if text is not None:
                out[rel] = text
        return out

    def index(self) -> list[Occurrence]:
        if self._index is None:
            from constc.translations import lock_path

            lock = lock_path(self.ctx.project) if self.ctx else None
            out: list[Occurrence] = []
            for rel, text in self.files().items():
                if rel.endswith(".const"):
                    out += const_occurrences(text, rel)
                elif rel.endswith(".jsonl"):
                    out += jsonl_occurrences(text, rel)
                elif rel == lock:
                    out += keyed_occurrences(text, rel, "lock", r'"([^"]+)"\s*:\s*"')
                elif rel == "constc.toml":
                    out += keyed_occurrences(text, rel, "config", r'"([^"]+)"\s*=')
            self._index = out
        return self._index

    def occurrences(self, pid: str) -> list[Occurrence]:
        return [o for o in self.index() if o.pid == pid]

    def id_at(self, rel: str, line: int, column: int) -> str | None:
        """The principle ID under a 1-based position: any ID-shaped word that names a
        principle of the constitution, wherever it is written (prose and comments too)."""
        text = self.text(rel)
        if text is None or self.ctx is None:
            return None
        lines = text.splitlines()
        if not 1 <= line <= len(lines):
            return None
        for m in PRINCIPLE_ID.finditer(lines[line - 1]):
            if m.start() + 1 <= column <= m.end() + 1 and self.ctx.constitution.principle(m.group()):
                return m.group()
        return None

