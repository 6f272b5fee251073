"""A revision's first-parent history, for `diff`: the last ancestor that compiles (a base
that does not compile must not wave a change through) and the last release tag (a
version bump is counted from the last release, not from the previous commit)."""

from __future__ import annotations

import re

from constc.diff.sources import GitTree, Side, side_for


def parent_side(side: Side) -> Side | None:
    """The same project at the first parent of a side's commit; None when the side is not a
    commit, or the commit has no parent (or, in a shallow clone, none fetched)."""
    tree = side.tree
    if not isinstance(tree, GitTree):
        return None
    try:
        parent = tree.commit.parents[0] if tree.commit.parents else None
        if parent is not None:
            parent.tree  # in a shallow clone the parent's name may be known and its object not
    except (ValueError, OSError, KeyError):
        return None
    if parent is None:
        return None
    label = f"{parent.hexsha[:12]}"
    return side_for(GitTree(parent, tree.prefix, label), side.project, label, parent.hexsha)


MAX_ANCESTORS = 50  # how far back `diff` looks for a base that compiles
RELEASE_TAG = re.compile(r"^v?(\d+\.\d+\.\d+)$")


def last_release(base: Side) -> tuple[str, str] | None:
    """(tag, version) of the nearest release tag (`v1.2.0` or `1.2.0`) on the base's
    first-parent history, the base included: the version a change series is counted from.
    None for a base that is not a commit (the index, a directory), or with no release tag."""
    if not isinstance(base.tree, GitTree):
        return None
    commit = base.tree.commit
    releases: dict[str, list[tuple[tuple[int, ...], str, str]]] = {}  # commit -> (key, version, tag)
    for tag in commit.repo.tags:
        m = RELEASE_TAG.match(tag.name)
        try:
            target = tag.commit.hexsha if m else None
        except ValueError:  # a tag of something that is not a commit
            target = None
        if m and target:
            version = m.group(1)
            releases.setdefault(target, []).append((tuple(int(x) for x in version.split(".")), version, tag.name))
    if not releases:
        return None
    for _ in range(MAX_ANCESTORS * 20):  # bounded: a long history without tags is not walked to its root
        if commit.hexsha in releases:
            _, version, name = max(releases[commit.hexsha])
            return name, version
        if not commit.parents:
            return None
        commit = commit.parents[0]
    return None


def compiles(ctx) -> bool:
    return ctx.ok and ctx.constitution.header is not None


def last_compiling(side: Side):
    """(side, context) of the nearest first-parent ancestor of `side` that compiles, within
    MAX_ANCESTORS commits; None when there is none (or `side` is not a commit)."""
    from constc.passes import compile_project

    probe: Side | None = side
    for _ in range(MAX_ANCESTORS):
        probe = parent_side(probe) if probe is not None else None
        if probe is None:
            return None
        ctx = compile_project(probe.project, probe.tree, until="check-references")
        if compiles(ctx):
            return probe, ctx
    return None
