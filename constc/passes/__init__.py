"""The compiler pipeline: an ordered list of named passes over one shared context.

Each pass appends diagnostics and never stops the pipeline: a user sees every problem
of a file at once. Later passes skip what earlier ones could not build.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from constc.cache import Memo
from constc.config import Project
from constc.diagnostics.model import Diagnostic
from constc.evalcases import EvalCase
from constc.ir.nodes import Constitution, SourceFile
from constc.sources import DiskTree, SourceTree


@dataclass
class Context:
    project: Project
    tree: SourceTree
    texts: dict[str, str] = field(default_factory=dict)          # rel path -> text
    sources: dict[str, SourceFile] = field(default_factory=dict)  # rel path -> parsed file
    locale_dirs: dict[str, str] = field(default_factory=dict)     # rel path -> folder tag
    constitution: Constitution = field(default_factory=Constitution)
    evalcases: list[EvalCase] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unparsed: set[str] = field(default_factory=set)  # files read that did not parse
    translation_lock: dict | None = None  # locale -> principle -> source hash; None: never stamped
    memo: Memo | None = None  # a long-lived caller's parse memo (constc.lsp); None: the disk cache only

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    @property
    def complete(self) -> bool:
        """Whether every file parsed. When one did not, what it would have defined is
        unknown, so checks that something is *missing* (a header, a principle an addendum,
        precedence rule or eval case names) stay silent: one typo gives one error."""
        return not self.unparsed


def _passes():
    from constc.passes import load, merge, references
    from constc.lint import run_lint

    return [
        ("resolve-includes", load.resolve_includes),
        ("load-locales", load.load_locales),
        ("load-evalcases", load.load_evalcases),
        ("merge-addenda", merge.merge),
        ("check-structure", merge.check_structure),
        ("check-references", references.check_references),
        ("lint", run_lint),
    ]


def pass_names() -> list[str]:
    return [name for name, _ in _passes()]


def compile_project(project: Project, tree: SourceTree | None = None, until: str | None = None,
                    memo: Memo | None = None) -> Context:
    """Run the pipeline (up to and including pass `until`) and return its context."""
    ctx = Context(project=project, tree=tree or DiskTree(project.root), memo=memo)
    for name, run in _passes():
        run(ctx)
        if name == until:
            break
    ctx.diagnostics.sort(key=Diagnostic.sort_key)
    return ctx
