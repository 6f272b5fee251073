"""Principle-level semantic diff: pair two constitutions by ID and classify every change.

Each change names a rule (buf-style IDs such as PRINCIPLE_NO_DELETE) with a level and
the version bump it needs. Levels nest: ID ⊂ PRIORITY ⊂ SEMANTIC ⊂ TEXT, and the project
config's `[diff] fail_level` says which of them fail the check; additions belong to no
level and never fail, but still need their bump.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from pydantic import BaseModel

from constc.diagnostics.model import Span
from constc.ir.nodes import PRINCIPLE_FIELDS, Addendum, Constitution, FieldFact, Principle, strip_spans

LEVELS = ("ID", "PRIORITY", "SEMANTIC", "TEXT")
BUMPS = ("none", "patch", "minor", "major")


class ChangeRule:
    """One change rule. Declared as an attribute of `Rule` below, whose name is its ID: the
    detection code refers to `Rule.X`, so a rule it names is a rule that exists."""

    id: str

    def __init__(self, level: str | None, bump: str, summary: str, always_fails: bool = False):
        self.level = level  # None: reported, never fails
        self.bump = bump
        self.summary = summary
        self.always_fails = always_fails  # fails at every fail_level, and no approval or ignore lifts it

    def __set_name__(self, owner, name: str) -> None:
        self.id = name

    def __repr__(self) -> str:
        return f"ChangeRule({self.id})"


class Rule:
    """Every change rule `constc diff` reports (docs/diff.md's table is generated from it)."""

    PRINCIPLE_NO_DELETE = ChangeRule("ID", "major", "A principle was removed.")
    PRINCIPLE_ID_NO_CHANGE = ChangeRule("ID", "major", "A principle's ID changed; its text stayed (a rename).")
    PRIORITY_NO_REORDER = ChangeRule("PRIORITY", "major", "A priority change flips which of two principles wins.")
    PRECEDENCE_NO_REVERSE = ChangeRule("PRIORITY", "major", "A precedence rule was reversed.")
    PRECEDENCE_NO_DELETE = ChangeRule("PRIORITY", "major", "A precedence rule was removed.")
    CATEGORY_NO_CHANGE = ChangeRule("SEMANTIC", "major", "A principle moved to another category.")
    SEVERITY_NO_CHANGE = ChangeRule("SEMANTIC", "major", "A principle's severity changed.")
    STATEMENT_MEANING_CHANGED = ChangeRule("SEMANTIC", "major", "A statement was rewritten, or a word that "
                                           "carries its meaning (not, never, must, only...) changed.")
    THRESHOLD_CHANGED = ChangeRule("SEMANTIC", "minor", "A flagging threshold changed.")
    TARGET_CHANGED = ChangeRule("SEMANTIC", "minor", "A target was added, removed or changed.")
    PRECEDENCE_ADDED = ChangeRule("SEMANTIC", "minor", "A precedence rule was added.")
    EXAMPLE_NO_DELETE = ChangeRule("SEMANTIC", "minor", "An example was removed.")
    EXAMPLE_LABEL_CHANGED = ChangeRule("SEMANTIC", "minor", "An example's expected label flipped.")
    LOCALE_ADDENDUM_NO_DELETE = ChangeRule("SEMANTIC", "minor", "A locale or jurisdiction addendum was removed.")
    STATEMENT_REWORDED = ChangeRule("TEXT", "patch", "A statement's wording changed; its meaning words did not.")
    TITLE_CHANGED = ChangeRule("TEXT", "patch", "A title changed.")
    CRITIQUE_CHANGED = ChangeRule("TEXT", "patch", "A critique phrasing changed.")
    REVISION_CHANGED = ChangeRule("TEXT", "patch", "A revision phrasing changed.")
    COMPARE_CHANGED = ChangeRule("TEXT", "patch", "A comparison phrasing changed.")
    PRIORITY_CHANGED = ChangeRule("TEXT", "patch", "A priority changed without changing any order.")
    TAGS_CHANGED = ChangeRule("TEXT", "patch", "Tags changed.")
    EXAMPLE_CHANGED = ChangeRule("TEXT", "patch", "An example's text changed.")
    LOCALE_ADDENDUM_CHANGED = ChangeRule("TEXT", "patch", "A locale or jurisdiction addendum changed.")
    PRINCIPLE_ADDED = ChangeRule(None, "minor", "A principle was added.")
    EXAMPLE_ADDED = ChangeRule(None, "patch", "An example was added.")
    LOCALE_ADDENDUM_ADDED = ChangeRule(None, "minor", "A locale or jurisdiction addendum was added.")
    HEADER_CHANGED = ChangeRule(None, "none", "The header changed (owners, review cadence, locales).")
    GUARD_CODE_CHANGED = ChangeRule("ID", "major", "A guard category code (guard-codes.json) now names another "
                                    "principle, or was removed: a classifier trained on it would silently "
                                    "change meaning.")
    TEMPLATE_CHANGED = ChangeRule("SEMANTIC", "none", "A project template changed: every prompt rendered with it "
                                  "changes, for every principle.")
    TRANSLATION_RESTAMPED = ChangeRule("SEMANTIC", "none", "A translation was stamped current (translations "
                                       "lock) while its text stayed: the stamp is what silences a stale "
                                       "translation, so it needs a reviewer.")
    SUBMODULE_CHANGED = ChangeRule("SEMANTIC", "none", "A submodule inside the project was added, removed or moved "
                                   "to another commit; constc does not read what it holds at a revision, so it "
                                   "could change any meaning.")
    CONFIG_GATE_CHANGED = ChangeRule("ID", "none", "A constc.toml setting that decides the gate, or where labels "
                                     "and secrets go, changed; the base's value applies until the change is "
                                     "merged (docs/security.md).")
    VERSION_BUMP_REQUIRED = ChangeRule(None, "none", "The version was not bumped as far as the changes need.",
                                       always_fails=True)


RULES: dict[str, ChangeRule] = {r.id: r for r in vars(Rule).values() if isinstance(r, ChangeRule)}

# Words whose change turns a sentence around; editing one is a change of meaning.
MEANING_WORDS = frozenset("""not no never none nothing always must should may might can cannot can't don't
doesn't won't without only even unless except avoid prefer allow allowed forbid forbidden refuse require
required all any every some more less""".split())
# Opposites that are not negations: replacing one with the other turns a sentence around.
ANTONYMS = frozenset(frozenset(p.split("/")) for p in """accept/reject allow/deny allow/prohibit permit/prohibit
permit/forbid include/exclude increase/decrease maximize/minimize maximise/minimise encourage/discourage
enable/disable comply/violate help/harm safe/dangerous safe/harmful true/false reveal/conceal reveal/hide
provide/withhold give/withhold support/oppose promote/prevent promote/discourage before/after above/below
over/under more/fewer most/least always/sometimes must/may required/optional mandatory/optional
strict/lenient obey/disobey protect/expose respect/ignore refuse/assist refuse/help decline/accept
legal/criminal lawful/criminal flag/ignore block/allow block/permit""".split())
NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "non-", "mis", "anti")
RENAME_SIMILARITY = 0.85
REWRITE_SIMILARITY = 0.6


