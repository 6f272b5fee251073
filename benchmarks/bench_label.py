"""Labeling throughput, measured side by side in one run on the same judge prompts:

1. naive baseline: one `model.generate` call per prompt (greedy, 3 new tokens), the answer
   parsed from the text; no batching, no cache;
2. constc's engine, cold cache (shared prefixes, length bucketing, batches);
3. the raw cost of batched forward passes over exactly the same tokens (no prefix reuse);
and the dense matmul throughput of this machine, to put tokens/second in context.

    python benchmarks/bench_label.py [--pairs 200] [--model default|PATH] [--device auto]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def matmul_tflops(device: str, dtype) -> float:
    import torch

    n = 2048 if device == "cpu" else 8192
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    reps = 5
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    return 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e12


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--model", default="default")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--baseline-pairs", type=int, default=None, help="time the naive baseline on the first N")
    args = ap.parse_args()

    import torch

    from constc.cli.compile_cmds import make_compilation
    from constc.config import find_project
    from constc.label import Request
    from constc.label.engine import TransformersLabeler, pick_device, pick_dtype
    from constc.label.job import build_pairs
    from constc.label.models import load, resolve_source
    from constc.passes import compile_project

    device = pick_device(args.device)
    dtype = pick_dtype("auto", device)
    comp = make_compilation(compile_project(find_project(ROOT)), None, None, "all")
    pairs = build_pairs(comp, "judge", limit=args.pairs)
    requests = [Request(p.prompt, p.options, p.group) for p in pairs]
    source = resolve_source(args.model)
    model, tok = load(source, dtype)
    engine = TransformersLabeler(model, tok, source.model_id, source.revision, device=device)
    encoded = [engine.encode(r.prompt) for r in requests]
    tokens = sum(len(e) for e in encoded)
    print(f"model {source.model_id} on {device} ({engine.dtype}); {len(requests)} judge prompts, "
          f"{tokens:,} prompt tokens ({tokens / len(requests):.0f} per prompt)")

    # 1. naive: generate per prompt, parse Yes/No from the text
    n_base = args.baseline_pairs or len(requests)
    start = time.perf_counter()
    answers = []
    for ids in encoded[:n_base]:
        x = torch.tensor([ids], device=device)
        with torch.no_grad():
            out = model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=3, do_sample=False,
                                 pad_token_id=engine.pad_id)
        answers.append(tok.decode(out[0, len(ids):]).strip().lower().startswith("yes"))
    naive = n_base / (time.perf_counter() - start)

    # 2. engine, cold (no cache involved at this level)
    start = time.perf_counter()
    engine.score(requests)
    eng = len(requests) / (time.perf_counter() - start)

    # 3. raw batched forward over the same tokens, length-sorted batches of 16, no prefix reuse
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    start = time.perf_counter()
    for b in range(0, len(order), 16):
        rows = [encoded[i] for i in order[b:b + 16]]
        width = max(map(len, rows))
        ids = torch.full((len(rows), width), engine.pad_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for j, r in enumerate(rows):
            ids[j, width - len(r):] = torch.tensor(r)
            mask[j, width - len(r):] = 1
        with torch.no_grad():
            model(input_ids=ids.to(device), attention_mask=mask.to(device), logits_to_keep=1)
    if device == "cuda":
        torch.cuda.synchronize()
    raw = len(requests) / (time.perf_counter() - start)

    params = sum(p.numel() for p in model.parameters())
    tflops = matmul_tflops(device, dtype)
    achieved = 2 * params * tokens * raw / len(requests) / 1e12
    print(f"naive generate        {naive:8.2f} pairs/s   (on {n_base} prompts)")
    print(f"constc engine (cold)  {eng:8.2f} pairs/s   {eng / naive:5.1f}x naive   "
          f"{tokens * eng / len(requests):,.0f} prompt tokens/s")
    print(f"raw batched forward   {raw:8.2f} pairs/s   {raw / naive:5.1f}x naive   "
          f"{tokens * raw / len(requests):,.0f} tokens/s")
    print(f"dense matmul {tflops:.2f} TFLOP/s; raw forward reaches ~{achieved:.3f} TFLOP/s "
          f"({achieved / tflops:.0%} of it) at 2 x {params / 1e6:.0f}M FLOP per token")
    print(f"engine / raw forward  {eng / raw:5.2f}x (above 1: the shared prefixes skip work)")


if __name__ == "__main__":
    main()
