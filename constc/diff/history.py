"""`constc log ID`: the commits that changed one principle, and the tags holding each version.

History is walked oldest first over the commits that touch the project folder; each is
compiled from its blobs (the parse cache makes unchanged files free) and the principle's
fingerprint (its fields and its addenda, positions left out) is compared with the last
one seen. A new fingerprint is a new version of the principle's text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from constc.config import Project
from constc.diff.semantic import Change, semantic_diff
from constc.diff.sources import GitTree, _config_at, _prefix, _repo, resolve_commit
from constc.ir.nodes import Constitution, Include, Jurisdiction, Precedence, strip_spans


@dataclass
class Entry:
    commit: str
    date: str
    author: str
    summary: str
    kind: str                    # added | changed | removed | restored | first seen (history incomplete)
    version: int | None          # None once removed
    changes: list[Change] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass
class History:
    principle: str
    scanned: int
    entries: list[Entry]
    incomplete: str | None = None  # why the oldest entry may not be where the principle began


def _constitution(repo_commit, prefix: str, project: Project) -> Constitution:
    from constc.passes import compile_project

    tree = GitTree(repo_commit, prefix, repo_commit.hexsha[:12])
    config = _config_at(tree, project.config, tree.label)
    at = Project(root=project.root, config=config, root_file=project.root / config.project.root)
    return compile_project(at, tree, until="merge-addenda").constitution


def source_key(text: str, path: str, pid: str) -> str:
    """What in one file could change the principle's fingerprint: its includes, and every
    block about `pid` (the principle, possibly inside a jurisdiction, and its addenda),
    positions left out. The file is parsed through the parse cache, like a compile; a file
    that does not parse is keyed by its text (compiling it will report why)."""
    from constc.cache import cached_parse
    from constc.passes.load import parse_source

    source, _ = cached_parse(text, path, parse_source)
    if source is None:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    relevant = []
    for item in source.items:
        if isinstance(item, Include) or getattr(item, "principle_id", None) == pid or getattr(item, "id", None) == pid \
                or (isinstance(item, Precedence) and pid in (item.winner, item.loser)):
            relevant.append(strip_spans(item))
        elif isinstance(item, Jurisdiction):
            relevant += [[item.name, strip_spans(p)] for p in item.principles if p.id == pid]
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def fingerprint(const: Constitution, pid: str) -> str | None:
    p = const.principle(pid)
    if p is None:
        return None
    # everything `diff` charges to the principle: its fields, its addenda, and the
    # precedence rules it wins or loses
    data = {"principle": strip_spans(p),
            "addenda": sorted((strip_spans(a) for a in const.addenda if a.principle_id == pid),
                              key=lambda a: json.dumps(a, sort_keys=True)),
            "precedence": sorted([r.winner, r.loser] for r in const.precedences if pid in (r.winner, r.loser))}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _commit_key(commit, prefix: str, pid: str, keys: dict, limit: int) -> tuple:
    tree = GitTree(commit, prefix, commit.hexsha[:12])
    out = []
    for path, blob in tree.blobs():
        if path.endswith(".toml") or path == "guard-codes.json":
            out.append((path, blob.hexsha))
        elif path.endswith(".const"):
            if blob.hexsha not in keys:  # a blob over the limit is never read (compiling it reports it)
                keys[blob.hexsha] = blob.hexsha if blob.size > limit or blob.mode == 0o120000 else \
                    source_key(blob.data_stream.read().decode("utf-8", "replace"), path, pid)
            out.append((path, keys[blob.hexsha]))
    return tuple(out)


def principle_history(project: Project, pid: str, max_commits: int = 1000, rev: str = "HEAD") -> History:
    repo = _repo(project.root)
    prefix = _prefix(repo, project.root)
    head = resolve_commit(repo, rev)
    commits = list(repo.iter_commits(head, paths=prefix or None, max_count=max_commits))[::-1]
    incomplete = None
    if (Path(repo.git_dir) / "shallow").exists():
        incomplete = "this is a shallow clone: older history was not fetched (git fetch --unshallow)"
    elif len(commits) == max_commits:
        incomplete = f"only the last {max_commits} commits were walked (--max-commits)"
    entries: list[Entry] = []
    versions: dict[str, int] = {}
    last_fp, last_const, last_key = None, Constitution(), None
    keys: dict[str, str] = {}  # blob sha -> source_key, so each blob is parsed once
    for commit in commits:
        key = _commit_key(commit, prefix, pid, keys, project.config.project.max_file_bytes)
        if key == last_key:  # nothing that can affect the principle changed: skip compiling
            continue
        last_key = key
        const = _constitution(commit, prefix, project)
        fp = fingerprint(const, pid)
        if fp != last_fp:
            if fp is None:
                kind, version = "removed", None
            else:
                kind = ("first seen" if incomplete else "added") if last_fp is None and not entries else \
                    ("restored" if last_fp is None else "changed")
                version = versions.setdefault(fp, len(versions) + 1)
            changes = [c for c in semantic_diff(last_const, const) if pid in (c.principle_id, c.other_id)]
            entries.append(Entry(commit.hexsha, commit.committed_datetime.date().isoformat(),
                                 str(commit.author.name), commit.summary, kind, version, changes))
        last_fp, last_const = fp, const
    by_version: dict[int, list[str]] = {}
    for tag in sorted(repo.tags, key=lambda t: t.name):
        try:
            tag_commit = tag.commit
        except ValueError:  # a tag that points at something other than a commit
            continue
        fp = fingerprint(_constitution(tag_commit, prefix, project), pid)
        if fp in versions:
            by_version.setdefault(versions[fp], []).append(tag.name)
    seen: set[int] = set()
    for e in entries:
        if e.version is not None and e.version not in seen:
            seen.add(e.version)
            e.tags = by_version.get(e.version, [])
    return History(pid, len(commits), entries, incomplete)


def render_history(h: History, fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"principle": h.principle, "commits_scanned": h.scanned, "incomplete": h.incomplete,
                           "entries": [
            {"commit": e.commit, "date": e.date, "author": e.author, "summary": e.summary, "kind": e.kind,
             "version": e.version, "tags": e.tags, "changes": [{"rule": c.rule, "message": c.message}
                                                                 for c in e.changes]}
            for e in h.entries]}, indent=2, ensure_ascii=False)
    versions = len({e.version for e in h.entries if e.version})
    md = fmt == "markdown"
    out = [f"{'## ' if md else ''}{h.principle}: {versions} version(s) in {h.scanned} commit(s) scanned", ""]
    if h.incomplete:
        out[1:1] = [f"{'> ' if md else ''}note: the history is incomplete: {h.incomplete}; the first entry is "
                    "where it was first seen, not necessarily where it began", ""]
    if md:
        out += ["| version | commit | date | summary | change | rules | tags |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for e in h.entries:
        rules = ", ".join(sorted({c.rule for c in e.changes})) or "-"
        v = f"v{e.version}" if e.version else "-"
        tags = ", ".join(e.tags) or "-"
        if md:
            out.append(f"| {v} | `{e.commit[:10]}` | {e.date} | {e.summary} | {e.kind} | {rules} | {tags} |")
        else:
            out.append(f"{v:<4} {e.commit[:10]} {e.date}  {e.kind:<8} {e.summary}")
            out.append(f"     rules: {rules}   tags: {tags}")
    return "\n".join(out)
