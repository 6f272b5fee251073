"""Labeling throughput on this CPU, measured side by side in one run on the same judge prompts.

Variants, interleaved over `--rounds` rounds (these machines are noisy; the median is
quoted, and every round's numbers are printed):

- naive: one `model.generate` call per prompt (greedy, 3 new tokens), fp32, answer parsed
  from the text; no batching, no cache (timed on the first `--baseline-pairs` prompts);
- fp32: constc's engine (shared prefixes, length bucketing, batches) in float32;
- bf16: the same engine in bfloat16 with an fp32 output layer — only timed on a CPU with
  native bf16 (AVX512-BF16 or AMX); elsewhere torch emulates bf16 and it is far slower;
- int8: the engine on a dynamically quantised copy (int8 weights of every linear layer
  but the output layer, fp32 activations), when `--int8` is given.

For each engine variant: pairs/s, the ratio to naive, tokens actually run through the
model vs the tokens of all prompts (prefix reuse skips the rest), and achieved GFLOP/s on
the computed tokens (2 FLOP per parameter per token, without attention) as a fraction of
this machine's dense matmul peak in that dtype, which the benchmark measures itself. Then
agreement with fp32: max and mean |Δp| and label flips at threshold 0.5.

    python benchmarks/bench_label.py [--pairs 200] [--rounds 3] [--int8] [--model default|PATH]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def matmul_gflops(dtype, n: int = 1024, reps: int = 5) -> float:
    import torch

    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9


def int8_linear_gflops(n: int = 1024, reps: int = 5) -> float:
    """The same matmul through a dynamically quantised linear layer (int8 weights)."""
    import torch

    layer = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(torch.nn.Linear(n, n, bias=False)),
                                                   {torch.nn.Linear}, dtype=torch.qint8)
    x = torch.randn(n, n)
    layer(x)
    start = time.perf_counter()
    for _ in range(reps):
        layer(x)
    return 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9


def quantize_int8(model):
    """int8 dynamic quantisation of the linear layers, the output layer kept in fp32."""
    import copy

    import torch

    q = copy.deepcopy(model)
    head = q.get_output_embeddings()
    targets = {name for name, m in q.named_modules() if isinstance(m, torch.nn.Linear) and m is not head}
    return torch.ao.quantization.quantize_dynamic(q, {name: torch.ao.quantization.default_dynamic_qconfig
                                                      for name in targets}, dtype=torch.qint8)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--model", default="default")
    ap.add_argument("--baseline-pairs", type=int, default=60, help="time the naive baseline on the first N")
    ap.add_argument("--int8", action="store_true", help="also time int8 dynamic quantisation")
    ap.add_argument("--force-bf16", action="store_true", help="run bf16 without native support too, for its "
                    "agreement with fp32 (its speed is then emulated and says nothing)")
    args = ap.parse_args()

    import torch

    from constc.api import checked, compilation
    from constc.label.engine import TransformersLabeler, cpu_has_native_bf16
    from constc.label.job import build_pairs
    from constc.label.models import load, resolve_source

    comp = compilation(checked(ROOT), mutations="all")
    # the engine is compared on yes/no judge prompts, the same the naive loop answers
    requests = [r for p in build_pairs(comp, "judge", limit=args.pairs, method="yesno") for r in p.requests]
    likelihood = build_pairs(comp, "judge", limit=args.pairs, method="likelihood")
    source = resolve_source(args.model)
    fp32, tok = load(source, torch.float32)
    native_bf16 = cpu_has_native_bf16()
    variants = {"fp32": fp32}
    if native_bf16 or args.force_bf16:
        variants["bf16"] = load(source, torch.bfloat16)[0]
    if args.int8:
        variants["int8"] = quantize_int8(fp32)
    engines = {name: TransformersLabeler(m, tok, source.model_id, source.revision) for name, m in variants.items()}
    first = engines["fp32"]
    encoded = [first.encode(r.prompt) for r in requests]
    total_tokens = sum(len(e) for e in encoded)
    params = sum(p.numel() for n, p in fp32.named_parameters() if "embed_tokens" not in n)
    print(f"model {source.model_id}: {params / 1e6:.0f}M non-embedding parameters; {len(requests)} judge "
          f"prompts, {total_tokens:,} prompt tokens; {torch.get_num_threads()} threads; native bf16: "
          f"{'yes' if native_bf16 else 'no (bf16 is emulated here: ' + ('its speed says nothing)' if args.force_bf16 else 'not timed)')}")

    def naive() -> float:
        start = time.perf_counter()
        for ids in encoded[:args.baseline_pairs]:
            x = torch.tensor([ids])
            with torch.no_grad():
                fp32.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=3, do_sample=False,
                              pad_token_id=first.pad_id)
        return min(args.baseline_pairs, len(encoded)) / (time.perf_counter() - start)

    rates: dict[str, list[float]] = {"naive": []}
    computed: dict[str, int] = {}
    scores: dict[str, list] = {}
    for r in range(args.rounds):
        rates["naive"].append(naive())
        for name, eng in engines.items():
            eng._prefix, eng.tokens_computed = None, 0  # cold: no prefix kept from the last round
            start = time.perf_counter()
            scores[name] = eng.score(requests)
            rates.setdefault(name, []).append(len(requests) / (time.perf_counter() - start))
            computed[name] = eng.tokens_computed
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in rates.items()) + " pairs/s")

    peaks = {"fp32": matmul_gflops(torch.float32), "int8": int8_linear_gflops()}
    if "bf16" in variants:
        peaks["bf16"] = matmul_gflops(torch.bfloat16)
    naive_rate = statistics.median(rates["naive"])
    print(f"\n{'variant':<8} {'pairs/s':>8} {'vs naive':>8} {'tokens run / all':>18} {'GFLOP/s':>8} "
          f"{'peak':>7} {'of peak':>8}")
    print(f"{'naive':<8} {naive_rate:8.2f} {1:8.2f}x")
    for name in engines:
        rate = statistics.median(rates[name])
        gflops = 2 * params * computed[name] * rate / len(requests) / 1e9
        print(f"{name:<8} {rate:8.2f} {rate / naive_rate:7.2f}x {computed[name]:>8,} / {total_tokens:<8,} "
              f"{gflops:8.1f} {peaks[name]:7.1f} {gflops / peaks[name]:8.0%}")
    from constc.label.job import run
    from constc.label.store import LabelStore

    start = time.perf_counter()
    run(first, likelihood, LabelStore(None))
    lk_rate = len(likelihood) / (time.perf_counter() - start)
    print(f"\ndefault method (likelihood, fp32): {lk_rate:.2f} pairs/s on the same {len(likelihood)} pairs "
          f"({lk_rate / naive_rate:.2f}x the naive yes/no loop; it scores each response under two prompts)")
    base = [s[0] for s in scores["fp32"]]
    for name in engines:
        if name == "fp32":
            continue
        other = [s[0] for s in scores[name]]
        diffs = [abs(a - b) for a, b in zip(base, other)]
        flips = sum((a >= 0.5) != (b >= 0.5) for a, b in zip(base, other))
        print(f"{name} vs fp32: max |dp| {max(diffs):.4f}, mean |dp| {statistics.mean(diffs):.4f}, "
              f"{flips} of {len(base)} labels flip at 0.5, {len(set(round(x, 6) for x in other))} distinct scores")


if __name__ == "__main__":
    main()
