"""Import constitutions written in other layouts into constc projects.

Each importer gives principles generated IDs (PREFIX-01, PREFIX-02, ... in file order, so
importing the same file twice gives the same IDs) and keeps every original string
exactly, so compiling the import back to the same layout reproduces those strings.
"""

from __future__ import annotations

import json
import re

from constc.grammar import NAME, plain_name

FORMATS = ("anthropic", "hf", "llamaguard", "policy-pack")


class ImportFormatError(ValueError):
    """The input is not in the layout it was declared to be in."""


# A comment ends at a line break: one in a file name must not write .const lines.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def _principle(pid: str, title: str, priority: int, statement: str, critique: str | None = None,
               revision: str | None = None, comment: str | None = None, category: str = "imported") -> str:
    from constc.fmt import fmt_string

    lines = [f"# {_CONTROLS.sub('?', comment)}"] if comment else []
    lines.append(f"principle {pid} {fmt_string(title, '')} {{")
    lines += [f"  category {category}", f"  priority {priority}", "  severity medium",
              f"  statement {fmt_string(statement, '  ')}"]
    if critique is not None:
        lines.append(f"  critique {fmt_string(critique, '  ')}")
    if revision is not None:
        lines.append(f"  revision {fmt_string(revision, '  ')}")
    return "\n".join(lines + ["}"])


