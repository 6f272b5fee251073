"""Trust comes from the base: the settings that decide a gate, or where labels and secrets
go, are read from the base revision's constc.toml, never from the head that is judged
(docs/security.md). This is GitHub's `pull_request_target` discipline: a pull request may
propose new gate settings, and they apply once merged; until then each one it changes is a
finding of its own (CONFIG_GATE_CHANGED) with the old and new value, so a reviewer sees it.

The command line and the CI job's environment are trusted too: a `--base-url` or
`--backend` given there wins over both files.
"""

from __future__ import annotations

import json
from dataclasses import replace

from constc.config import CONFIG_NAME, Config, line_of

# section -> the fields whose value comes from the base; None: the whole section
GATE_SETTINGS: dict[str, tuple[str, ...] | None] = {
    "diff": None,            # fail_level, require_version_bump, changelog, ignore, ignore_only
    "regress": None,         # alpha, min_cases, on_inconclusive, false_flag_rate, ...
    "label": None,           # backend, base_url, ray_address, method, thresholds, max_new_tokens
    "lint": None,            # what counts as an error in the head's own check
    "translations": None,    # pending: stale translations that do not fail
}


def _fields(section: str, config: Config) -> dict:
    values = getattr(config, section).model_dump()
    keep = GATE_SETTINGS[section]
    return values if keep is None else {k: v for k, v in values.items() if k in keep}


def gate_changes(base: Config, head: Config) -> list[tuple[str, str, object, object]]:
    """(section, key, base value, head value) for every gate setting the head changes."""
    out = []
    for section in GATE_SETTINGS:
        old, new = _fields(section, base), _fields(section, head)
        out += [(section, key, old[key], new[key]) for key in old if old[key] != new[key]]
    return out


def under_base(base: Config, head: Config) -> Config:
    """The head's configuration with every gate setting taken from the base."""
    update = {}
    for section, keep in GATE_SETTINGS.items():
        if keep is None:
            update[section] = getattr(base, section)
        else:
            update[section] = getattr(head, section).model_copy(update=_fields(section, base))
    return head.model_copy(update=update)


def shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def trusted_head(base_side, head_side):
    """(the head Side with the base's gate settings, the changes as diff Changes)."""
    from constc.diagnostics.model import Span
    from constc.diff.semantic import Change, Rule
    from constc.diff.sources import read_text

    base_cfg, head_cfg = base_side.project.config, head_side.project.config
    changed = gate_changes(base_cfg, head_cfg)
    if not changed:
        return head_side, []
    text = read_text(head_side, CONFIG_NAME)
    changes = []
    for section, key, old, new in changed:
        line = line_of(text, (section, key)) if text else None
        span = Span(file=CONFIG_NAME, line=line, column=1, end_line=line, end_column=1) if line else None
        changes.append(Change(rule=Rule.CONFIG_GATE_CHANGED.id, field=f"{section}.{key}", before=shown(old),
                              after=shown(new), head_span=span,
                              message=f"{CONFIG_NAME} [{section}] {key}: {shown(old)} → {shown(new)}; a gate setting "
                                      f"comes from the base ({base_side.label}), so this applies only once merged"))
    project = head_side.project.model_copy(update={"config": under_base(base_cfg, head_cfg)})
    return replace(head_side, project=project), changes
