"""Build IR nodes from a lark tree. Pure construction: semantic checks live in passes.

Values that cannot be built at all (a bad escape in a string, a priority too large for
an integer) become diagnostics here, since no node could carry them.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, Callable, cast

from lark import Token, Transformer, Tree, v_args

from constc.diagnostics.model import Diagnostic, diag
from constc.ir import nodes as ir

_LIST_FIELDS = {"targets": "target", "examples": "example"}
_MAX_INT = 2**31 - 1


def block_value(raw: str) -> str:
    """The value of a \"\"\"block\"\"\" string: first and last blank lines dropped, dedented."""
    lines = raw[3:-3].split("\n")
    if len(lines) > 1 and not lines[0].strip():
        lines = lines[1:]
    if len(lines) > 1 and not lines[-1].strip():
        lines = lines[:-1]
    return textwrap.dedent("\n".join(lines))


# The parser runs with propagate_positions, so every tree node and token has a position;
# lark types them as optional, hence `Any` here.
def _span(path: str, meta: Any) -> ir.Span:
    return ir.Span(file=path, line=meta.line, column=meta.column,
                   end_line=meta.end_line, end_column=meta.end_column)


def _tok_span(path: str, tok: Any) -> ir.Span:
    return ir.Span(file=path, line=tok.line, column=tok.column,
                   end_line=tok.end_line, end_column=tok.end_column)


def _field(name: str, convert: Callable[[Any, list], Any]):
    """A transformer method for the rule `name`: a field with its converted value and span."""
    def method(self, meta, children):
        return _Field(name, convert(self, children), _span(self.path, meta))
    return method


class _Field:
    __slots__ = ("name", "value", "span")

    def __init__(self, name: str, value, span: ir.Span):
        self.name, self.value, self.span = name, value, span


