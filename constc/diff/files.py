"""Changes in the project's files beyond the constitution that change what the critic
does: templates (every prompt), guard codes (what a trained classifier's labels mean),
translation stamps (which translations count as current) and submodules (content constc
cannot read at a revision). Each is a finding of `diff`."""

from __future__ import annotations

import json

from constc.diagnostics.model import Span
from constc.diff.semantic import Change, Rule
from constc.diff.sources import Side, read_text
from constc.sources import Refused


def submodule_changes(base: Side, head: Side) -> list[Change]:
    """A submodule inside the project that appears, goes or points elsewhere: constc reads
    no submodule's content at a revision, so whatever it holds could have changed meaning."""
    from constc.diff.sources import gitlinks

    a, b = gitlinks(base), gitlinks(head)
    if a is None or b is None:
        return []
    out = []
    for path in sorted(a.keys() | b.keys()):
        old, new = a.get(path), b.get(path)
        if old != new:
            what = "added" if old is None else "removed" if new is None else f"moved {old[:12]} -> {new[:12]}"
            out.append(Change(rule=Rule.SUBMODULE_CHANGED.id, field="submodule", before=old, after=new,
                              message=f"submodule {path} {what}: constc cannot read what it holds at a revision; "
                                      "review its own diff"))
    return out


def template_changes(base: Side, head: Side) -> list[Change]:
    """A project template that appears, goes or changes: what the critic is asked changes
    for every principle, so it is a finding (and regress relabels every principle)."""
    def templates(side: Side) -> dict[str, bytes | None]:
        folder = side.project.config.project.templates.strip("/")
        out: dict[str, bytes | None] = {}
        for rel in side.tree.glob(f"{folder}/**/*"):
            try:
                out[rel] = side.tree.read(rel, side.project.config.project.max_file_bytes)
            except Refused:
                out[rel] = None  # unreadable (a link out, too large): compared by presence only
        return out

    a, b = templates(base), templates(head)
    out = []
    for rel in sorted(a.keys() | b.keys()):
        if a.get(rel) != b.get(rel) or (rel in a) != (rel in b):
            what = "added" if rel not in a else "removed" if rel not in b else "changed"
            span = Span.file_start(rel) if rel in b else None
            out.append(Change(rule=Rule.TEMPLATE_CHANGED.id, field="template", head_span=span,
                              message=f"template {rel} {what}: every prompt rendered with it changes"))
    return out


def guard_code_changes(base: Side, head: Side) -> list[Change]:
    """A guard code that names another principle at head, or is gone: codes are a lock
    (constc.targets.guard), and `compile --locked` cannot see a swap (S1 <-> S2 keeps the
    file consistent), so the differ compares it with the base's."""
    from constc.targets.guard import LOCK_NAME

    def codes(side: Side) -> dict[str, str]:
        text = read_text(side, LOCK_NAME)
        try:
            value = json.loads(text)["codes"] if text else {}
        except (ValueError, KeyError, TypeError):
            return {}  # unreadable: compile reports it, with its location
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    a, b = codes(base), codes(head)
    out = []
    for code in sorted(a, key=lambda c: (len(c), c)):
        if b.get(code) != a[code]:
            now = f"names {b[code]}" if code in b else "was removed"
            out.append(Change(rule=Rule.GUARD_CODE_CHANGED.id, principle_id=a[code], field="guard code",
                              before=f"{code}: {a[code]}", after=f"{code}: {b[code]}" if code in b else None,
                              head_span=Span.file_start(LOCK_NAME) if code in b else None,
                              message=f"guard code {code} named {a[code]} and now {now}: a classifier trained on "
                                      f"{code} would silently change meaning"))
    return out


def translation_stamp_changes(base_ctx, head_ctx) -> list[Change]:
    """A translation stamped anew while its text stayed (constc.translations.restamped): the
    stamp is what silences a stale translation, so the reviewer sees it."""
    from constc.translations import lock_path, restamped

    rel = lock_path(head_ctx.project)
    return [Change(rule=Rule.TRANSLATION_RESTAMPED.id, principle_id=pid, field="translation stamp",
                   head_span=add.span,
                   message=f"{pid}'s {tag} translation was stamped current in {rel} without its text changing: "
                           "confirm a translator read the new source text")
            for tag, pid, add in restamped(base_ctx, head_ctx)]
