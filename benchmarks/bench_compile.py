"""Whole-process timing of `constc compile --target all` on the sample and on a generated
1,000-principle constitution (4 locales, 2 examples and 1 eval case per principle).

    python benchmarks/bench_compile.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench_check import ROOT, timed
from generate import generate


def count_rows(out: Path) -> int:
    return sum(sum(1 for _ in p.open()) for p in out.rglob("*.jsonl"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = generate(Path(tmp) / "big", 1000)
        for label, project, mutations in (("sample, all mutations", ROOT, "all"),
                                          ("1000 principles, no mutations", big, "none"),
                                          ("1000 principles, all mutations", big, "all")):
            out = Path(tmp) / "out"
            cmd = [sys.executable, "-m", "constc", "compile", "-t", "all", "--mutations", mutations, "-o", str(out)]
            t = timed(cmd, project, args.repeat)
            manifest = json.loads((out / "manifest.json").read_text())
            rows = count_rows(out)
            print(f"compile {label:32s} {t:6.2f} s  {len(manifest['artifacts'])} artifacts, "
                  f"{rows:,} rows, {rows / t:,.0f} rows/s")


if __name__ == "__main__":
    main()
