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
)


def defang(text: str) -> str:
    """Text with every marker broken by a backslash before its last character."""
    for marker in MARKERS:
        if marker in text:
            text = text.replace(marker, marker[:-1] + "\\" + marker[-1])
    return text


def is_clean(text: str) -> bool:
    return not any(m in text for m in MARKERS)
