"""nemoguard: Llama-3.1-NemoGuard-8B-ContentSafety, with the guarded principles as its
taxonomy.

NemoGuard's instructions travel in the user message (its chat template is Llama 3.1's),
so constc writes them (`nemoguard.j2`): the published layout — categories as `S<n>:
Name.` lines between `<BEGIN UNSAFE CONTENT CATEGORIES>` markers, the conversation as
`user:` / `response: agent:` lines between `<BEGIN CONVERSATION>` markers, and a JSON
answer `{"User Safety": ..., "Response Safety": ..., "Safety Categories": ...}` after
the `Output JSON:` cue — in constc's words. Codes are the guard target's
(guard-codes.json), so S3 means the same principle in both.

The model answers with category *names*; the parser maps them back to IDs through the
titles of the compiled locale (and accepts the codes too).

Labeling asks one principle at a time (a one-category taxonomy, its own code kept) and
scores the answer's opening exactly: `{"User Safety": "` then safe/unsafe, and with a
response both ratings, so P(violation) is the probability of the judged rating being
unsafe, summed over the other rating.
"""

from __future__ import annotations

import json

from constc.label import Chat
from constc.targets import dumps_json, dumps_jsonl, turns
from constc.targets.policy import AnswerError, judged

NAME = "nemoguard"
REPLY_PREFIX = '{"User Safety": "'


def categories(comp) -> list[dict]:
    from constc.targets import guard

    full, _ = guard.codes(comp)
    return guard.categories(comp, full)


def prompt(comp, cats: list[dict], case) -> str:
    return comp.render("nemoguard.j2", categories=cats, turns=turns(case, case.response))


def chat(comp, cats: list[dict], case) -> Chat:
    return Chat.of([{"role": "user", "content": prompt(comp, cats, case)}], reply_prefix=REPLY_PREFIX)


def options(case) -> tuple[str, ...]:
    """The answer's openings, those meaning "violates" first (see `violating`)."""
    if case.response is None:
        return ('unsafe"', 'safe"')
    return tuple(f'{u}", "Response Safety": "{r}"' for r in ("unsafe", "safe") for u in ("unsafe", "safe"))


def violating(case) -> int:
    """How many of `options(case)` mean the judged message is unsafe (they come first)."""
    return 1 if case.response is None else 2


def name_map(cats: list[dict]) -> dict[str, str]:
    """Category name (lowercased) and code -> principle ID."""
    out = {c["title"].strip().rstrip(".").lower(): c["principle_id"] for c in cats}
    return {**out, **{c["code"].lower(): c["principle_id"] for c in cats}}


def parse_answer(text: str, cats: list[dict], role: str) -> list[str]:
    """The IDs the answer finds `role` ('user' or 'assistant') violating: [] when its
    rating is safe. Raises AnswerError on anything else."""
    try:
        answer = json.loads(text.strip())
    except ValueError:
        raise AnswerError(f"the answer is not JSON: {text.strip()[:60]!r}") from None
    if not isinstance(answer, dict):
        raise AnswerError("the answer must be a JSON object")
    key = "Response Safety" if role == "assistant" else "User Safety"
    rating = answer.get(key)
    if not isinstance(rating, str) or rating.strip().lower() not in ("safe", "unsafe"):
        raise AnswerError(f'"{key}" must be "safe" or "unsafe", not {rating!r}')
    if rating.strip().lower() == "safe":
        return []
    named = answer.get("Safety Categories")
    if not isinstance(named, str) or not named.strip():
        raise AnswerError(f'"{key}" is unsafe but "Safety Categories" names none')
    known, ids = name_map(cats), []
    for name in named.split(","):
        pid = known.get(name.strip().rstrip(".").lower())
        if pid is None:
            raise AnswerError(f"unknown category {name.strip()!r} (known: {', '.join(c['title'] for c in cats)})")
        if pid not in ids:
            ids.append(pid)
    return ids


def build(comp) -> dict[str, str]:
    cats = categories(comp)
    guarded = {c["principle_id"] for c in cats}
    rows = []
    for case in comp.cases:
        flagged = [pid for pid in case.principles if pid in guarded]
        if case.responses is not None or case.needs_translation or not flagged:
            continue
        spec = chat(comp, cats, case).spec
        rows.append({"case_id": case.id, "mutation": case.mutation, "messages": spec["messages"],
                     "judged": judged(case), "expected": case.expected,
                     "expected_ids": flagged if case.expected == "violates" else [], **comp.stamp()})
    return {"nemoguard/categories.json": dumps_json({"categories": cats, "names": name_map(cats)}),
            "nemoguard/prompts.jsonl": dumps_jsonl(rows)}
