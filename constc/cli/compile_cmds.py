"""compile and import."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from constc.cli import EXIT_CLEAN, EXIT_FINDINGS, UsageError
from constc.cli.check_cmds import add_format, report
from constc.scaffold import constitution_name, init


def checked_context(path: str, fmt: str):
    """A compiled project context, or None after reporting its errors."""
    from constc.api import CheckFailed, checked

    try:
        return checked(path)
    except CheckFailed as err:
        report(err.diagnostics, err.texts, fmt, "error")
        print("constc: the constitution has errors; nothing was compiled", file=sys.stderr)
        return None


def run_compile(args) -> int:
    from constc.cache import write_atomic
    from constc.targets import TARGET_NAMES, write
    from constc.targets.guard import LOCK_NAME, LockError, codes, lock_text

    names = list(TARGET_NAMES) if "all" in args.target else list(dict.fromkeys(args.target))
    ctx = checked_context(args.path, args.format)
    if ctx is None:
        return EXIT_FINDINGS
    from constc.api import compilation

    comp = compilation(ctx, args.locale, args.jurisdiction, args.mutations, args.locked)
    out = Path(args.output)
    try:
        digests = write(comp, names, out)
        if "guard" in names or "nemoguard" in names:  # both name categories by their guard codes
            full, changed = codes(comp)
            if changed:
                write_atomic(ctx.project.root / LOCK_NAME, lock_text(full).encode("utf-8"))
                print(f"updated {LOCK_NAME} (commit it with the constitution)", file=sys.stderr)
    except LockError as err:
        raise UsageError(str(err)) from None
    print(f"wrote {len(digests)} artifact(s) and manifest.json to {out}/ "
          f"({ctx.constitution.header.name} {ctx.constitution.header.version}, "
          f"locale {comp.effective_locale}, revision {(comp.revision or 'none')[:12]}"
          f"{' dirty' if comp.dirty else ''})", file=sys.stderr)
    return EXIT_CLEAN


IMPORT_LIMIT = 16 * 1024 * 1024


def run_init(args) -> int:
    folder = Path(args.dir)
    written = init(folder, args.name)
    for rel in written:
        print(f"wrote {folder / rel}", file=sys.stderr)
    if "SET-ME-TO-A-CONSTC-COMMIT-SHA" in (folder / ".pre-commit-config.yaml").read_text(encoding="utf-8"):
        print("constc: warning: this constc was not installed from a git commit, so .pre-commit-config.yaml and "
              ".github/workflows/constc.yml do not know which commit to pin: replace SET-ME-TO-A-CONSTC-COMMIT-SHA "
              "with one (docs/diff.md)", file=sys.stderr)
    print(f"next: cd {shlex.quote(str(folder))} && git init && constc check && constc compile -t all; then edit "
          "constitutions/principles.const (docs/language.md)", file=sys.stderr)
    return EXIT_CLEAN


# An imported constitution has principles but no examples or eval cases yet: L010 says
# so as information until the team adds them, so the new project checks clean at once.
IMPORTED_CONFIG = """[project]
root = "constitutions/constitution.const"

