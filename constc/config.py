"""Project configuration (`constc.toml`) and project discovery."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from constc.errors import UserError, did_you_mean

CONFIG_NAME = "constc.toml"


class ConfigError(UserError):
    """A configuration problem: exit code 2."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectSection(_Strict):
    root: str = "constitutions/constitution.const"
    locales: str = "locales"
    evalcases: str = "evalcases"
    templates: str = "templates"
    max_file_bytes: int = Field(default=4 * 1024 * 1024, gt=0, le=1 << 30)
    # eval cases: a JSONL file is parsed into objects several times its size in memory (a
    # 48 MB file took 1.19 GB), so each file and all of them together have a budget
    max_evalcase_file_bytes: int = Field(default=16 * 1024 * 1024, gt=0, le=1 << 30)
    max_evalcase_total_bytes: int = Field(default=64 * 1024 * 1024, gt=0, le=1 << 32)

    @field_validator("root", "locales", "evalcases", "templates")
    @classmethod
    def _inside(cls, value: str) -> str:
        """Project paths are relative and stay inside the project (symbolic links are
        checked when the files are read)."""
        parts = PurePosixPath(value.replace("\\", "/")).parts
        if not value.strip() or value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value) \
                or ".." in parts or value.strip() in (".", "/"):
            raise ValueError(f"'{value}' must be a relative path inside the project (no '..', not absolute)")
        return value


class LintSection(_Strict):
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Literal["error", "warning", "info"]] = Field(default_factory=dict)
    fail_on: Literal["error", "warning", "info"] = "warning"
    priority_range: tuple[int, int] = (0, 1000)
    # L018: the estimated tokens a category's gpt-oss-safeguard policy may run to
    policy_tokens: int = Field(default=2000, ge=1)
    # L020: the fewest violating, and the fewest complying, examples a category's policy shows
    policy_examples: int = Field(default=2, ge=1)

    @field_validator("disable", "severity")
    @classmethod
    def _known(cls, value):
        """A mistyped rule code would silently do nothing: it is an error, with a suggestion."""
        from constc.lint import all_rules

        rules = all_rules()
        for code in value:
            if code not in rules:
                raise ValueError(f"unknown lint rule '{code}'{did_you_mean(code, rules)}")
        return value


class DiffSection(_Strict):
    fail_level: Literal["ID", "PRIORITY", "SEMANTIC", "TEXT", "none"] = "SEMANTIC"
    require_version_bump: bool = True
    # where meaning changes are approved (docs/diff.md); relative to the project root, inside it
    changelog: str = "CHANGELOG.md"

    @field_validator("changelog")
    @classmethod
    def _inside(cls, value: str) -> str:
        return ProjectSection._inside(value)
    ignore: list[str] = Field(default_factory=list)                 # change rules that never fail
    ignore_only: dict[str, list[str]] = Field(default_factory=dict)  # rule -> principle IDs it never fails for


Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class LabelSection(_Strict):
    threshold: Probability = 0.5
    thresholds: dict[str, Probability] = Field(default_factory=dict)
    method: Literal["yesno", "fewshot", "likelihood", "granite", "shieldgemma", "nemoguard", "safeguard"] | None \
        = None  # None: the default method
    # a generating judge's (safeguard's) longest answer, reasoning included, in new tokens
    max_new_tokens: int = Field(default=1024, ge=1, le=65536)
    # the engine, when the command line names none (docs/scale.md); never an API key here
    backend: Literal["transformers", "vllm", "openai", "ray"] | None = None
    base_url: str | None = None
    ray_address: str | None = None