class Change(BaseModel):
    rule: str
    principle_id: str | None = None
    other_id: str | None = None   # a precedence rule's loser: the change affects both principles
    message: str
    field: str | None = None
    before: str | None = None
    after: str | None = None
    base_span: Span | None = None
    head_span: Span | None = None
    approval: str | None = None   # "CHANGELOG.md:12: the reason": approved, so it does not fail
    reused_approval: str | None = None  # "CHANGELOG.md:7": a line the base already had (approves nothing)
    ignored: bool = False         # by [diff] ignore / ignore_only

    @property
    def level(self) -> str | None:
        return RULES[self.rule].level

    @property
    def bump(self) -> str:
        return RULES[self.rule].bump


def words(text: str | None) -> list[str]:
    return (text or "").split()


def similarity(a: str | None, b: str | None) -> float:
    return SequenceMatcher(None, words(a), words(b), autojunk=False).ratio()


def opposed(a: str, b: str) -> bool:
    """Whether two words are opposites: an antonym pair, a negating prefix on the same word
    (safe/unsafe, legal/illegal), -ful/-less, or en-/dis- on one root (encourage/discourage)."""
    if frozenset((a, b)) in ANTONYMS:
        return True
    for x, y in ((a, b), (b, a)):
        if any(y == pre + x for pre in NEGATING_PREFIXES) and len(x) > 2:
            return True
        if x.endswith("ful") and y.endswith("less") and x[:-3] == y[:-4] and x[:-3]:
            return True
        if x.startswith(("en", "em")) and y.startswith("dis") and x[2:] == y[3:] and len(x) > 4:
            return True
    return False


