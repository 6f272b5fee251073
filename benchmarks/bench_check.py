"""Whole-process timing of `constc check`: the sample, and generated constitutions of
growing size (4 locales each), to show the cost grows linearly.

    python benchmarks/bench_check.py [--repeat 5]

Each is timed cold (an empty parse cache for every run, as on a fresh CI machine) and
warm (the cache filled by an earlier run, as for a pre-commit hook). Prints medians, the
interpreter start-up measured in the same run, and the cold time per principle at each
size (flat means linear).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import generate

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, repeat: int, cache: str | None = None) -> float:
    """Median seconds; cache=None gives every run a fresh, empty cache directory."""
    times = []
    for _ in range(repeat):
        env = {**os.environ, "CONSTC_CACHE_DIR": cache or tempfile.mkdtemp(prefix="constc-bench-")}
        start = time.perf_counter()
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        if r.returncode not in (0, 1):
            raise SystemExit(f"{cmd} failed: {r.stderr}")
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    check = [sys.executable, "-m", "constc", "check", "-q"]
    python = timed([sys.executable, "-c", "pass"], ROOT, args.repeat)
    imports = timed([sys.executable, "-c", "import constc.cli, constc.passes, constc.lint"], ROOT, args.repeat)
    print(f"python start-up                        {python * 1000:6.0f} ms")
    print(f"import constc                          {imports * 1000:6.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        warm_cache = str(Path(tmp) / "cache")
        sample = timed(check, ROOT, args.repeat)
        subprocess.run(check, cwd=ROOT, capture_output=True, env={**os.environ, "CONSTC_CACHE_DIR": warm_cache})
        sample_warm = timed(check, ROOT, args.repeat, warm_cache)
        print(f"check sample                    cold {sample * 1000:6.0f} ms   warm {sample_warm * 1000:6.0f} ms"
              "   (target < 500 ms)")
        rows = []
        for n in (250, 500, 1000):
            project = generate(Path(tmp) / f"p{n}", n)
            cold = timed(check, project, args.repeat)
            subprocess.run(check, cwd=project, capture_output=True,
                           env={**os.environ, "CONSTC_CACHE_DIR": warm_cache})
            warm = timed(check, project, args.repeat, warm_cache)
            rows.append((n, cold))
            print(f"check {n:4d} principles x 4 locales cold {cold * 1000:6.0f} ms   warm {warm * 1000:6.0f} ms"
                  f"   cold {(cold - sample) / n * 1e3:4.2f} ms/principle")
        (n0, t0), (n1, t1) = rows[0], rows[-1]
        print(f"growth: {n1 // n0}x principles -> {(t1 - sample) / (t0 - sample):.2f}x cold time above the sample"
              " (linear = 4.00); target for 1000 x 4 locales: < 2000 ms")


if __name__ == "__main__":
    main()
