"""Merge parsed files into one Constitution, and check the structure of each block."""

from __future__ import annotations

import re

from constc.diagnostics.model import diag
from constc.ir.nodes import (
    SEVERITIES, Addendum, Constitution, Header, Jurisdiction, Precedence, Principle, Span,
)

METRICS = ("violation_rate", "over_refusal_rate", "detection_rate", "false_flag_rate")
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")


def merge(ctx) -> None:
    const = Constitution(files=list(ctx.sources))
    for rel, source in ctx.sources.items():
        tag = ctx.locale_dirs.get(rel)
        for item in source.items:
            if isinstance(item, Header):
                if tag is not None or const.header is not None:
                    ctx.diagnostics.append(diag("E304", "only the root file may hold the constitution header",
                                                item.span))
                else:
                    const.header = item
            elif isinstance(item, Principle):
                if tag is not None:
                    ctx.diagnostics.append(diag(
                        "E305", f"principle {item.id} in locale folder '{tag}': a locale only overrides "
                        "principles (addendum), a jurisdiction adds them (jurisdiction block)", item.span))
                else:
                    const.principles.append(item)
            elif isinstance(item, Jurisdiction):
                if tag is not None and item.name != tag:
                    ctx.diagnostics.append(diag(
                        "E305", f"jurisdiction '{item.name}' in folder for '{tag}'", item.span))
                const.principles += item.principles
            elif isinstance(item, Addendum):
                if tag is not None and item.scope.tag.lower() != tag.lower():
                    ctx.diagnostics.append(diag(
                        "E305", f"addendum for {item.scope} in folder for '{tag}'", item.scope.span))
                const.addenda.append(item)
            elif isinstance(item, Precedence):
                const.precedences.append(item)
    ctx.constitution = const


def _check_fields(ctx, node, kind: str) -> None:
    for dup in node.duplicate_fields:
        ctx.diagnostics.append(diag("E301", f"'{dup.name}' is written twice in this {kind}", dup.span,
                                    hint="keep one; the first one is used"))
    spans = node.field_spans
    if node.severity is not None and node.severity not in SEVERITIES:
        ctx.diagnostics.append(diag("E303", f"unknown severity '{node.severity}'", spans.get("severity"),
                                    hint="one of: " + ", ".join(SEVERITIES)))
    if node.threshold is not None and not 0 <= node.threshold <= 1:
        ctx.diagnostics.append(diag("E303", f"threshold {node.threshold} is not a probability in [0, 1]",
                                    spans.get("threshold")))
    for t in node.targets:
        if t.metric not in METRICS:
            ctx.diagnostics.append(diag("E303", f"unknown target metric '{t.metric}'", t.span,
                                        hint="one of: " + ", ".join(METRICS)))
        elif not 0 <= t.fraction <= 1:
            ctx.diagnostics.append(diag("E303", f"target {t.value}{'%' if t.percent else ''} is not a rate",
                                        t.span))


def check_structure(ctx) -> None:
    const: Constitution = ctx.constitution
    header = const.header
    seen: dict[tuple, Addendum] = {}
    for a in const.addenda:  # two addenda for one principle and scope: which one wins is arbitrary
        key = (a.principle_id, a.scope.kind, a.scope.tag.lower())
        if key in seen:
            first = seen[key].span
            at = f" (the first is at {first.file}:{first.line})" if first else ""
            ctx.diagnostics.append(diag("E307", f"a second {a.scope} addendum for {a.principle_id}{at}", a.span,
                                        hint="merge the two addenda into one"))
        else:
            seen[key] = a
    if header is None:
        start = Span.file_start(ctx.project.rel(ctx.project.root_file))
        if ctx.sources and ctx.complete:
            ctx.diagnostics.append(diag("E302", "no constitution header", start,
                                        hint='start the root file with: constitution NAME { version "1.0.0" }'))
    else:
        for dup in header.duplicate_fields:
            ctx.diagnostics.append(diag("E301", f"'{dup.name}' is written twice in the header", dup.span))
        if header.version is None:
            ctx.diagnostics.append(diag("E302", "the header has no version", header.span,
                                        hint='add: version "1.0.0"'))
        elif not _SEMVER.match(header.version):
            ctx.diagnostics.append(diag("E303", f"version '{header.version}' is not a semantic version "
                                        "(MAJOR.MINOR.PATCH)", header.field_spans.get("version")))
    for p in const.principles:
        _check_fields(ctx, p, "principle")
        if p.category is None:
            ctx.diagnostics.append(diag("E302", f"principle {p.id} has no category", p.span,
                                        hint="add: category harm.illegal (a dotted path)"))
    for a in const.addenda:
        _check_fields(ctx, a, "addendum")
        if "category" in a.field_spans:
            ctx.diagnostics.append(diag("E303", "an addendum cannot move a principle to another category",
                                        a.field_spans["category"]))
