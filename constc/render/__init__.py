"""The jinja2 environment that renders every prompt, and the conversation format.

Templates run in a sandbox with StrictUndefined: a project may override any of them
(a file of the same name in its `templates/` folder), and a typo in a variable fails
loudly instead of rendering an empty string. Case text is only ever passed to templates
as data, never compiled as a template, so `{{ ... }}` in a response stays literal text.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from constc.render.safety import defang

BUILTIN = Path(__file__).with_name("templates")


def environment(project_templates: Path | None = None) -> SandboxedEnvironment:
    loaders = [FileSystemLoader(str(project_templates))] if project_templates and project_templates.is_dir() else []
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


def render(env: SandboxedEnvironment, name: str, **values) -> str:
    return env.get_template(name).render(**values)
