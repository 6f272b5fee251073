"""The one user-error base: anything a user (or a pull request) can cause and must fix.

Every layer raises a subclass; the CLI turns each into a located message and exit code 2.
Anything else that escapes is a bug in constc (exit 3).
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input, arguments or configuration: exit code 2."""


class UsageError(UserError):
    """Bad arguments or input files."""


def did_you_mean(word: str, choices) -> str:
    """' (did you mean X?)' for the closest of `choices`, or ''."""
    import difflib

    choices = list(choices)
    # letters typed for the digits they look like (L0O4, L0l0): the intended code, not a neighbour
    lookalike = word.upper().translate(str.maketrans("OIL", "011")) if word[:1].upper() == "L" else None
    if lookalike is not None:
        fixed = "L" + lookalike[1:]
        if fixed in choices:
            return f" (did you mean {fixed}?)"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


class CheckFailed(UserError):
    """The constitution has errors; `diagnostics` and `texts` say where."""

    def __init__(self, message: str, diagnostics: list, texts: dict):
        super().__init__(message)
        self.diagnostics, self.texts = diagnostics, texts
