"""Project text in GitHub-flavoured markdown (PR comments, the markdown reports).

A statement, title, case ID, file name or changelog reason is data: it must not open or
close markup (an HTML comment or `<details>` that hides the rest of a comment, a `|` that
breaks a table row, a heading, a link, math). `md` backslash-escapes every ASCII
punctuation character that markdown or GitHub's extensions give meaning to (CommonMark
lets any ASCII punctuation be escaped, and an escaped `<` starts no HTML), shows control
and bidi-override characters as visible escapes (so text cannot look like other text),
and folds line breaks into spaces for inline use; `quote` does the same line by line for a
block quote.
"""

from __future__ import annotations

import re

# what can open markup anywhere in a line (emphasis, code, links, HTML, tables, headings and
# issue links, strikethrough, math, entities, @-mentions); the rest only at a line's start
_SPECIAL = re.compile(r"([\\`*_{}\[\]<|#~$&@!])")
_LINE_START = re.compile(r"^(\s*\d*)([-+=>.)])")
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def visible(text: str) -> str:
    """Control, zero-width and bidi characters as `[U+202E]`, never raw."""
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def md(text: object) -> str:
    """Inline project text: every markup character escaped, line breaks folded."""
    flat = " ".join(str(text).replace("\r", "\n").split("\n"))
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), _SPECIAL.sub(r"\\\1", visible(flat)))


def code(text: object) -> str:
    """Project text as a code span: a fence longer than any backtick run in it, `|` escaped
    (GFM splits table cells before it reads code spans), line breaks folded."""
    flat = visible(" ".join(str(text).replace("\r", "\n").split("\n"))).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def inline(text: str) -> str:
    """constc's own message with `backticked` parts: those become code spans, the rest is
    escaped like project text (a message may quote a version or a file name)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans at all
        return md(text)
    return "".join(code(part) if i % 2 else md(part) for i, part in enumerate(parts))


def quote(text: str | None, empty: str = "(none)") -> str:
    """A block quote of project text, each line escaped."""
    lines = (text if text else empty).splitlines() or [empty]
    return "\n".join(f"> {md(line)}" if line.strip() else ">" for line in lines)
