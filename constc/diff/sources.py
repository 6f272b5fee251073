"""Constitution sources at a git revision, in the index, or in a directory, without checkout.

A source spec is one of:
- `.git#ref=main` (also `#branch=`, `#tag=`, `#commit=`), buf's notation for a ref of the
  repository that holds the project;
- a revision (`main`, `HEAD~1`, a commit SHA), for `--base` / `--head`;
- `:staged` for the index, `:worktree` for the files on disk;
- a directory (another checkout or an export of the project).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from constc.config import CONFIG_NAME, Config, ConfigError, Project, parse_config
from constc.sources import DiskTree, Refused, SourceTree, glob_regex, too_large


class SourceError(Exception):
    """A source spec that cannot be read: exit code 2."""


class _BlobTree:
    """Files as {project-relative path: blob}, read lazily."""

    label: str

    def __init__(self, files: dict[str, Any]):
        self._files = files  # path -> a blob (git) or (sha, mode) (the index)

    def _info(self, blob) -> tuple[int, int]:
        """(size, mode) of a blob, without reading it."""
        raise NotImplementedError

    def _read_blob(self, blob) -> bytes:
        raise NotImplementedError

    def read(self, rel: str, limit: int | None = None) -> bytes | None:
        """A blob's bytes; its size is checked before it is read, and a symbolic link
        stored in git (whose content is its target path) is refused like one on disk."""
        blob = self._files.get(posixpath.normpath(rel))
        if blob is None:
            return None
        size, mode = self._info(blob)
        if mode == 0o120000:
            raise Refused("E207", f"{rel}: a symbolic link; constc reads only regular files inside the project")
        if limit is not None and size > limit:
            raise too_large(rel, size, limit)
        return self._read_blob(blob)

    def glob(self, pattern: str) -> list[str]:
        rx = glob_regex(pattern)
        return sorted(p for p in self._files if rx.match(p))

    def blobs(self) -> list[tuple[str, Any]]:
        """(path, blob) for every file, sorted by path; blobs are not read."""
        return sorted(self._files.items())


class GitTree(_BlobTree):
    def __init__(self, commit, prefix: str, label: str):
        files = {}
        try:
            node = commit.tree / prefix if prefix else commit.tree
        except KeyError:
            node = None  # the project folder did not exist at this revision
        self.gitlinks: dict[str, str] = {}  # submodule path -> the commit it points to
        if node is not None:
            for item in node.traverse():
                rel = posixpath.relpath(item.path, prefix) if prefix else item.path
                if item.type == "blob":
                    files[rel] = item
                elif item.type == "submodule":
                    self.gitlinks[rel] = item.hexsha
        super().__init__(files)
        self.label = label
        self.commit = commit
        self.prefix = prefix

    @staticmethod
    def _info(blob) -> tuple[int, int]:
        return blob.size, blob.mode

    @staticmethod
    def _read_blob(blob) -> bytes:
        return blob.data_stream.read()


class IndexTree(_BlobTree):
    def __init__(self, repo, prefix: str):
        files = {}
        self.gitlinks = {}
        for (path, stage), entry in repo.index.entries.items():
            if stage == 0 and (not prefix or path.startswith(prefix + "/")):
                rel = path[len(prefix) + 1:] if prefix else path
                if entry.mode == 0o160000:
                    self.gitlinks[rel] = entry.hexsha
                else:
                    files[rel] = (entry.binsha, entry.mode)
        super().__init__(files)
        self.repo = repo
        self.label = "index"

    def _info(self, entry) -> tuple[int, int]:
        return self.repo.odb.info(entry[0]).size, entry[1]

    def _read_blob(self, entry) -> bytes:
        return self.repo.odb.stream(entry[0]).read()


def gitlinks(side: "Side") -> dict[str, str] | None:
    """The submodules inside a side's project folder and the commits they point to: from the
    tree at a revision or the index; in a working tree, each checked-out submodule's HEAD
    (else the index's pointer). None for a folder outside git."""
    tree = side.tree
    links = getattr(tree, "gitlinks", None)
    if links is not None:
        return links
    if not isinstance(tree, DiskTree) or tree.root != side.project.root:
        return None
    try:
        repo = _repo(tree.root)
        staged = IndexTree(repo, _prefix(repo, tree.root)).gitlinks
    except SourceError:
        return None
    import git

    out = {}
    for rel, sha in staged.items():
        try:
            out[rel] = git.Repo(tree.root / rel).head.commit.hexsha
        except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
            out[rel] = sha  # not checked out: the pointer git would commit
    return out


def read_text(side: "Side", rel: str) -> str:
    """A project file of a side as text ("" when it is missing, or refused: too large, a
    link, not a regular file)."""
    try:
        data = side.tree.read(rel, side.project.config.project.max_file_bytes)
    except Refused:
        return ""
    return data.decode("utf-8", "replace") if data else ""


@dataclass
class Side:
    """One side of a comparison: where the files come from and the project config there."""

    tree: SourceTree
    project: Project
    label: str
    revision: str | None = None


def _repo(root: Path, search_parents: bool = True):
    import git

    try:
        return git.Repo(root, search_parent_directories=search_parents)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise SourceError(f"{root} is not inside a git repository") from None


def _prefix(repo, root: Path) -> str:
    """The project folder's path inside the repository's working tree."""
    if repo.bare or repo.working_tree_dir is None:
        raise SourceError(f"{root} is in a bare repository, which has no working tree; run constc in a checkout")
    try:
        rel = root.resolve().relative_to(Path(repo.working_tree_dir).resolve()).as_posix()
    except ValueError:
        raise SourceError(f"{root} is not inside the working tree of {repo.working_tree_dir}") from None
    return "" if rel == "." else rel


def _config_at(tree: SourceTree, fallback: Config, where: str) -> Config:
    """The constc.toml of a revision; without one, the defaults (not the working tree's:
    a revision's gate settings must be its own, see constc.trust)."""
    data = tree.read(CONFIG_NAME)
    if data is None:
        return fallback
    try:
        return parse_config(data.decode("utf-8"), f"{where}:{CONFIG_NAME}")
    except UnicodeDecodeError:
        raise ConfigError(f"{where}:{CONFIG_NAME} is not UTF-8") from None


def side_for(tree: SourceTree, current: Project, label: str, revision: str | None = None) -> Side:
    config = _config_at(tree, Config(), label)
    project = Project(root=current.root, config=config, config_path=current.config_path,
                      root_file=current.root / config.project.root)
    return Side(tree, project, label, revision)


MAX_REF = 256


def resolve_commit(repo, rev: str):
    import git

    shown = rev if len(rev) <= 60 else rev[:60] + "..."
    if len(rev) > MAX_REF or not rev.strip() or any(c in rev for c in "\0\n"):
        raise SourceError(f"'{shown}' is not a revision (at most {MAX_REF} characters, one line)")
    if not repo.head.is_valid() and rev.startswith("HEAD"):
        raise SourceError("the repository has no commits yet")
    try:
        commit = repo.commit(rev)
        commit.tree  # load the object now: in a shallow clone a parent's name resolves but its object is missing
        return commit
    except (git.BadName, git.BadObject, git.GitCommandError, ValueError, IndexError, KeyError, OSError,
            AttributeError, TypeError):
        # GitPython raises all of these for names it cannot resolve ('@{-1}' with no previous
        # branch, 'HEAD:path' naming a blob, a name too long for a ref file)
        hint = " (this is a shallow clone; fetch more history)" if (Path(repo.git_dir) / "shallow").exists() else ""
        raise SourceError(f"unknown revision '{shown}'{hint}: name a commit, branch or tag") from None


_GIT_SPEC = re.compile(r"^(?P<path>.*?\.git)#(?P<kind>ref|branch|tag|commit)=(?P<ref>.+)$")


def open_side(spec: str, current: Project) -> Side:
    """The source a spec names, relative to the current project."""
    if spec == ":worktree":
        return Side(DiskTree(current.root), current, "working tree")
    m = _GIT_SPEC.match(spec)
    try:
        is_folder = Path(spec).is_dir()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        is_folder = False
    if spec == ":staged" or m or not is_folder:
        repo = _repo(current.root)
        prefix = _prefix(repo, current.root)
        if m and m.group("path") != ".git":
            # another repository (`../other.git#ref=main`, a bare one too): the project is
            # taken from the same folder inside it as here
            other = Path(m.group("path"))
            other = other if other.is_absolute() else current.root / other
            if not other.exists():
                raise SourceError(f"{m.group('path')}: no such repository")
            repo = _repo(other, search_parents=False)
        if spec == ":staged":
            return side_for(IndexTree(repo, prefix), current, "index")
        rev = m.group("ref") if m else spec
        commit = resolve_commit(repo, rev)
        return side_for(GitTree(commit, prefix, f"{rev}@{commit.hexsha[:12]}"), current, rev, commit.hexsha)
    folder = Path(spec).resolve()
    tree = DiskTree(folder, label=str(spec))
    config = _config_at(tree, Config(), str(spec))
    project = Project(root=folder, config=config, root_file=folder / config.project.root)
    return Side(tree, project, str(spec))
