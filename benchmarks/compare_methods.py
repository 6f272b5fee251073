"""Which judge method tells violating from complying cases best? Measured, not assumed.

Labels every judge pair of a project (default: this repository's sample, every declared
locale) with each method and prints, per principle, the AUROC with its DeLong 95%
interval, and the within-principle AUROC over all principles (violating vs complying
cases of the same principle only) with a stratified bootstrap 95% interval (fixed seed).

    python benchmarks/compare_methods.py [PATH] [--model default] [--dtype float32]
        [--methods yesno,fewshot,likelihood] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def within_auroc(rows: list[dict]) -> float | None:
    wins = total = 0.0
    by: dict[str, tuple[list, list]] = {}
    for r in rows:
        by.setdefault(r["principle_id"], ([], []))[r["expected"] != "violates"].append(r["p_violation"])
    for pos, neg in by.values():
        for p in pos:
            for n in neg:
                wins += 1.0 if p > n else 0.5 if p == n else 0.0
        total += len(pos) * len(neg)
    return wins / total if total else None


def bootstrap_ci(rows: list[dict], reps: int = 1000, seed: int = 7) -> tuple[float, float]:
    rng = random.Random(seed)
    strata: dict[tuple, list[dict]] = {}
    for r in rows:
        strata.setdefault((r["principle_id"], r["expected"]), []).append(r)
    values = []
    for _ in range(reps):
        sample = [rng.choice(rs) for rs in strata.values() for _ in rs]
        v = within_auroc(sample)
        if v is not None:
            values.append(v)
    values.sort()
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default=str(ROOT))
    ap.add_argument("--model", default="default")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--methods", default="yesno,fewshot,likelihood")
    ap.add_argument("--json")
    args = ap.parse_args()

    from constc import api

    out = {}
    for method in args.methods.split(","):
        start = time.perf_counter()
        rows = api.label(args.path, method=method, judge=api.ModelSpec(model=args.model, dtype=args.dtype)).rows
        rows = [r for r in rows if r.get("p_violation") is not None and r["expected"] in ("violates", "complies")]
        from constc.label.job import calibration

        stats = calibration(rows)
        low, high = bootstrap_ci(rows)
        out[method] = {"seconds": time.perf_counter() - start, "n": len(rows), "within_auroc": within_auroc(rows),
                       "within_ci": [low, high], "principles": stats}
    print(f"{'principle':<10} {'n':>4} " + " ".join(f"{m:>22}" for m in out))
    pids = sorted({s["principle_id"] for m in out.values() for s in m["principles"]})
    for pid in pids:
        cells = []
        for m in out.values():
            s = next((s for s in m["principles"] if s["principle_id"] == pid), None)
            cells.append(f"{s['auroc']:.2f} ({s['auroc_ci'][0]:.2f}–{s['auroc_ci'][1]:.2f})"
                         if s and s["auroc"] is not None else "-")
        n = next(s["count"] for m in out.values() for s in m["principles"] if s["principle_id"] == pid)
        print(f"{pid:<10} {n:>4} " + " ".join(f"{c:>22}" for c in cells))
    print(f"{'within':<10} {next(iter(out.values()))['n']:>4} " + " ".join(
        f"{m['within_auroc']:.3f} ({m['within_ci'][0]:.2f}–{m['within_ci'][1]:.2f})".rjust(22) for m in out.values()))
    print("seconds    " + " ".join(f"{m['seconds']:>22.1f}" for m in out.values()))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