def meaning_changed(a: str, b: str) -> bool:
    wa, wb = words(a.lower()), words(b.lower())
    sm = SequenceMatcher(None, wa, wb, autojunk=False)
    if sm.ratio() < REWRITE_SIMILARITY:
        return True
    touched: set[str] = set()
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal":
            gone = [w.strip(".,;:!?\"'()") for w in wa[i1:i2]]
            came = [w.strip(".,;:!?\"'()") for w in wb[j1:j2]]
            touched.update(gone + came)
            if any(opposed(x, y) for x in gone for y in came):
                return True
    return bool(touched & MEANING_WORDS)


def _match_renames(removed: list[Principle], added: list[Principle]) -> list[tuple[Principle, Principle]]:
    scored = sorted(((similarity(r.statement, a.statement), r.id, a.id, r, a) for r in removed for a in added),
                    key=lambda t: (-t[0], t[1], t[2]))
    used, out = set(), []
    for score, rid, aid, r, a in scored:
        if score >= RENAME_SIMILARITY and rid not in used and aid not in used:
            used |= {rid, aid}
            out.append((r, a))
    return out


# each field's declared rule, bound here: a field naming a rule that does not exist fails at import
_FIELD_RULES: dict[str, ChangeRule] = {f.name: getattr(Rule, f.change) for f in PRINCIPLE_FIELDS if f.change}


def _example_key(ex, n: int) -> str:
    return ex.name or f"#{n} {ex.label}: {ex.prompt[:40]}"


