"""Compile targets: each turns a checked constitution into artifact files.

A target is a module with `NAME` and `build(comp) -> dict[relative path, text]`. The
`Compilation` below holds what they share: the principles resolved for one locale and
jurisdiction, the eval cases (examples and suites, expanded by mutation operators), the
template environment and the revision stamp. `write` adds `manifest.json`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from pathlib import Path

from constc.errors import UsageError
from constc.evalcases import EvalCase, Turn
from constc.ir.nodes import Principle
from constc.ir.resolve import fallback_chain, resolve

if TYPE_CHECKING:
    from constc.passes import Context

TARGET_NAMES = ("critique", "preference", "guard", "judge", "evals", "dataset",
                "safeguard", "granite", "shieldgemma", "nemoguard", "inspect", "promptfoo")


def dumps_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def dumps_jsonl(rows) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


@dataclass
class Compilation:
    ctx: Context                     # of a checked project
    locale: str | None = None
    jurisdiction: str | None = None
    revision: str | None = None
    dirty: bool = False
    mutations: tuple[str, ...] | None = None  # None: every operator
    locked: bool = False             # guard codes may not change (CI)

    def __post_init__(self):
        from constc.render import environment

        self.env = environment(self.ctx.tree, self.ctx.project.config.project.templates)

    # ---- the constitution ------------------------------------------------------
    @property
    def header(self):
        return self.ctx.constitution.header

    @functools.cached_property
    def principles(self) -> list[Principle]:
        return resolve(self.ctx.constitution, self.locale, self.jurisdiction)

    @functools.cached_property
    def by_id(self) -> dict[str, Principle]:
        return {p.id: p for p in self.principles}

    def by_priority(self) -> list[Principle]:
        """Most important first: by priority, except that a precedence rule always puts its
        winner before its loser, so a prompt that lists principles in this order and then
        states the rules never says two contradictory things (L012 flags the priorities).
        A precedence cycle (L005) leaves its principles in priority order."""
        import heapq

        order = sorted(self.principles, key=lambda p: (-(p.priority or 0), p.id))
        rank = {p.id: i for i, p in enumerate(order)}
        losers: dict[str, set[str]] = {p.id: set() for p in order}
        waiting = {p.id: 0 for p in order}
        for r in self.ctx.constitution.precedences:
            if r.winner in rank and r.loser in rank and r.loser not in losers[r.winner]:
                losers[r.winner].add(r.loser)
                waiting[r.loser] += 1
        ready = [rank[pid] for pid, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        out: list[Principle] = []
        while ready:
            p = order[heapq.heappop(ready)]
            out.append(p)
            for loser in losers[p.id]:
                waiting[loser] -= 1
                if waiting[loser] == 0:
                    heapq.heappush(ready, rank[loser])
        return out + [p for p in order if p not in out]  # a cycle: what is left, by priority

    @property
    def effective_locale(self) -> str | None:
        return self.locale or (self.header.locale if self.header else None)

    def stamp(self, principle_id: str | None = None) -> dict:
        """What every row carries: which principle, constitution, version, revision, locale."""
        out = {"principle_id": principle_id} if principle_id else {}
        return {**out, "constitution": self.header.name, "version": self.header.version,
                "revision": self.revision, "locale": self.effective_locale}

    # ---- phrasings (explicit, or derived from the statement by a template) -------
    def render(self, name: str, **values) -> str:
        from constc.render import render

        return render(self.env, name, **values)

    def critique_text(self, p: Principle) -> str:
        return p.critique or self.render("critique_request.j2", principle=p)

    def revision_text(self, p: Principle) -> str:
        return p.revision or self.render("revision_request.j2", principle=p)

    def compare_text(self, p: Principle) -> str:
        return p.compare or self.render("compare_question.j2", principle=p)

    def conversation(self, case: EvalCase, response: str | None = None) -> str:
        return self.render("conversation.j2", turns=turns(case, response))

    # ---- eval cases --------------------------------------------------------------
    @functools.cached_property
    def base_cases(self) -> list[EvalCase]:
        from constc.targets.evals import collect_cases

        return collect_cases(self)

    @functools.cached_property
    def cases(self) -> list[EvalCase]:
        from constc.targets.mutations import expand

        return expand(self, self.base_cases)

    def in_locale(self, case_locale: str | None) -> bool:
        chain = fallback_chain(self.effective_locale)
        return (case_locale or self.effective_locale or "").lower() in chain if chain else True


def turns(case: EvalCase, response: str | None = None) -> list[Turn]:
    out = [*case.history, Turn(role="user", content=case.prompt)]
    if response is not None:
        out.append(Turn(role="assistant", content=response))
    return out


def target_module(name: str):
    import importlib

    return importlib.import_module(f"constc.targets.{name}")


def build(comp: Compilation, names: list[str]) -> dict[str, str]:
    files: dict[str, str] = {}
    for name in names:
        files.update(target_module(name).build(comp))
    return files


def write(comp: Compilation, names: list[str], out: Path) -> dict[str, str]:
    """Write the targets' files and manifest.json under `out`; return path -> sha256."""
    from constc.cache import write_atomic

    files = build(comp, names)
    digests = {}
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a directory; -o names the output folder")
    try:
        for rel, text in sorted(files.items()):
            data = text.encode("utf-8")
            path = out / rel
            if not path.is_file() or path.read_bytes() != data:
                write_atomic(path, data)  # a failed write leaves the previous artifact whole
            digests[rel] = hashlib.sha256(data).hexdigest()
    except OSError as err:
        raise UsageError(f"cannot write the artifacts to {out}/: {err.strerror or err}") from None
    from constc import __version__

    manifest = {
        "constitution": comp.header.name, "version": comp.header.version,
        "revision": comp.revision, "dirty": comp.dirty,
        "locale": comp.effective_locale, "jurisdiction": comp.jurisdiction,
        "targets": list(names), "constc": __version__, "artifacts": digests,
    }
    write_atomic(out / "manifest.json", dumps_json(manifest).encode("utf-8"))
    return digests


