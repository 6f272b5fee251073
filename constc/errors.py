"""The one user-error base: anything a user (or a pull request) can cause and must fix.

Every layer raises a subclass; the CLI turns each into a located message and exit code 2.
Anything else that escapes is a bug in constc (exit 3).
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input, arguments or configuration: exit code 2."""


class UsageError(UserError):
    """Bad arguments or input files."""


def _looks(word: str) -> str:
    return word.upper().translate(str.maketrans("OIL", "011"))


def did_you_mean(word: str, choices) -> str:
    """' (did you mean X?)' for the closest of `choices`, or ''."""
    import difflib

    choices = list(choices)
    # a letter typed for the digit it looks like (L0O4, L0l0) means that choice, not a neighbour
    same = [c for c in choices if _looks(c) == _looks(word)]
    if same:
        return f" (did you mean {same[0]}?)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


class CheckFailed(UserError):
    """The constitution has errors; `diagnostics` and `texts` say where."""

    def __init__(self, message: str, diagnostics: list, texts: dict):
        super().__init__(message)
        self.diagnostics, self.texts = diagnostics, texts