class _Differ:
    def __init__(self, base: Constitution, head: Constitution):
        self.base, self.head = base, head
        self.changes: list[Change] = []

    def add(self, rule: ChangeRule, message: str, pid: str | None = None, **kw) -> None:
        self.changes.append(Change(rule=rule.id, principle_id=pid, message=message, **kw))

    def principles(self) -> dict[str, str]:
        """Pair principles; returns old ID -> new ID for renames."""
        b = {p.id: p for p in self.base.principles}
        h = {p.id: p for p in self.head.principles}
        removed = [p for pid, p in b.items() if pid not in h]
        added = [p for pid, p in h.items() if pid not in b]
        renames = _match_renames(removed, added)
        renamed = {r.id: a.id for r, a in renames}
        for r, a in renames:
            self.add(Rule.PRINCIPLE_ID_NO_CHANGE, f"{r.id} was renamed to {a.id}", a.id, field="id",
                     before=r.id, after=a.id, base_span=r.span, head_span=a.span)
        for p in removed:
            if p.id not in renamed:
                where = f" (jurisdiction {p.jurisdiction})" if p.jurisdiction else ""
                self.add(Rule.PRINCIPLE_NO_DELETE, f"{p.id} \"{p.title}\"{where} was removed", p.id,
                         before=p.statement, base_span=p.span)
        for p in added:
            if p.id not in renamed.values():
                where = f" (jurisdiction {p.jurisdiction})" if p.jurisdiction else ""
                self.add(Rule.PRINCIPLE_ADDED, f"{p.id} \"{p.title}\"{where} was added", p.id,
                         after=p.statement, head_span=p.span)
        pairs = [(b[pid], h[pid]) for pid in b if pid in h] + renames
        self._by_id = ({renamed.get(k, k): v for k, v in b.items()}, h)
        for old, new in pairs:
            self.principle(old, new, *self._by_id)
        return renamed

    def principle(self, old: Principle, new: Principle, b: dict, h: dict) -> None:
        pid, spans = new.id, {"base_span": old.span, "head_span": new.span}

        def field_spans(name):
            return {"base_span": old.field_spans.get(name, old.span), "head_span": new.field_spans.get(name, new.span)}

        for f in PRINCIPLE_FIELDS:
            before, after = getattr(old, f.name), getattr(new, f.name)
            if f.name == "targets":  # blocks are compared item by item
                self.targets(old, new, spans)
            elif f.name == "examples":
                self.examples(old, new)
            elif (sorted(before) if f.kind == "list" else before) == (sorted(after) if f.kind == "list" else after):
                continue
            elif f.name == "statement":
                meaning = meaning_changed(before or "", after or "")
                rule = Rule.STATEMENT_MEANING_CHANGED if meaning else Rule.STATEMENT_REWORDED
                self.add(rule, f"{pid}: statement {'meaning changed' if meaning else 'reworded'}", pid,
                         field="statement", before=before, after=after, **field_spans("statement"))
            elif f.name == "priority":
                self.priority(old, new, b, h, field_spans("priority"))
            else:
                self.field(pid, f, before, after, field_spans(f.name))

    def field(self, pid: str, f: FieldFact, a, b, spans: dict, scope: str = "") -> None:
        """A plain change of one field: its declared rule, the value before and after."""
        def show(v):
            return ", ".join(v) if f.kind == "list" else v if f.kind == "text" or v is None else str(v)

        where = f" ({scope})" if scope else ""
        message = f"{pid}{where}: {f.name} changed" if f.kind == "text" else \
            f"{pid}{where}: {f.name} {show(a)} -> {show(b)}"
        self.add(_FIELD_RULES[f.name], message, pid, field=f.name, before=show(a), after=show(b), **spans)

    def priority(self, old, new, b, h, spans) -> None:
        def order(x, y):
            return (x > y) - (x < y)

        flipped = sorted(q for q, other in h.items() if q != new.id and q in b and other.priority is not None
                         and b[q].priority is not None and old.priority is not None and new.priority is not None
                         and order(old.priority, b[q].priority) != order(new.priority, other.priority))
        detail = f"priority {old.priority} -> {new.priority}"
        if flipped:
            shown = ", ".join(flipped[:5]) + (f" and {len(flipped) - 5} more" if len(flipped) > 5 else "")
            self.add(Rule.PRIORITY_NO_REORDER, f"{new.id}: {detail} changes its order against {shown}", new.id,
                     field="priority", before=str(old.priority), after=str(new.priority), **spans)
        else:
            self.add(Rule.PRIORITY_CHANGED, f"{new.id}: {detail}", new.id, field="priority",
                     before=str(old.priority), after=str(new.priority), **spans)

    def targets(self, old, new, spans) -> None:
        def show(ts):
            return {t.metric: f"{t.op} {t.value:g}{'%' if t.percent else ''}" for t in ts}

        a, b = show(old.targets), show(new.targets)
        for metric in sorted(a.keys() | b.keys()):
            if a.get(metric) != b.get(metric):
                self.add(Rule.TARGET_CHANGED, f"{new.id}: target {metric} {a.get(metric, '(none)')} -> "
                         f"{b.get(metric, '(none)')}", new.id, field="target", before=a.get(metric),
                         after=b.get(metric), **spans)

    def examples(self, old, new) -> None:
        a = {_example_key(e, n): e for n, e in enumerate(old.examples, 1) if e.locale is None}
        b = {_example_key(e, n): e for n, e in enumerate(new.examples, 1) if e.locale is None}
        for key in a.keys() - b.keys():
            self.add(Rule.EXAMPLE_NO_DELETE, f"{new.id}: example {key} removed", new.id, field="example",
                     before=a[key].prompt, base_span=a[key].span)
        for key in b.keys() - a.keys():
            self.add(Rule.EXAMPLE_ADDED, f"{new.id}: example {key} added", new.id, field="example",
                     after=b[key].prompt, head_span=b[key].span)
        for key in sorted(a.keys() & b.keys()):
            x, y = a[key], b[key]
            if x.label != y.label:
                self.add(Rule.EXAMPLE_LABEL_CHANGED, f"{new.id}: example {key} {x.label} -> {y.label}", new.id,
                         field="example", before=x.label, after=y.label, base_span=x.span, head_span=y.span)
            elif (x.prompt, x.response) != (y.prompt, y.response):
                self.add(Rule.EXAMPLE_CHANGED, f"{new.id}: example {key} text changed", new.id, field="example",
                         before=f"{x.prompt}\n{x.response or ''}".strip(),
                         after=f"{y.prompt}\n{y.response or ''}".strip(), base_span=x.span, head_span=y.span)

    def precedences(self, renamed: dict[str, str]) -> None:
        def pairs(const, rename):
            return {(rename.get(r.winner, r.winner), rename.get(r.loser, r.loser)): r for r in const.precedences}

        a, b = pairs(self.base, renamed), pairs(self.head, {})
        for (w, l), rule in a.items():
            if (w, l) in b:
                continue
            if (l, w) in b:
                self.add(Rule.PRECEDENCE_NO_REVERSE, f"{w} over {l} was reversed to {l} over {w}", w, other_id=l,
                         before=f"{w} over {l}", after=f"{l} over {w}", base_span=rule.span,
                         head_span=b[(l, w)].span)
            else:
                self.add(Rule.PRECEDENCE_NO_DELETE, f"precedence rule {w} over {l} was removed", w, other_id=l,
                         before=f"{w} over {l}", base_span=rule.span)
        for (w, l), rule in b.items():
            if (w, l) not in a and (l, w) not in a:
                self.add(Rule.PRECEDENCE_ADDED, f"precedence rule {w} over {l} was added", w, other_id=l,
                         after=f"{w} over {l}", head_span=rule.span)

    def addenda(self, renamed: dict[str, str]) -> None:
        def keyed(const, rename) -> dict[tuple, Addendum]:
            return {(rename.get(a.principle_id, a.principle_id), a.scope.kind, a.scope.tag.lower()): a
                    for a in const.addenda}

        a, b = keyed(self.base, renamed), keyed(self.head, {})
        for key in sorted(a.keys() - b.keys()):
            self.add(Rule.LOCALE_ADDENDUM_NO_DELETE, f"{key[0]}: {key[1]} {key[2]} addendum removed", key[0],
                     before=a[key].statement, base_span=a[key].span)
        for key in sorted(b.keys() - a.keys()):
            self.add(Rule.LOCALE_ADDENDUM_ADDED, f"{key[0]}: {key[1]} {key[2]} addendum added", key[0],
                     after=b[key].statement, head_span=b[key].span)
        for key in sorted(a.keys() & b.keys()):
            x, y = a[key], b[key]
            sx = strip_spans(x.model_dump(exclude={"principle_id"}))
            sy = strip_spans(y.model_dump(exclude={"principle_id"}))
            if sx != sy:
                gated = self.addendum_fields(key, x, y)
                if x.statement != y.statement and x.statement is not None and y.statement is not None:
                    self.addendum_statement(key, x, y)
                    gated.add("statement")
                fields = sorted(k for k in sx if sx[k] != sy[k] and k not in gated)
                if fields:
                    self.add(Rule.LOCALE_ADDENDUM_CHANGED, f"{key[0]}: {key[1]} {key[2]} addendum changed "
                             f"({', '.join(fields)})", key[0], field="statement" if "statement" in fields else None,
                             before=x.statement, after=y.statement, base_span=x.span, head_span=y.span)

    def addendum_statement(self, key: tuple, x: Addendum, y: Addendum) -> None:
        """A translated or jurisdiction statement is what the critic reads in that scope: its
        change is classed like the principle's own. constc's meaning words are English, so in
        any other language every change of the statement counts as a change of meaning."""
        pid, scope = key[0], f"{key[1]} {key[2]}"
        english = key[1] == "jurisdiction" or key[2].split("-")[0] == "en"
        meaning = meaning_changed(x.statement or "", y.statement or "") if english else True
        why = "" if english else f" (in {key[2]} constc cannot tell a rewording from a change of meaning)"
        self.add(Rule.STATEMENT_MEANING_CHANGED if meaning else Rule.STATEMENT_REWORDED,
                 f"{pid} ({scope}): statement {'meaning changed' if meaning else 'reworded'}{why}", pid,
                 field="statement", before=x.statement, after=y.statement,
                 base_span=x.field_spans.get("statement", x.span), head_span=y.field_spans.get("statement", y.span))

    def addendum_fields(self, key: tuple, x: Addendum, y: Addendum) -> set[str]:
        """An addendum's category, severity, threshold, priority and targets change what the
        critic does in its scope exactly as on the principle: the same rules, the same levels
        (a threshold loosened only for de-DE is still THRESHOLD_CHANGED). Returns the fields."""
        pid, scope = key[0], f"{key[1]} {key[2]}"

        def spans(name):
            return {"base_span": x.field_spans.get(name, x.span), "head_span": y.field_spans.get(name, y.span)}

        out = set()
        for f in PRINCIPLE_FIELDS:
            if f.addendum_rule and f.change and getattr(x, f.name) != getattr(y, f.name):
                self.field(pid, f, getattr(x, f.name), getattr(y, f.name), spans(f.name), scope)
                out.add(f.name)
        b, h = getattr(self, "_by_id", ({}, {}))
        if x.priority != y.priority and pid in b and pid in h:
            old = b[pid].model_copy(update={"priority": x.priority if x.priority is not None else b[pid].priority})
            new = h[pid].model_copy(update={"priority": y.priority if y.priority is not None else h[pid].priority})
            if old.priority != new.priority:
                self.priority(old, new, b, h, spans("priority"))
            out.add("priority")
        if [t.model_dump(exclude={"span"}) for t in x.targets] != [t.model_dump(exclude={"span"}) for t in y.targets]:
            self.targets(_Scoped(pid, x.targets), _Scoped(pid, y.targets), {"base_span": x.span, "head_span": y.span})
            out.add("targets")
        return out

    def header(self) -> None:
        x, y = self.base.header, self.head.header
        if x is None or y is None:
            return
        for name in ("owners", "review_days", "locale", "locales", "name"):
            if getattr(x, name) != getattr(y, name):
                self.add(Rule.HEADER_CHANGED, f"header {name}: {getattr(x, name)} -> {getattr(y, name)}",
                         field=name, before=str(getattr(x, name)), after=str(getattr(y, name)),
                         base_span=x.span, head_span=y.span)


