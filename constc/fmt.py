"""The formatter: one canonical layout for a parsed file, comments kept.

Formatting happens in two steps. `_Writer` lays the IR out as output lines, each tagged
with the source line it came from; `_place_comments` then hangs every comment on the
line it belonged to: a comment alone on its line goes before the next node that follows
it in the source, a trailing comment stays at the end of the last node of its line. Like black,
`format_text` re-parses its own output and refuses to return it unless the IR and the
comments are unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from constc.diagnostics.model import Diagnostic, diag
from constc.ir import nodes as ir
from constc.ir.build import block_value
from constc.passes.load import parse_source

INDENT = "  "
MAX_BYTES = 4 * 1024 * 1024  # the largest file `constc fmt` and the language server format


def at(span: ir.Span | None) -> ir.Span:
    """The span of a parsed node: the formatter only sees nodes the parser made, which all have one."""
    assert span is not None, "a parsed node without a span"
    return span


class FormatError(Exception):
    """The formatter's output would not mean the same as its input (a constc bug)."""


def fmt_string(value: str, indent: str) -> str:
    """A quoted string, or a \"\"\"block\"\"\" when the text has lines and round-trips as one."""
    if "\n" in value:
        body = "\n".join(f"{indent}{INDENT}{line}" if line else "" for line in value.split("\n"))
        block = f'"""\n{body}\n{indent}"""'
        if '"""' not in value and block_value(block) == value:
            return block
    return json.dumps(value, ensure_ascii=False)


def fmt_number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return format(Decimal(repr(value)), "f")


@dataclass
class _Line:
    src: int | None   # source line this output line came from (None: blank separator)
    indent: str
    text: str
    comment_indent: str | None = None  # for a closing brace: comments before it sit inside


@dataclass
class _Writer:
    lines: list[_Line] = field(default_factory=list)

    def emit(self, src: int | None, indent: str, text: str) -> None:
        self.lines.append(_Line(src, indent, text))

    def close(self, src: int, indent: str) -> None:
        self.lines.append(_Line(src, indent, "}", indent + INDENT))

    def blank(self) -> None:
        if self.lines and self.lines[-1].text:
            self.emit(None, "", "")

    def header(self, h: ir.Header) -> None:
        self.emit(at(h.span).line, "", f"constitution {h.name} {{")
        inner, spans = INDENT, h.field_spans
        if h.version is not None:
            self.emit(spans["version"].line, inner, f"version {json.dumps(h.version, ensure_ascii=False)}")
        if "owners" in spans:
            owners = ", ".join(json.dumps(o, ensure_ascii=False) for o in h.owners)
            self.emit(spans["owners"].line, inner, f"owners [{owners}]")
        if h.review_days is not None:
            self.emit(spans["review_days"].line, inner, f"review every {h.review_days} days")
        if h.locale is not None:
            self.emit(spans["locale"].line, inner, f"locale {h.locale}")
        if "locales" in spans:
            self.emit(spans["locales"].line, inner, f"locales [{', '.join(h.locales)}]")
        self.close(at(h.span).end_line, "")

    def fields(self, node: ir.PrincipleFields, indent: str, skip_title: bool) -> None:
        spans = node.field_spans
        for name in ir.LINE_FIELDS:
            if name not in spans or (name == "title" and skip_title):
                continue
            value = getattr(node, name)
            if ir.FIELDS[name].kind == "list":
                text = f"[{', '.join(value)}]"
            elif name in ir.TEXT_FIELDS:
                text = fmt_string(value, indent)
            elif name == "threshold":
                text = fmt_number(value)
            else:
                text = str(value)
            self.emit(spans[name].line, indent, f"{name} {text}")
        for t in node.targets:
            pct = "%" if t.percent else ""
            self.emit(at(t.span).line, indent, f"target {t.metric} {t.op} {fmt_number(t.value)}{pct}")
        for ex in node.examples:
            name = f" {ex.name}" if ex.name else ""
            self.emit(at(ex.span).line, indent, f"example {ex.label}{name} {{")
            inner = indent + INDENT
            self.emit(at(ex.field_spans.get("prompt", ex.span)).line, inner,
                      f"prompt {fmt_string(ex.prompt, inner)}")
            if ex.response is not None:
                self.emit(at(ex.field_spans.get("response", ex.span)).line, inner,
                          f"response {fmt_string(ex.response, inner)}")
            self.close(at(ex.span).end_line, indent)

    def principle(self, p: ir.Principle, indent: str = "") -> None:
        self.emit(at(p.span).line, indent, f"principle {p.id} {fmt_string(p.title, indent)} {{")
        self.fields(p, indent + INDENT, skip_title=True)
        self.close(at(p.span).end_line, indent)

    def addendum(self, a: ir.Addendum) -> None:
        self.emit(at(a.span).line, "", f"addendum {a.principle_id} {a.scope.kind} {a.scope.tag} {{")
        self.fields(a, INDENT, skip_title=False)
        self.close(at(a.span).end_line, "")

    def jurisdiction(self, j: ir.Jurisdiction) -> None:
        self.emit(at(j.span).line, "", f"jurisdiction {j.name} {{")
        for i, p in enumerate(j.principles):
            if i:
                self.blank()
            self.principle(p, INDENT)
        self.close(at(j.span).end_line, "")

    def file(self, source: ir.SourceFile) -> None:
        previous = None
        for item in source.items:
            grouped = type(item) is type(previous) and isinstance(item, (ir.Include, ir.Precedence))
            if previous is not None and not grouped:
                self.blank()
            if isinstance(item, ir.Include):
                self.emit(at(item.span).line, "", f"include {json.dumps(item.path, ensure_ascii=False)}")
            elif isinstance(item, ir.Precedence):
                self.emit(at(item.span).line, "", f"{item.winner} over {item.loser}")
            else:
                getattr(self, type(item).__name__.lower())(item)
            previous = item


