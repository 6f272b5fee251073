"""The one user-error base: anything a user (or a pull request) can cause and must fix.

Every layer raises a subclass; the CLI turns each into a located message and exit code 2.
Anything else that escapes is a bug in constc (exit 3).
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input, arguments or configuration: exit code 2."""


class UsageError(UserError):
    """Bad arguments or input files."""
