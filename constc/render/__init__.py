"""The jinja2 environment that renders every prompt, and the conversation format.

Templates run in a sandbox with StrictUndefined: a project may override any of them
(a file of the same name in its `templates/` folder), and a typo in a variable fails
loudly instead of rendering an empty string. Case text is only ever passed to templates
as data, never compiled as a template, so `{{ ... }}` in a response stays literal text.

A project's templates are untrusted (a pull request may change them): they are loaded
from the revision being compiled (so a base is never rendered with a pull request's
templates), only from regular files inside the project's templates folder (a symbolic link out, say
to /proc/self/environ, is refused), each render has a time budget, and any failure —
a syntax error, `{{ 1/0 }}`, a template that includes itself — is a `TemplateFailure`
naming the template and line, never a crash.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path

from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from constc.errors import UserError
from constc.render.safety import defang

BUILTIN = Path(__file__).with_name("templates")
RENDER_SECONDS = 10  # one prompt renders in well under a millisecond; a loop bomb does not
MAX_TEMPLATE_BYTES = 1 << 20


class TemplateFailure(UserError):
    """A project template that cannot be rendered: exit code 2."""


class TreeLoader(BaseLoader):
    """A project's templates, read from the revision being compiled (its git tree, the
    index or the working tree): each revision renders with its own templates. Reads go
    through the tree, which reads only regular files inside the project."""

    def __init__(self, tree, folder: str):
        self.tree, self.folder = tree, folder.strip("/")

    def get_source(self, environment, template):
        from constc.sources import Refused

        rel = f"{self.folder}/{template}"
        try:
            data = self.tree.read(rel, MAX_TEMPLATE_BYTES)
        except Refused as err:
            raise TemplateFailure(f"templates/{err}") from None
        if data is None:
            raise TemplateNotFound(template)
        if len(data) > MAX_TEMPLATE_BYTES:
            raise TemplateFailure(f"templates/{template}: larger than {MAX_TEMPLATE_BYTES:,} bytes")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise TemplateFailure(f"templates/{template}: not UTF-8 text") from None
        return text, rel, lambda: False


def environment(tree=None, folder: str | None = None) -> SandboxedEnvironment:
    """The environment for one revision: `folder` of `tree` (a SourceTree) overrides the
    built-in templates; with neither, the built-in ones only."""
    loaders = [TreeLoader(tree, folder)] if tree is not None and folder else []
    env = SandboxedEnvironment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(str(BUILTIN))]),
        undefined=StrictUndefined,
        autoescape=False,
        auto_reload=False,  # templates do not change during a run: skip a stat per render
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["defang"] = defang
    env.filters["oneline"] = lambda text: " ".join(text.split())
    return env


@contextlib.contextmanager
def _budget(seconds: float, name: str):
    """SIGALRM after `seconds` (main thread on POSIX only; elsewhere no budget)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise TemplateFailure(f"template {name} ran for more than {seconds} s (a loop that never ends?)")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _template_line(tb, name: str) -> str:
    line = None
    while tb is not None:  # jinja rewrites frames so template code shows its own file and line
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f"{name}:{line}" if line else name


def render(env: SandboxedEnvironment, name: str, **values) -> str:
    from jinja2 import TemplateError

    try:
        with _budget(RENDER_SECONDS, name):
            return env.get_template(name).render(**values)
    except TemplateFailure:
        raise
    except TemplateError as err:
        lineno, filename = getattr(err, "lineno", None), getattr(err, "filename", None)  # syntax errors have them
        where = f"{filename or name}:{lineno}" if lineno else name
        raise TemplateFailure(f"template {where}: {type(err).__name__}: {err}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError,
            OverflowError, MemoryError) as err:
        raise TemplateFailure(f"template {_template_line(err.__traceback__, name)}: "
                              f"{type(err).__name__}: {err}") from None