@v_args(meta=True)
class IRBuilder(Transformer):
    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    # ---- leaves ------------------------------------------------------------------
    def text(self, meta, children):
        tok: Token = children[0]
        if tok.type == "LONG_STRING":
            return block_value(str(tok))
        return self._string(tok)

    def _string(self, tok: Token) -> str:
        try:
            value = json.loads(str(tok), strict=False)
            value.encode("utf-8")
            return value
        except json.JSONDecodeError as err:
            self.diagnostics.append(diag("E103", f"invalid string: {err.msg}", _tok_span(self.path, tok),
                                         hint=r'escapes are \" \\ \n \t and \uXXXX'))
        except UnicodeEncodeError:
            self.diagnostics.append(diag("E103", "invalid string: a lone surrogate escape (\\uD800-\\uDFFF) is "
                                         "not a character", _tok_span(self.path, tok)))
        return str(tok)[1:-1].encode("utf-8", "replace").decode("utf-8")

    def _int(self, tok: Token) -> int:
        if len(str(tok).lstrip("+-")) > 18:  # before int(): 5,000 digits would exceed Python's limit
            self.diagnostics.append(diag("E104", f"number {str(tok)[:20]}... is too large", _tok_span(self.path, tok)))
            return 0
        value = int(tok)
        if abs(value) > _MAX_INT:
            self.diagnostics.append(diag("E104", f"number {tok} is too large", _tok_span(self.path, tok)))
            return 0
        return value

    title = _field("title", lambda s, c: c[0])
    statement = _field("statement", lambda s, c: c[0])
    critique = _field("critique", lambda s, c: c[0])
    revision = _field("revision", lambda s, c: c[0])
    compare = _field("compare", lambda s, c: c[0])
    category = _field("category", lambda s, c: str(c[0]))
    priority = _field("priority", lambda s, c: s._int(c[0]))
    severity = _field("severity", lambda s, c: str(c[0]))
    threshold = _field("threshold", lambda s, c: float(c[0]))
    tags = _field("tags", lambda s, c: [str(t) for t in c if t is not None])
    version = _field("version", lambda s, c: s._string(c[0]))
    owners = _field("owners", lambda s, c: [s._string(t) for t in c if t is not None])
    review = _field("review_days", lambda s, c: s._int(c[0]))
    default_locale = _field("locale", lambda s, c: str(c[0]))
    locales = _field("locales", lambda s, c: [str(t) for t in c if t is not None])
    prompt = _field("prompt", lambda s, c: c[0])
    response = _field("response", lambda s, c: c[0])

    def target(self, meta, children):
        metric, op, number, percent = children
        node = ir.Target(metric=str(metric), op=cast(Any, str(op)), value=float(number),
                         percent=percent is not None, span=_span(self.path, meta))
        return _Field("target", node, _span(self.path, meta))

    def example(self, meta, children):
        label, name, *fields = children
        values = {f.name: f.value for f in fields}
        span = _span(self.path, meta)
        seen: set[str] = set()
        for f in fields:
            if f.name in seen:
                self.diagnostics.append(diag("E301", f"'{f.name}' is written twice in this example", f.span))
            seen.add(f.name)
        if "prompt" not in values:
            self.diagnostics.append(diag("E302", "example has no prompt", span))
        node = ir.Example(label=cast(Any, str(label)), name=str(name) if name is not None else None,
                          prompt=values.get("prompt", ""), response=values.get("response"), span=span,
                          field_spans={f.name: f.span for f in fields})
        return _Field("example", node, span)

    # ---- blocks ------------------------------------------------------------------
    def _fields(self, fields: list[_Field]) -> dict:
        out: dict = {"field_spans": {}, "duplicate_fields": [], "targets": [], "examples": []}
        for f in fields:
            if f.name in ("target", "example"):
                out[f.name + "s"].append(f.value)
            elif f.name in out["field_spans"]:
                out["duplicate_fields"].append(ir.FieldRef(name=f.name, span=f.span))
            else:
                out[f.name] = f.value
                out["field_spans"][f.name] = f.span
        return out

    def principle(self, meta, children):
        pid, title, *fields = children
        values = self._fields(fields)
        if "title" in values:  # a principle's title is positional; a title field repeats it
            values["duplicate_fields"].append(ir.FieldRef(name="title", span=values["field_spans"]["title"]))
        values["title"] = title
        return ir.Principle(id=str(pid), span=_span(self.path, meta), **values)

    def locale_scope(self, meta, children):
        return ir.Scope(kind="locale", tag=str(children[0]), span=_span(self.path, meta))

    def jurisdiction_scope(self, meta, children):
        return ir.Scope(kind="jurisdiction", tag=str(children[0]), span=_span(self.path, meta))

    def addendum(self, meta, children):
        pid, scope, *fields = children
        return ir.Addendum(principle_id=str(pid), scope=scope, span=_span(self.path, meta),
                           **self._fields(fields))

    def jurisdiction(self, meta, children):
        name, *principles = children
        for p in principles:
            p.jurisdiction = str(name)
        return ir.Jurisdiction(name=str(name), principles=principles, span=_span(self.path, meta))

    def precedence(self, meta, children):
        return ir.Precedence(winner=str(children[0]), loser=str(children[1]), span=_span(self.path, meta))

    def include(self, meta, children):
        return ir.Include(path=self._string(children[0]), span=_span(self.path, meta))

    def header(self, meta, children):
        name, *fields = children
        values: dict = {"field_spans": {}, "duplicate_fields": []}
        for f in fields:
            if f.name in values["field_spans"]:
                values["duplicate_fields"].append(ir.FieldRef(name=f.name, span=f.span))
            else:
                values[f.name] = f.value
                values["field_spans"][f.name] = f.span
        return ir.Header(name=str(name), span=_span(self.path, meta), **values)

    def start(self, meta, children):
        return ir.SourceFile(path=self.path, items=list(children))


def build_file(tree: Tree, path: str) -> tuple[ir.SourceFile, list[Diagnostic]]:
    builder = IRBuilder(path)
    source = builder.transform(tree)
    if not isinstance(source, ir.SourceFile):  # empty file: lark gives start with no meta
        source = ir.SourceFile(path=path)
    return source, builder.diagnostics
