"""guard: a Llama-Guard-style classifier prompt, stable category codes, and the parser that
maps a model's answer (`unsafe\\nS3,S7`) back to principle IDs.

Codes live in `guard-codes.json` at the project root, a lock file committed with the
constitution: a principle keeps its code for good, new principles get the next number,
and the code of a removed principle is never given to another (so a classifier trained
on S7 never silently starts meaning something else). Only principles that describe harm
get a code: those in `[compile] guard_categories` (default `harm` and its sub-categories)
whose severity is not `none`; a helpfulness principle is never an "unsafe" category.
"""

from __future__ import annotations

import json
import re

from constc.targets import dumps_json, dumps_jsonl, turns

NAME = "guard"
LOCK_NAME = "guard-codes.json"
_CODE = re.compile(r"S([1-9][0-9]*)")


class GuardAnswerError(ValueError):
    """A model's answer is not in the form the guard prompt asks for."""


class LockError(Exception):
    """guard-codes.json is malformed, or would change under --locked."""


def code_order(code: str) -> int:
    return int(code[1:])


def assign_codes(existing: dict[str, str], ids: list[str]) -> dict[str, str]:
    """Keep every existing code; give each new ID the next unused number, in order."""
    out = dict(existing)
    known = set(out.values())
    top = max((code_order(c) for c in out), default=0)
    for pid in ids:
        if pid not in known:
            top += 1
            out[f"S{top}"] = pid
            known.add(pid)
    return dict(sorted(out.items(), key=lambda kv: code_order(kv[0])))


def read_lock(comp) -> dict[str, str]:
    data = comp.ctx.tree.read(LOCK_NAME)
    if data is None:
        return {}
    try:
        codes = json.loads(data.decode("utf-8"))["codes"]
        if not all(_CODE.fullmatch(k) and isinstance(v, str) for k, v in codes.items()):
            raise ValueError("codes must map S<number> to a principle ID")
        if len(set(codes.values())) != len(codes):
            raise ValueError("a principle has two codes")
        return codes
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        raise LockError(f"{LOCK_NAME}: {err}") from None


def guarded(comp):
    """The principles the guard classifies: those in a harm category ([compile]
    guard_categories) that can be violated (severity other than none)."""
    harm = comp.ctx.project.config.compile.guard_categories
    return [p for p in comp.principles if p.severity != "none" and p.category
            and any(p.category == c or p.category.startswith(c + ".") for c in harm)]


def codes(comp) -> tuple[dict[str, str], bool]:
    """(the full code map, whether it differs from the lock file)."""
    existing = read_lock(comp)
    full = assign_codes(existing, [p.id for p in guarded(comp)])
    changed = full != existing
    if changed and comp.locked:
        new = sorted(set(full) - set(existing), key=code_order)
        raise LockError(f"{LOCK_NAME} is out of date (new codes {', '.join(new)}); "
                        "run `constc compile` without --locked and commit it")
    return full, changed


def lock_text(full: dict[str, str]) -> str:
    return dumps_json({"comment": "Guard category codes; never edit a code's principle by hand.",
                       "codes": full})


def categories(comp, full: dict[str, str]) -> list[dict]:
    by_id = {pid: code for code, pid in full.items()}
    return sorted(({"code": by_id[p.id], "principle_id": p.id, "title": p.title, "description": p.statement}
                   for p in guarded(comp)), key=lambda c: code_order(c["code"]))


def categories_block(comp, cats: list[dict]) -> str:
    return comp.render("guard_categories.j2", categories=cats).rstrip("\n")


def guard_prompt(comp, block: str, case) -> str:
    """The classifier prompt for one case; `block` is the rendered category list (shared)."""
    role = "Agent" if case.response is not None else "User"
    return comp.render("guard.j2", role=role, categories_block=block, turns=turns(case, case.response))


def parse_answer(text: str, code_map: dict[str, str]) -> list[str]:
    """The principle IDs an answer flags: [] for `safe`. Raises GuardAnswerError."""
    lines = [line.strip() for line in text.strip().splitlines()]
    verdict = lines[0].lower() if lines else ""
    if verdict not in ("safe", "unsafe"):
        raise GuardAnswerError(f"the first line must be 'safe' or 'unsafe', not {lines[0] if lines else ''!r}")
    rest = [line for line in lines[1:] if line]
    if verdict == "safe":
        if rest:
            raise GuardAnswerError(f"a 'safe' answer has nothing after it, found {rest[0]!r}")
        return []
    if not rest:
        raise GuardAnswerError("an 'unsafe' answer must list category codes on its second line")
    if len(rest) > 1:
        raise GuardAnswerError(f"unexpected text after the codes: {rest[1]!r}")
    ids: list[str] = []
    for raw in rest[0].split(","):
        code = raw.strip()
        if not _CODE.fullmatch(code):
            raise GuardAnswerError(f"{code!r} is not a category code like S3")
        if code not in code_map:
            raise GuardAnswerError(f"unknown category code {code}")
        if code_map[code] not in ids:
            ids.append(code_map[code])
    return ids


def build(comp) -> dict[str, str]:
    full, _ = codes(comp)
    cats = categories(comp, full)
    active = {c["code"]: c["principle_id"] for c in cats}
    code_of = {pid: code for code, pid in active.items()}
    block = categories_block(comp, cats)
    rows = []
    for case in comp.cases:
        flagged = [code_of[pid] for pid in case.principles if pid in code_of]
        if case.responses is not None or case.needs_translation or not flagged:
            continue
        rows.append({"case_id": case.id, "mutation": case.mutation, "prompt": guard_prompt(comp, block, case),
                     "expected": "unsafe" if case.expected == "violates" else "safe",
                     "expected_codes": flagged if case.expected == "violates" else [],
                     **comp.stamp()})
    return {"guard/codes.json": dumps_json({"codes": active, "all_codes": full}),
            "guard/prompts.jsonl": dumps_jsonl(rows)}