def _place_comments(lines: list[_Line], comments: list[ir.Comment], text: str) -> str:
    src_lines = text.splitlines()
    leading: dict[int, list[str]] = {}
    trailing: dict[int, list[str]] = {}
    tail: list[str] = []
    targets = [i for i, ln in enumerate(lines) if ln.src is not None]
    for c in comments:
        own_line = not src_lines[c.line - 1][: c.column - 1].strip()
        if not own_line:
            same = next((i for i in reversed(targets) if lines[i].src == c.line), None)
            if same is not None:
                trailing.setdefault(same, []).append(c.text)
                continue
        after = [i for i in targets if (lines[i].src or 0) > c.line]
        if after:
            first = min(after, key=lambda i: (lines[i].src, i))
            # a blank line after a free-standing comment separates it from what follows: keep it
            blank_after = c.line < len(src_lines) and not src_lines[c.line].strip()
            leading.setdefault(first, []).append(c.text + ("\n" if blank_after else ""))
        else:
            tail.append(c.text)
    out = []
    for i, ln in enumerate(lines):
        indent = ln.indent if ln.comment_indent is None else ln.comment_indent
        out += [f"{indent}{c}" for c in leading.get(i, [])]  # "\n" keeps a blank line
        body = ln.indent + ln.text if ln.text else ""
        if i in trailing:
            body += "  " + "  ".join(trailing[i])
        out.append(body)
    if tail:
        if out and out[-1]:
            out.append("")
        out += tail
    return "\n".join(out).rstrip("\n") + "\n"


def format_source(source: ir.SourceFile, text: str) -> str:
    writer = _Writer()
    writer.file(source)
    return _place_comments(writer.lines, source.comments, text)


def _has_duplicates(source: ir.SourceFile):
    def nodes():
        for item in source.items:
            yield item
            if isinstance(item, ir.Jurisdiction):
                yield from item.principles

    for node in nodes():
        for dup in getattr(node, "duplicate_fields", []):
            yield dup


def format_text(text: str, path: str) -> tuple[str | None, list[Diagnostic]]:
    """The canonical form of `text`, or the diagnostics that stop it being formatted."""
    source, diags = parse_source(text, path)
    if source is None or any(d.severity == "error" for d in diags):
        return None, diags
    dups = [diag("E301", f"'{d.name}' is written twice; fix it before formatting", d.span)
            for d in _has_duplicates(source)]
    if dups:
        return None, dups
    out = format_source(source, text)
    again, again_diags = parse_source(out, path)
    if again is None or ir.strip_spans(again) != ir.strip_spans(source) or \
            sorted(c.text for c in again.comments) != sorted(c.text for c in source.comments):
        raise FormatError(f"{path}: formatting would change the file's meaning; left unchanged")
    return out, []