class RegressSection(_Strict):
    canaries: list[str] = Field(default_factory=list)
    # the family-wise error rate of the gate: one-sided tests, Holm-adjusted across them all
    alpha: float = Field(default=0.05, gt=0, lt=1)
    fail_on_targets: bool = True
    # the false-flag rate both revisions are compared at, for principles without an
    # over_refusal_rate / false_flag_rate target
    false_flag_rate: float = Field(default=0.1, ge=0, lt=1)
    on_inconclusive: Literal["warn", "fail", "pass"] = "warn"
    # below this many violating (or complying) parent cases a principle's verdict is
    # inconclusive and a target is reported, not gated (complying ones also need 1 / the
    # matched false-flag rate: fewer cannot flag any); variants of one case count once
    min_cases: int = Field(default=6, ge=2)
    # a target missed at head is excused as calibration drift only when the AUROC drop is
    # shown (one-sided at alpha) to be smaller than this margin: the ranking held
    equivalence_margin: float = Field(default=0.05, gt=0, lt=0.5)
    # "no regression" needs the judge to read the principle: its base AUROC must exceed its
    # AUROC under an unrelated control principle by more than this (one-sided at alpha)
    sensitivity_margin: float = Field(default=0.05, ge=0, lt=0.5)


class CompileSection(_Strict):
    # the principle categories (with their sub-categories: harm covers harm.weapons) whose
    # principles describe harm, and so become guard classifier categories; a helpfulness
    # principle is never "unsafe"
    guard_categories: list[str] = Field(default_factory=lambda: ["harm"])
    # the dataset card's license: an SPDX identifier or expression ("Apache-2.0",
    # "MIT OR Apache-2.0"), or "other"; only its characters, so it cannot add YAML to the card
    # gpt-oss-safeguard's reasoning effort (its chat template's `reasoning_effort`)
    safeguard_reasoning: Literal["low", "medium", "high"] = "medium"
    license: str = Field(default="other", pattern=r"^[A-Za-z0-9.+-]+( (AND|OR|WITH) [A-Za-z0-9.+-]+)*$",
                         max_length=200)


class TranslationsSection(_Strict):
    # locales whose stale translations are known and being worked on: reported as
    # information, so they do not fail `check` (docs/language.md, translations)
    pending: list[str] = Field(default_factory=list)


class Config(_Strict):
    project: ProjectSection = Field(default_factory=ProjectSection)
    translations: TranslationsSection = Field(default_factory=TranslationsSection)
    compile: CompileSection = Field(default_factory=CompileSection)
    lint: LintSection = Field(default_factory=LintSection)
    diff: DiffSection = Field(default_factory=DiffSection)
    label: LabelSection = Field(default_factory=LabelSection)
    regress: RegressSection = Field(default_factory=RegressSection)


def line_of(text: str, loc: tuple) -> int | None:
    """The line of constc.toml that sets the value at `loc`, found by its last key."""
    keys = [str(k) for k in loc if not isinstance(k, int)]
    if not keys:
        return None
    section = f"[{keys[0]}]"
    in_section = False
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.startswith(section) or stripped.startswith(f"[{'.'.join(keys[:2])}]")
        key = re.escape(keys[-1])
        if (in_section or len(keys) == 1) and re.search(rf'(^|[{{,\s]){key}\s*=|"{key}"\s*=', stripped):
            return n
    return None


def parse_config(text: str, where: str) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where}: {err}") from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply") from None
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        line = line_of(text, first["loc"])
        msg = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{where}{f':{line}' if line else ''}: [{loc}] {msg}") from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply") from None


class Project(BaseModel):
    """Where a constitution lives: its root directory, root file and configuration."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    root: Path
    config: Config
    config_path: Path | None = None
    root_file: Path

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def find_project(start: Path) -> Project:
    """The project that contains `start` (a directory or a .const file).

    Walks up to the nearest `constc.toml`. A lone .const file with no config above it
    is a project of its own: that file is the root, its directory the project root.
    """
    start = start.resolve() if start.exists() else start.absolute()
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        cfg = folder / CONFIG_NAME
        if cfg.is_file():
            try:
                text = cfg.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                raise ConfigError(f"{cfg}: cannot read: {err}") from None
            config = parse_config(text, str(cfg))
            return Project(root=folder, config=config, config_path=cfg,
                           root_file=folder / config.project.root)
    if start.is_dir() or start.suffix != ".const":
        raise ConfigError(f"{start}: no {CONFIG_NAME} here or above, and not a .const file")
    return Project(root=start.parent, config=Config(), root_file=start)
