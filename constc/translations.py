"""Translations that cannot go stale silently.

Each locale addendum translates some text fields of its principle (title, statement,
critique...). `constc translations stamp` records, per locale and principle, a hash of the
source text those fields had when the translation was written, in
`<locales>/translations.lock.json`, committed with the constitution. When the source text
changes, the hash no longer matches: `check` reports the translation as stale (L015) at the
addendum's line, `constc translations` prints current / stale / unstamped / missing per
locale, and `diff` names the locales a change made stale.

Why a stamp file and not git history: the stamp says which text a translator actually
saw, it is reviewed in the same pull request as the translation, and it works on shallow
clones, exported folders and the index alike (git history says when a file changed, not
what its translator read).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from constc.diagnostics.model import Span
from constc.ir.nodes import TEXT_FIELDS, Addendum, Principle

LOCK_NAME = "translations.lock.json"


def lock_path(project) -> str:
    return f"{project.config.project.locales.strip('/')}/{LOCK_NAME}"


def fields(addendum: Addendum) -> list[str]:
    """The text fields an addendum translates."""
    return [f for f in TEXT_FIELDS if f in addendum.field_spans]


def source_hash(principle: Principle, names: list[str]) -> str:
    data = {name: getattr(principle, name) for name in names}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Status:
    locale: str
    principle_id: str
    status: str              # current | stale | unstamped | missing
    span: Span | None        # the addendum's, when there is one
    fields: tuple[str, ...] = ()
    pending: bool = False    # [translations] pending: reported, never failing


def translated(ctx) -> dict[tuple[str, str], Addendum]:
    """(principle ID, locale lowercased) -> the first locale addendum that translates text."""
    out: dict[tuple[str, str], Addendum] = {}
    for a in ctx.constitution.addenda:
        if a.scope.kind == "locale" and fields(a):
            out.setdefault((a.principle_id, a.scope.tag.lower()), a)
    return out


def restamped(base_ctx, head_ctx) -> list[tuple[str, str, Addendum]]:
    """(locale, principle ID, head addendum) for every stamp that is new or changed at head
    while the translation it vouches for kept its text: the lock now says a translator read
    the source as it is, and nothing in the translation shows it. Stamping is how a stale
    translation is declared current, so it is a change to review, not bookkeeping."""
    def stamps(ctx) -> dict[str, dict]:
        return {t.lower(): v for t, v in (ctx.translation_lock or {}).items()}

    base_lock, head_lock, base_text = stamps(base_ctx), stamps(head_ctx), translated(base_ctx)
    out = []
    for (pid, tag), add in sorted(translated(head_ctx).items()):
        stamp = head_lock.get(tag, {}).get(pid)
        if stamp is None or stamp == base_lock.get(tag, {}).get(pid):
            continue
        before = base_text.get((pid, tag))
        if before is not None and all(getattr(before, f) == getattr(add, f) for f in fields(add)) \
                and fields(before) == fields(add):
            out.append((add.scope.tag, pid, add))
    return out


def statuses(ctx) -> list[Status]:
    header = ctx.constitution.header
    if header is None:
        return []
    default = (header.locale or "").lower()
    locales = [t for t in header.locales or [] if t.lower() != default]
    pending = {t.lower() for t in ctx.project.config.translations.pending}
    lock = ctx.translation_lock
    by_key = translated(ctx)
    out = []
    for tag in locales:
        stamps = (lock or {}).get(tag, {})
        for p in ctx.constitution.principles:
            if p.jurisdiction is not None:
                continue
            add = by_key.get((p.id, tag.lower()))
            if add is None:
                out.append(Status(tag, p.id, "missing", None, (), tag.lower() in pending))
                continue
            names = fields(add)
            stamp = stamps.get(p.id)
            state = "unstamped" if stamp is None else "current" if stamp == source_hash(p, names) else "stale"
            out.append(Status(tag, p.id, state, add.span, tuple(names), tag.lower() in pending))
    return out


def stamped(ctx, locale: str | None = None) -> dict:
    """The lock with every translated principle (of `locale`, or of every locale) stamped
    as translating today's source text."""
    lock = {tag: dict(v) for tag, v in (ctx.translation_lock or {}).items()}
    by_id = {p.id: p for p in ctx.constitution.principles}
    for a in ctx.constitution.addenda:
        if a.scope.kind != "locale" or not fields(a) or a.principle_id not in by_id:
            continue
        if locale and a.scope.tag.lower() != locale.lower():
            continue
        lock.setdefault(a.scope.tag, {})[a.principle_id] = source_hash(by_id[a.principle_id], fields(a))
    return {tag: dict(sorted(v.items())) for tag, v in sorted(lock.items())}


def lock_text(lock: dict) -> str:
    return json.dumps(lock, indent=2, ensure_ascii=False) + "\n"


def stamp(ctx, locale: str | None = None) -> tuple[str, int]:
    """Write the lock with `stamped(ctx, locale)`; (its path, translations stamped)."""
    from constc.cache import write_atomic

    lock = stamped(ctx, locale)
    rel = lock_path(ctx.project)
    write_atomic(ctx.project.root / rel, lock_text(lock).encode("utf-8"))
    return rel, sum(len(v) for tag, v in lock.items() if not locale or tag.lower() == locale.lower())