[lint.severity]
L010 = "info"   # imported principles have no eval cases yet: add them, then remove this line
"""


def _read_text(root: Path, rel: str) -> str | None:
    """A file of an imported folder, under a project file's limits; None when absent."""
    from constc.sources import Refused, read_confined

    try:
        data = read_confined(root, rel, IMPORT_LIMIT)
        if data is not None and len(data) > IMPORT_LIMIT:
            raise UsageError(f"{root / rel}: larger than {IMPORT_LIMIT:,} bytes")
        return None if data is None else data.decode("utf-8-sig")
    except Refused as err:
        raise UsageError(str(err)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{root / rel}: cannot read: {err}") from None


def import_pack(args, folder: Path) -> int:
    """A policy pack: one sub-folder per policy holding its policy.md, directly in FOLDER
    or in FOLDER/example_policies/ (the layout OpenAI's published packs use). A policy's
    validation sets are every CSV in its own folder, FOLDER/datasets/<policy>.csv and every
    CSV in FOLDER/datasets/<policy>/. One principle per policy, one eval case file per
    policy with the cases of all its CSVs."""
    from constc.cache import write_atomic
    from constc.fmt import format_text
    from constc.importers import ImportFormatError, from_policy_pack

    if not folder.is_dir():
        raise UsageError(f"{folder}: --from policy-pack imports a folder with one sub-folder per policy")
    root = folder.absolute()
    shelf = "example_policies/" if (root / "example_policies").is_dir() else ""

    def csvs(rel: str) -> list[str]:
        where = root / rel
        if not where.is_dir() or where.is_symlink():
            return []
        return [f"{rel}/{p.name}" for p in sorted(where.iterdir()) if p.suffix.lower() == ".csv"]

    policies: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for sub in sorted(p for p in (root / shelf).iterdir() if p.is_dir() and not p.is_symlink()):
        policy = _read_text(root, f"{shelf}{sub.name}/policy.md")
        if policy is None:
            continue
        tables = [*csvs(f"{shelf}{sub.name}"), f"datasets/{sub.name}.csv", *csvs(f"datasets/{sub.name}")]
        policies[sub.name] = (policy, [(rel, text) for rel in tables if (text := _read_text(root, rel)) is not None])
    if not policies:
        raise UsageError(f"{folder}: no <policy>/policy.md in it (nor in example_policies/)")
    if not re.fullmatch(r"[A-Z]{2,8}", args.prefix):
        raise UsageError(f"--prefix '{args.prefix}': use 2 to 8 capital letters")
    name = constitution_name(args.name, folder.absolute().name, "imported")
    try:
        principles, files = from_policy_pack(policies, args.prefix)
    except ImportFormatError as err:
        print(f"{folder}: {err}", file=sys.stderr)
        return EXIT_FINDINGS
    source = f'constitution {name} {{\n  version "1.0.0"\n}}\n\n' + "\n\n".join(principles) + "\n"
    formatted, diags = format_text(source, "imported.const")
    if formatted is None:  # the importer produced something it cannot parse: a constc bug
        raise RuntimeError(f"import produced an invalid file: {diags[0].message}")
    out = Path(args.output)
    targets = {"constitutions/constitution.const": formatted, **files}
    clash = [rel for rel in targets if (out / rel).exists()]
    if clash and not args.force:  # nothing is written unless all may be
        raise UsageError(f"{out / clash[0]} exists; use --force to overwrite")
    try:
        for rel, text in targets.items():
            write_atomic(out / rel, text.encode("utf-8"))
        if not (out / "constc.toml").exists():
            write_atomic(out / "constc.toml", PACK_CONFIG.encode("utf-8"))
    except OSError as err:
        raise UsageError(f"cannot write the project to {out}/: {err.strerror or err}") from None
    cases = sum(t.count("\n") for t in files.values())
    print(f"imported {len(principles)} policy(ies) as principles into {out / 'constitutions/constitution.const'} "
          f"and {cases} validation case(s) into {len(files)} eval case file(s)", file=sys.stderr)
    return EXIT_CLEAN


PACK_CONFIG = """[project]
root = "constitutions/constitution.const"

[label]
method = "safeguard"   # the pack's policies were written for a policy-reading judge (docs/labeling.md)
"""


def run_import(args) -> int:
    from constc.fmt import format_text
    from constc.importers import ImportFormatError, import_text
    from constc.targets import dumps_json

    from constc.cache import write_atomic
    from constc.sources import Refused, read_confined

    src = Path(args.file)
    if args.format_in == "policy-pack":
        return import_pack(args, src)
    try:  # the same limits as a project's files: a regular file, size checked before reading
        data = read_confined(src.absolute().parent, src.name, IMPORT_LIMIT)
        if data is None:
            raise UsageError(f"{src}: no such file")
        if len(data) > IMPORT_LIMIT:
            raise UsageError(f"{src}: larger than {IMPORT_LIMIT:,} bytes")
        text = data.decode("utf-8")
    except Refused as err:
        raise UsageError(str(err)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{src}: cannot read: {err}") from None
    name = constitution_name(args.name, src.stem, "imported")
    if not re.fullmatch(r"[A-Z]{2,8}", args.prefix):
        raise UsageError(f"--prefix '{args.prefix}': use 2 to 8 capital letters")
    try:
        source, codes = import_text(args.format_in, text, name, args.prefix)
    except ImportFormatError as err:
        print(f"{src}: {err}", file=sys.stderr)
        return EXIT_FINDINGS
    formatted, diags = format_text(source, "imported.const")
    if formatted is None:  # the importer produced something it cannot parse: a constc bug
        raise RuntimeError(f"import produced an invalid file: {diags[0].message}")
    from constc.targets.guard import LOCK_NAME

    out = Path(args.output)
    root_file = out / "constitutions" / "constitution.const"
    lock = out / LOCK_NAME
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {out}: exists and is not a directory")
    for existing in (root_file, lock if codes else None):  # nothing is written unless all may be
        if existing is not None and existing.exists() and not args.force:
            raise UsageError(f"{existing} exists; use --force to overwrite")
    try:
        write_atomic(root_file, formatted.encode("utf-8"))
        cfg = out / "constc.toml"
        if not cfg.exists():
            write_atomic(cfg, IMPORTED_CONFIG.encode("utf-8"))
        if codes:
            write_atomic(lock, dumps_json({"codes": codes}).encode("utf-8"))
    except OSError as err:
        raise UsageError(f"cannot write the project to {out}/: {err.strerror or err}") from None
    print(f"imported {formatted.count(chr(10) + 'principle ')} principle(s) into {root_file}", file=sys.stderr)
    return EXIT_CLEAN


def register(sub) -> None:
    from constc.importers import FORMATS
    from constc.targets import TARGET_NAMES

    p = sub.add_parser("compile", help="compile a constitution to prompts, eval cases and datasets")
    p.add_argument("path", nargs="?", default=".", help="project directory or .const file (default: .)")
    p.add_argument("--target", "-t", action="append", required=True, choices=[*TARGET_NAMES, "all"],
                   help="what to build; repeat it, or 'all'")
    p.add_argument("--locale", help="resolve addenda for this locale (default: the header's locale)")
    p.add_argument("--jurisdiction", help="add this jurisdiction's principles and overrides")
    p.add_argument("-o", "--output", default="build/constc", help="output directory (default: build/constc)")
    p.add_argument("--mutations", default="all", help="'all', 'none' or a comma-separated list of operators")
    p.add_argument("--locked", action="store_true", help="fail instead of updating guard-codes.json")
    add_format(p)
    p.set_defaults(run=run_compile)

    p = sub.add_parser("init", help="start a new project that passes check and compile at once")
    p.add_argument("dir", nargs="?", default=".", help="the project folder (default: .; created if missing)")
    p.add_argument("--name", help="the constitution's name (default: from the folder name, e.g. my-policy -> "
                   "my_policy)")
    p.set_defaults(run=run_init)

    p = sub.add_parser("import", help="import a constitution from another layout into a new project")
    p.add_argument("file", help="the file to import (for policy-pack: the pack's folder)")
    p.add_argument("--from", dest="format_in", required=True, choices=FORMATS, help="the file's layout")
    p.add_argument("-o", "--output", default=".", help="project directory to write (default: .)")
    p.add_argument("--name", help="constitution name (default: from the file name)")
    p.add_argument("--prefix", default="IMP", help="principle ID prefix (default: IMP)")
    p.add_argument("--force", action="store_true", help="overwrite an existing root file")
    p.set_defaults(run=run_import)
