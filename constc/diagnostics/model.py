"""The one diagnostic model every stage emits, and the reserved non-rule codes.

Reserved codes start with `E` (parse, input, reference, structure, internal; a bad
constc.toml is a usage error, exit 2, located at its line);
lint rules start with `L` (see constc/lint). Neither has a hyphen, so a code can never
be mistaken for a principle ID such as HARM-01.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """A range in a source file (1-based lines and columns)."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @classmethod
    def file_start(cls, file: str) -> Span:
        """The start of a file: where a finding about the whole file is located."""
        return cls(file=file, line=1, column=1, end_line=1, end_column=1)




class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Diagnostic(BaseModel):
    code: str
    severity: Severity
    message: str
    span: Span | None = None
    hint: str | None = None
    related: list[Span] = []   # the same thing at the other revision (diff, regress)
    notes: list[str] = []      # the numbers behind a verdict, one line each

    def sort_key(self) -> tuple:
        s = self.span
        return (s.file, s.line, s.column) if s else ("", 0, 0), self.code


# code -> (name, description) for every reserved, non-rule diagnostic
RESERVED: dict[str, tuple[str, str]] = {
    "E100": ("syntax-error", "The file does not follow the grammar."),
    "E101": ("unterminated-string", "A string opened with a quote is never closed."),
    "E102": ("unexpected-end", "The file ends in the middle of a block or statement."),
    "E103": ("invalid-string", "A string has an invalid escape sequence."),
    "E104": ("invalid-number", "A number is out of range."),
    "E200": ("file-not-found", "A file named on the command line or by an include does not exist."),
    "E201": ("invalid-utf8", "The file is not valid UTF-8 text."),
    "E202": ("binary-file", "The file contains NUL bytes; it is not a text file."),
    "E203": ("file-too-large", "The file is larger than the configured limit."),
    "E204": ("include-cycle", "Files include each other in a cycle."),
    "E205": ("include-outside-root", "An include points outside the project root."),
    "E206": ("include-no-match", "An include pattern matches no file."),
    "E207": ("outside-project", "A file leads outside the project root (a symbolic link); it is not read."),
    "E208": ("not-a-regular-file", "A path names a directory, FIFO, socket or device; it is not read."),
    "E209": ("write-failed", "A file could not be written; the original is left as it was."),
    "E300": ("unknown-principle", "A precedence rule or eval case names a principle that does not exist."),
    "E301": ("duplicate-field", "A field is written twice in one block."),
    "E302": ("missing-field", "A required field is missing."),
    "E303": ("invalid-value", "A field has a value outside its allowed set."),
    "E304": ("duplicate-header", "More than one constitution header."),
    "E305": ("scope-mismatch", "A locale file declares an addendum for another locale."),
    "E306": ("invalid-evalcase", "A line of an eval case file is not a valid case, or repeats another case's ID."),
    "E307": ("duplicate-addendum", "Two addenda override one principle for the same locale or jurisdiction."),
    "E308": ("invalid-translations-lock", "The translations lock file is not valid JSON of locale -> principle -> stamp."),
    "E309": ("undeclared-locale", "An eval case or locale folder is for a locale the header does not declare."),
    "E310": ("invalid-config", "constc.toml does not parse or does not match its schema (`constc schema --config`); "
             "the command line reports it as a usage error, the language server as this diagnostic."),
    "E500": ("internal-error", "constc itself failed; please report it."),
}


def diag(code: str, message: str, span: Span | None = None, hint: str | None = None,
         severity: Severity = Severity.error, related: list[Span] | None = None,
         notes: list[str] | None = None) -> Diagnostic:
    return Diagnostic(code=code, severity=severity, message=message, span=span, hint=hint,
                      related=related or [], notes=notes or [])
