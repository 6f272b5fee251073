"""Keeping untrusted case text from changing a prompt's structure.

Prompts are built from two kinds of text: the constitution (trusted, written by the
policy team) and case text (prompts, responses and earlier turns from eval suites or
red-teamers: untrusted). Every structural marker a template uses, such as `Human:`,
`The answer is:` or `<END CONVERSATION>`, is defanged wherever it appears in case text:
a backslash goes before its last character (`The answer is\\:`), so the text reads the
same to a person but no longer matches the marker a model, or a parser downstream, keys
on. Markers only come from templates; a defanged marker never becomes a real one again.
"""

from __future__ import annotations

import re

MARKERS = (
    # conversation turns
    "Human:", "Assistant:", "User:", "Agent:",
    # SL-CAI critique / revision
    "CritiqueRequest:", "RevisionRequest:", "Critique:", "Revision:",
    # RL-CAI multiple choice
    "Options:", "The answer is:", "(A)", "(B)",
    # guard classifier
    "<BEGIN CONVERSATION>", "<END CONVERSATION>", "<BEGIN POLICY CATEGORIES>", "<END POLICY CATEGORIES>",
    # judge
    "Answer:", "<BEGIN REPLY>", "<END REPLY>",
    # nemoguard
    "<BEGIN UNSAFE CONTENT CATEGORIES>", "<END UNSAFE CONTENT CATEGORIES>", "Output JSON:",
)


_INVISIBLE = "[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]*"


def _char(c: str) -> str:
    """A regex for one marker character in any case and in its full-width form."""
    forms = {c, c.lower(), c.upper()}
    forms |= {chr(ord(f) + 0xFEE0) for f in forms if "!" <= f <= "~"}
    if c == " ":
        forms |= {"\u00a0", "\u3000"}
    return "[" + "".join(re.escape(f) for f in sorted(forms)) + "]"


# Every marker, matched case-insensitively, in full-width forms, and with invisible
# characters (zero-width spaces and joiners, soft hyphens) between its characters: the
# spellings a model still reads as the marker.
_PATTERN = re.compile("|".join(_INVISIBLE.join(_char(c) for c in m) for m in
                               sorted(MARKERS, key=len, reverse=True)))


def defang(text: str) -> str:
    """Text with every marker, in any spelling, broken by a backslash before its last
    character; nothing else in the text changes."""
    for _ in range(4):  # a break can expose no new marker, but be sure
        if not _PATTERN.search(text):
            return text
        text = _PATTERN.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], text)
    return text


def is_clean(text: str) -> bool:
    return _PATTERN.search(text) is None
