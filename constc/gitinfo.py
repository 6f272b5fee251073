"""The git revision a project's files come from, for stamping compiled artifacts."""

from __future__ import annotations

from pathlib import Path


def revision(root: Path) -> tuple[str | None, bool]:
    """(HEAD commit, whether the tree differs from it); (None, False) outside a repository."""
    try:
        import git

        repo = git.Repo(root, search_parent_directories=True)
        if not repo.head.is_valid():
            return None, True
        return repo.head.commit.hexsha, repo.is_dirty(untracked_files=True, path=str(root))
    except Exception:  # not a repository, no git binary, a broken repository: no revision
        return None, False