def _unwrap(value, prefix: str, suffix: str, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(prefix) or not value.endswith(suffix) \
            or len(value) < len(prefix) + len(suffix):
        raise ImportFormatError(f"{where}: expected a string of the form {prefix + '...' + suffix!r}")
    return value[len(prefix): len(value) - len(suffix)]


def from_anthropic(text: str, prefix: str) -> tuple[list[str], dict[str, str]]:
    data = _json(text)
    if not isinstance(data, dict) or not data:
        raise ImportFormatError("expected a JSON object of principles")
    out = []
    for i, (key, entry) in enumerate(data.items(), start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("prompt"), list) or len(entry["prompt"]) != 1:
            raise ImportFormatError(f"{key}: expected {{'prompt': [one string], 'edit_request': string}}")
        critique = _unwrap(entry["prompt"][0], "\n\nCritiqueRequest: ", "\n\nCritique:", f"{key}.prompt[0]")
        revision = _unwrap(entry.get("edit_request"), "\n\nRevisionRequest: ", "\n\nRevision:",
                           f"{key}.edit_request")
        out.append(_principle(f"{prefix}-{i:02d}", key, len(data) - i + 1, critique, critique, revision,
                              comment=f"imported from key {json.dumps(key, ensure_ascii=False)}"))
    return out, {}


def from_hf(text: str, prefix: str) -> tuple[list[str], dict[str, str]]:
    data = _json(text)
    items = data.get("constitutions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ImportFormatError("expected an object with a non-empty 'constitutions' list")
    out = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("critic", "revision")):
            raise ImportFormatError(f"constitutions[{i - 1}]: expected {{'critic': string, 'revision': string}}")
        title = " ".join(item["critic"].split()[:8]) or f"Principle {i}"
        out.append(_principle(f"{prefix}-{i:02d}", title, len(items) - i + 1, item["critic"],
                              item["critic"], item["revision"]))
    chats = data.get("system_chat") or []
    if not isinstance(chats, list):
        raise ImportFormatError("'system_chat' must be a list of conversations")
    if chats:
        out.insert(0, f"# system_chat ({len(chats)} conversations) is not imported: `constc compile` builds "
                      "few-shot chats from the principles' examples.")
    return out, {}


_CATEGORY = re.compile(r"^(S[1-9][0-9]*):\s*(.*?)\s*$")


def from_llamaguard(text: str, prefix: str) -> tuple[list[str], dict[str, str]]:
    blocks: list[tuple[str, str, list[str]]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        m = _CATEGORY.match(line)
        if m and not m.group(2).strip(" ."):
            raise ImportFormatError(f"line {n}: category {m.group(1)} has no name")
        if m:
            blocks.append((m.group(1), m.group(2), []))
        elif line.strip() and not blocks:
            raise ImportFormatError(f"line {n}: expected a category line like 'S1: Violent Crimes.'")
        elif blocks:
            blocks[-1][2].append(line)
    if not blocks:
        raise ImportFormatError("no category lines like 'S1: Violent Crimes.' found")
    out, codes = [], {}
    for i, (code, name, desc) in enumerate(blocks, start=1):
        if code in codes:
            raise ImportFormatError(f"category code {code} appears twice")
        title = name[:-1] if name.endswith(".") else name
        while desc and not desc[-1].strip():
            desc.pop()
        pid = f"{prefix}-{i:02d}"
        codes[code] = pid
        out.append(_principle(pid, title, len(blocks) - i + 1, "\n".join(desc) if desc else title,
                              category="harm.imported"))  # a guard taxonomy: every category is a harm
    return out, codes


def _json(text: str):
    try:
        data = json.loads(text)
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate escape is no character
        return data
    except json.JSONDecodeError as err:
        raise ImportFormatError(f"not JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise ImportFormatError("not JSON constc can read: nested too deeply") from None
    except UnicodeEncodeError:
        raise ImportFormatError("a string holds a lone surrogate escape (\\uD800-\\uDFFF), not a character") \
            from None


IMPORTERS = {"anthropic": from_anthropic, "hf": from_hf, "llamaguard": from_llamaguard}


def import_text(fmt: str, text: str, name: str, prefix: str) -> tuple[str, dict[str, str]]:
    """(.const source of a whole constitution, guard code map) for an input in layout `fmt`."""
    principles, codes = IMPORTERS[fmt](text, prefix)
    header = f'constitution {name} {{\n  version "1.0.0"\n}}\n'
    return header + "\n" + "\n\n".join(principles) + "\n", codes


# ---- a policy pack: one folder per policy, its policy.md and a validation CSV ----------------

PACK_TEXT_COLUMNS = ("content", "text", "prompt", "input", "message")
PACK_LABEL_COLUMNS = ("label", "violation", "violates", "expected", "is_violating")
_VIOLATES = {"1", "true", "yes", "y", "violates", "violating", "violation", "unsafe", "flagged"}
_COMPLIES = {"0", "false", "no", "n", "complies", "compliant", "non-violating", "not violating", "safe", "ok"}


def pack_label(value: str, where: str) -> str:
    v = value.strip().lower()
    if v in _VIOLATES:
        return "violates"
    if v in _COMPLIES:
        return "complies"
    raise ImportFormatError(f"{where}: label {value!r} is neither violating ({', '.join(sorted(_VIOLATES))}) nor "
                            f"not ({', '.join(sorted(_COMPLIES))})")


def pack_cases(text: str, pid: str, name: str, where: str, numbered: int = 0) -> list[dict]:
    """A validation CSV's rows as eval cases of `pid`: a header naming a text column and a
    label column (see PACK_*_COLUMNS), one case per row, numbered on from `numbered`."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    try:  # each record with its last physical line: a quoted field may span several
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as err:  # a malformed file (a field over the csv module's limit, a NUL...)
        raise ImportFormatError(f"{where}: line {reader.line_num}: {err}") from None
    header = [h.strip().lower() for h in (records[0][1] if records else [])]
    column = next((header.index(c) for c in PACK_TEXT_COLUMNS if c in header), None)
    label = next((header.index(c) for c in PACK_LABEL_COLUMNS if c in header), None)
    if column is None or label is None:
        raise ImportFormatError(f"{where}: line 1 must name a text column ({', '.join(PACK_TEXT_COLUMNS)}) and a "
                                f"label column ({', '.join(PACK_LABEL_COLUMNS)}); found {', '.join(header) or 'none'}")
    out: list[dict] = []
    for n, row in records[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(column, label):
            raise ImportFormatError(f"{where}: line {n} has {len(row)} field(s), fewer than the header")
        if not row[column].strip():
            raise ImportFormatError(f"{where}: line {n} has no text")
        out.append({"id": f"{name}-{numbered + len(out) + 1:04d}", "principles": [pid], "prompt": row[column],
                    "expected": pack_label(row[label], f"{where}: line {n}"), "tags": ["imported", name]})
    return out


def from_policy_pack(policies: dict[str, tuple[str, list[tuple[str, str]]]],
                     prefix: str) -> tuple[list[str], dict[str, str]]:
    """policies: folder name -> (policy.md text, [(validation CSV path, its text)...]). Each
    policy becomes one principle whose statement is the policy as written (a policy-reading
    judge reads it whole: constc's safeguard target puts it back under its ID, one policy per
    category, so each is its own category), and its CSVs together one eval case file.
    Returns (principles, {eval case file: JSONL})."""
    out, files, used = [], {}, set()
    names = sorted(policies)
    for i, name in enumerate(names, start=1):
        policy, tables = policies[name]
        pid = f"{prefix}-{i:02d}"
        heading = re.search(r"^#\s+(.+?)\s*#*\s*$", policy, re.M)
        title = heading.group(1) if heading else name.replace("-", " ").replace("_", " ")
        if not policy.strip():
            raise ImportFormatError(f"{name}/policy.md is empty")
        slug = plain_name(name)
        if not NAME.fullmatch(slug) or slug in used:  # a category is a NAME, and each policy its own
            slug = f"p{i}_{slug}".rstrip("_")
        used.add(slug)
        out.append(_principle(pid, title, len(names) - i + 1, policy.strip(), category=slug,
                              comment=f"imported from {name}/policy.md"))
        cases: list[dict] = []
        for where, table in tables:
            cases += pack_cases(table, pid, slug, where, len(cases))
        if tables:
            files[f"evalcases/{slug}.jsonl"] = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
    return out, files
