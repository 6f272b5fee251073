"""`constc check` stays linear up to the default file-size limit (4 MiB).

Three shapes that used to be quadratic — a file of comment lines (comment positions were
counted from the file start), many diagnostics in one big file (the renderer re-split the
file for each), many suppressed findings (each finding scanned every suppression) — at
1, 2 and 4 MiB, each in a fresh process with the parse cache off. Linear time means the
seconds per MiB stay flat; the ratio 4 MiB / 1 MiB is printed (about 4 when linear; the
old code gave ~16 for the comment file).

    python benchmarks/bench_linear.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = 'constitution c {\n  version "1.0.0"\n  locale en\n}\n'
MiB = 1 << 20


def comments(size: int) -> str:
    line = "# " + "x" * 60 + "\n"
    return HEADER + line * ((size - len(HEADER)) // len(line))


def principle(i: int, suppressed: bool) -> str:
    sup = "# constc: disable=L010\n" if suppressed else ""
    return (f'{sup}principle P-{i:05d} "P {i}" {{\n  category c\n  priority {i % 1000}\n'
            f'  statement "Statement number {i} of a long constitution, long enough to be realistic."\n}}\n\n')


def principles(size: int, suppressed: bool) -> str:
    out, n, total = [HEADER], 0, len(HEADER)
    while True:  # stay under `size`: one block over the limit would be refused unread
        block = principle(n, suppressed)
        if total + len(block) > size:
            return "".join(out)
        out.append(block)
        total += len(block)
        n += 1


def timed(folder: Path, text: str) -> float:
    (folder / "c.const").write_text(text)
    env = {**os.environ, "CONSTC_NO_CACHE": "1"}
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "constc", "check", "--format", "human"], cwd=folder, env=env,
                       capture_output=True, text=True)
    if "E203" in r.stdout:
        raise SystemExit("the generated file is over the size limit")
    return time.perf_counter() - start


def main() -> None:
    shapes = {"comment lines": comments,
              "principles, a warning each": lambda s: principles(s, False),
              "principles, each suppressed": lambda s: principles(s, True)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "constc.toml").write_text('[project]\nroot = "c.const"\nmax_file_bytes = 4194304\n')
        print(f"{'shape':<30} {'1 MiB':>8} {'2 MiB':>8} {'4 MiB':>8} {'s/MiB at 4':>11} {'4 / 1':>6}")
        for name, make in shapes.items():
            times = [timed(folder, make(size * MiB - 64)) for size in (1, 2, 4)]
            print(f"{name:<30} {times[0]:7.2f}s {times[1]:7.2f}s {times[2]:7.2f}s {times[2] / 4:10.2f}s "
                  f"{times[2] / times[0]:6.2f}")


if __name__ == "__main__":
    main()