@dataclass
class _Scoped:
    """The two attributes `targets` reads, for an addendum's targets."""

    id: str
    targets: list


def semantic_diff(base: Constitution, head: Constitution) -> list[Change]:
    d = _Differ(base, head)
    renamed = d.principles()
    d.precedences(renamed)
    d.addenda(renamed)
    d.header()
    return d.changes


# ---- versions ---------------------------------------------------------------------------

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def version_tuple(v: str | None) -> tuple[int, int, int] | None:
    m = _SEMVER.match(v or "")
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def actual_bump(old: str | None, new: str | None) -> str | None:
    """The bump between two versions; None when either is not semver or the new one is lower."""
    a, b = version_tuple(old), version_tuple(new)
    if a is None or b is None or b < a:
        return None
    if b[0] > a[0]:
        return "major"
    if b[1] > a[1]:
        return "minor"
    return "patch" if b[2] > a[2] else "none"


def required_bump(changes: list[Change]) -> str:
    return max((c.bump for c in changes), key=BUMPS.index, default="none")


def next_version(old: str, bump: str) -> str:
    major, minor, patch = version_tuple(old) or (0, 0, 0)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0",
            "patch": f"{major}.{minor}.{patch + 1}", "none": old}[bump]


def version_check(base: Constitution, head: Constitution, changes: list[Change],
                  released: tuple[str, str] | None = None) -> Change | None:
    """Whether the head's version is bumped as far as the changes need, counted from the
    last release (`released`: (tag, version) of the nearest release tag at or before the
    base) when there is one, else from the base: several commits toward one unreleased
    version need one bump, not one each."""
    need = required_bump(changes)
    if base.header is None or head.header is None:
        return None
    old, new = base.header.version, head.header.version
    if released is not None and old is not None and actual_bump(released[1], old) not in (None, "none"):
        old = released[1]  # the base already carries an unreleased bump: count from the release
    got = actual_bump(old, new)
    if need == "none" or old is None or new is None:
        return None
    if got is None:
        return Change(rule=Rule.VERSION_BUMP_REQUIRED.id, message=f"version went from {old} to {new}: it must not go "
                      f"down; this change needs at least {next_version(old, need)}", before=old, after=new,
                      head_span=head.header.field_spans.get("version"))
    if BUMPS.index(got) < BUMPS.index(need):
        since = f" since the last release {released[0]}" if released and old == released[1] else ""
        return Change(rule=Rule.VERSION_BUMP_REQUIRED.id, message=f"this change needs a {need} version bump{since} "
                      f"({old} -> {next_version(old, need)}), but the version is {new}",
                      before=old, after=new, head_span=head.header.field_spans.get("version"))
    return None


def fails(change: Change, fail_level: str) -> bool:
    if RULES[change.rule].always_fails:
        return True
    if change.approval or change.ignored:
        return False
    if change.level is None or fail_level == "none":
        return False
    return LEVELS.index(change.level) <= LEVELS.index(fail_level)