def validate_scope(ctx, locale: str | None = None, jurisdiction: str | None = None) -> None:
    """A locale the header declares and a jurisdiction that exists, or a UsageError."""
    header = ctx.constitution.header
    if locale and locale.lower() not in header.declared:
        raise UsageError(f"locale '{locale}' is not declared in the header (locales: {', '.join(header.locales)})")
    known_j = {p.jurisdiction for p in ctx.constitution.principles} | \
              {a.scope.tag for a in ctx.constitution.addenda if a.scope.kind == "jurisdiction"}
    if jurisdiction and jurisdiction not in known_j:
        raise UsageError(f"jurisdiction '{jurisdiction}' has no principles or addenda")


def compilation(ctx, locale: str | None = None, jurisdiction: str | None = None, mutations: str | None = None,
                locked: bool = False):
    """The Compilation of a checked context for one locale and jurisdiction."""
    from constc import gitinfo
    from constc.targets.mutations import OPERATORS

    validate_scope(ctx, locale, jurisdiction)
    ops = None
    if mutations is not None:
        ops = tuple(m for m in mutations.split(",") if m and m != "none") if mutations != "all" else None
        unknown = set(ops or ()) - set(OPERATORS)
        if unknown:
            raise UsageError(f"unknown mutation operator(s): {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(OPERATORS)}")
    rev, dirty = gitinfo.revision(ctx.project.root)
    return Compilation(ctx, locale=locale, jurisdiction=jurisdiction, revision=rev, dirty=dirty,
                       mutations=ops, locked=locked)


def compilations(ctx, locale: str | None = None, jurisdiction: str | None = None, mutations: str | None = None):
    """The given locale, or the default locale and every declared one."""
    if locale:
        return [compilation(ctx, locale, jurisdiction, mutations)]
    header = ctx.constitution.header
    tags = [None] + [t for t in header.locales or [] if t.lower() != (header.locale or "").lower()]
    return [compilation(ctx, t, jurisdiction, mutations) for t in tags]
