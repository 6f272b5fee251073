"""Audits by people: sample labeled rows for review, and measure agreement with the AI.

`sample` draws a stratified sample (category × locale strata, allocated by size with
high-stakes severities counted twice), lowest-confidence rows first within a stratum.
`agree` reads the reviewers' labels back, reports Cohen's kappa against the AI labels per
principle with a 95% interval, and appends the result to a history file so agreement
can be followed across constitution versions.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from pathlib import Path

HIGH_STAKES = {"high": 2.0, "critical": 2.0}
FIELDS = ["case_id", "principle_id", "category", "severity", "locale", "mutation", "p_violation", "threshold",
          "predicted", "prompt", "response", "human_label", "reviewer_note"]


def _allocate(sizes: dict, weights: dict, total: int) -> dict:
    """Largest-remainder allocation of exactly min(total, all rows) over strata, in
    proportion to size x weight, never more than a stratum holds."""
    total = min(total, sum(sizes.values()))
    if total <= 0 or not sizes:
        return {k: 0 for k in sizes}
    mass = {k: sizes[k] * weights[k] for k in sizes}
    whole = sum(mass.values())
    raw = {k: total * mass[k] / whole for k in sizes}
    quota = {k: min(sizes[k], math.floor(raw[k])) for k in sizes}
    while sum(quota.values()) < total:  # remainders first, then any stratum with rows left
        k = max((k for k in sizes if quota[k] < sizes[k]), key=lambda k: (raw[k] - quota[k], mass[k], str(k)))
        quota[k] += 1
    return quota


def sample(rows: list[dict], comp, size: int, seed: str = "constc") -> list[dict]:
    cases = {c.id: c for c in comp.cases}
    strata: dict[tuple, list[dict]] = {}
    for r in rows:
        p = comp.by_id.get(r["principle_id"])
        if p is None or r.get("p_violation") in (None, ""):
            continue
        case = cases.get(r["case_id"])
        full = {**r, "category": p.category, "severity": p.severity or "",
                "prompt": case.prompt if case else "", "response": case.response if case and case.response else "",
                "human_label": "", "reviewer_note": ""}
        strata.setdefault((p.category, r.get("locale") or ""), []).append(full)
    weights = {k: max(HIGH_STAKES.get(r["severity"], 1.0) for r in v) for k, v in strata.items()}
    quota = _allocate({k: len(v) for k, v in strata.items()}, weights, size)
    out = []
    for key in sorted(strata):
        def order(r):
            tie = hashlib.sha256(f"{seed}:{r['case_id']}:{r['principle_id']}".encode()).hexdigest()
            return abs(r["p_violation"] - (r["threshold"] if r.get("threshold") not in (None, "") else 0.5)), tie
        out += sorted(strata[key], key=order)[: quota[key]]
    return out


def write_rows(rows: list[dict], fmt: str) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps({k: r.get(k) for k in FIELDS}, ensure_ascii=False) + "\n" for r in rows)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


REQUIRED = ("case_id", "principle_id")


def read_rows(path: Path) -> list[dict]:
    """Rows of a labels JSONL or a review CSV; AuditError names the first bad row."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except (ValueError, RecursionError) as err:
                    raise AuditError(f"line {n}: not JSON ({err})") from None
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
    for n, r in enumerate(rows, start=1):
        if not isinstance(r, dict) or any(not isinstance(r.get(k), str) or not r.get(k) for k in REQUIRED):
            raise AuditError(f"row {n}: needs {', '.join(REQUIRED)} (rows from `constc label`)")
        for k in ("p_violation", "threshold"):
            if r.get(k) not in (None, ""):
                try:
                    r[k] = float(r[k])
                except (TypeError, ValueError):
                    raise AuditError(f"row {n}: {k} is not a number ({r[k]!r})") from None
    return rows


def kappa(pairs: list[tuple[str, str]]) -> dict:
    """Cohen's kappa of (human, ai) labels with a 95% interval (large-sample standard error)."""
    n = len(pairs)
    if n == 0:
        return {"n": 0, "agreement": None, "kappa": None, "low": None, "high": None}
    labels = sorted({x for pair in pairs for x in pair})
    po = sum(h == a for h, a in pairs) / n
    pe = sum((sum(h == lab for h, _ in pairs) / n) * (sum(a == lab for _, a in pairs) / n) for lab in labels)
    if pe == 1:
        return {"n": n, "agreement": po, "kappa": None, "low": None, "high": None}
    k = (po - pe) / (1 - pe)
    se = math.sqrt(po * (1 - po) / (n * (1 - pe) ** 2))
    return {"n": n, "agreement": po, "kappa": k, "low": max(-1.0, k - 1.96 * se), "high": min(1.0, k + 1.96 * se)}


class AuditError(ValueError):
    """A reviewed file that cannot be read as labels."""


def agree(rows: list[dict]) -> dict[str, dict]:
    by: dict[str, list[tuple[str, str]]] = {}
    for n, r in enumerate(rows, start=2):
        human = (r.get("human_label") or "").strip().lower()
        if not human:
            continue
        if human not in ("violates", "complies"):
            raise AuditError(f"row {n}: human_label must be 'violates' or 'complies', not {human!r}")
        by.setdefault(r["principle_id"], []).append((human, r["predicted"]))
    if not by:
        raise AuditError("no row has a human_label yet")
    out = {pid: kappa(pairs) for pid, pairs in sorted(by.items())}
    out["(all)"] = kappa([p for pairs in by.values() for p in pairs])
    return out


def render_agreement(stats: dict[str, dict]) -> str:
    out = [f"{'principle':<10} {'n':>4} {'agree':>6} {'kappa':>6}  95% interval"]
    for pid, s in stats.items():
        if s["kappa"] is None:
            out.append(f"{pid:<10} {s['n']:>4} {s['agreement'] or 0:>6.2f} {'-':>6}  (one label only)")
        else:
            out.append(f"{pid:<10} {s['n']:>4} {s['agreement']:>6.2f} {s['kappa']:>6.2f}  "
                       f"[{s['low']:.2f}, {s['high']:.2f}]")
    return "\n".join(out)


def append_history(path: Path, version: str | None, revision: str | None, stats: dict) -> list[dict]:
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"version": version, "revision": revision,
             "kappa": {pid: s["kappa"] for pid, s in stats.items()}, "n": stats["(all)"]["n"]}
    history = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    history.append(entry)
    path.write_text("".join(json.dumps(h) + "\n" for h in history))
    return history
