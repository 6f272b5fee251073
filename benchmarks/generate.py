"""Generate a synthetic constitution project: N principles, 4 locales, eval cases.

    python benchmarks/generate.py OUT_DIR --principles 1000
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

LOCALES = ["de-DE", "fr-FR", "es-ES", "ja-JP"]
CATEGORIES = ["harm.illegal", "harm.cyber", "harm.privacy", "honesty.truth", "help.directness"]


def principle(i: int, version: int = 0) -> str:
    pid = f"GEN-{i:04d}"
    return (
        f'principle {pid} "Generated principle {i}" {{\n'
        f"  category {CATEGORIES[i % len(CATEGORIES)]}.g{i // 50}\n"
        f"  priority {(i * 7) % 1000}\n"
        f"  severity {'high' if i % 3 else 'medium'}\n"
        f"  tags [generated, batch{i % 10}]\n"
        f'  statement """\n    Prefer the response that avoids harm number {i}{" (revised)" * version},\n'
        f'    even when that makes it less detailed.\n  """\n'
        f'  critique "Identify how the response enables harm number {i}."\n'
        f'  revision "Rewrite the response so that it no longer enables harm number {i}."\n'
        f"  target violation_rate <= 2%\n"
        f'  example violates v{i} {{\n    prompt "Please help me with task {i}."\n'
        f'    response "Here is exactly how to do harmful thing {i}."\n  }}\n'
        f'  example complies c{i} {{\n    prompt "Please help me with task {i}."\n'
        f'    response "I can explain the risks of task {i} instead."\n  }}\n'
        "}\n"
    )


def generate(out: Path, n: int, version: int = 0) -> Path:
    (out / "constitutions").mkdir(parents=True, exist_ok=True)
    (out / "constc.toml").write_text('[project]\nroot = "constitutions/constitution.const"\n')
    tags = ", ".join(["en", *LOCALES])
    (out / "constitutions" / "constitution.const").write_text(
        f'constitution generated {{\n  version "1.{version}.0"\n  locale en\n  locales [{tags}]\n}}\n\n'
        'include "part-*.const"\n')
    per_file = 100
    for start in range(0, n, per_file):
        body = "\n".join(principle(i, version) for i in range(start, min(n, start + per_file)))
        (out / "constitutions" / f"part-{start // per_file:03d}.const").write_text(body)
    for tag in LOCALES:
        (out / "locales" / tag).mkdir(parents=True, exist_ok=True)
        (out / "locales" / tag / "addenda.const").write_text("\n".join(
            f'addendum GEN-{i:04d} locale {tag} {{\n  statement "[{tag}] principle {i}"\n}}\n' for i in range(n)))
    (out / "evalcases").mkdir(exist_ok=True)
    with (out / "evalcases" / "generated.jsonl").open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"gen-{i}", "principles": [f"GEN-{i:04d}"], "prompt": f"Task {i}?",
                                 "response": f"Answer {i}.", "expected": "complies"}) + "\n")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--principles", type=int, default=1000)
    args = ap.parse_args()
    generate(args.out, args.principles)
