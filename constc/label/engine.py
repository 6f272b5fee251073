"""The transformers backend: exact option scoring in one forward pass per prompt.

For a prompt and its answer options, the label is the probability of each option as
the model's continuation, normalised over the options. An option of several tokens is
scored exactly: the sum of its tokens' log-probabilities under teacher forcing (one row per
option); when every option is one token, one row per prompt gives them all.

Throughput comes from three things:
- rows are sorted by length and batched (length bucketing), left-padded so every row ends
  at the same position and only the last few positions' logits are ever computed;
- prompts of one group (all judge prompts of one principle) share a long token prefix:
  it is run once, and its key/value cache is reused by every batch of the group;
- the batch size halves on out-of-memory instead of failing.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Sequence

from constc.label import DTYPE_ALIASES, LabelError, Request, dtype_label
from constc.label.tokens import Encoder


def pick_device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise LabelError("--device cuda was asked for, but torch sees no CUDA device "
                         f"(torch {torch.__version__}, built {'with' if torch.version.cuda else 'without'} CUDA)")
    if name not in ("cpu", "cuda"):
        raise LabelError(f"unknown device '{name}' (auto, cpu or cuda)")
    return name


def cpuinfo_has_bf16() -> bool:
    """The CPU flags for native bf16, from /proc/cpuinfo (no torch import)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            flags = fh.read(1 << 16).split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 matmuls in hardware (AVX512-BF16 or AMX). Without it
    torch emulates bf16 and a matmul runs 7x to 300x slower than fp32 (measured on an AVX2
    EPYC), so `auto` must not pick bf16 there."""
    import torch

    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        fn = getattr(torch.cpu, probe, None)
        if fn is not None:
            try:
                if fn():
                    return True
            except RuntimeError:
                pass
    return cpuinfo_has_bf16()


def pick_dtype(name: str, device: str):
    """auto: bfloat16 on a GPU that supports it and on a CPU with native bf16; else float32.
    Reduced-precision runs keep the output layer in float32 (see `TransformersLabeler`)."""
    import torch

    if name == "auto":
        if device == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        if device == "cpu" and cpu_has_native_bf16():
            return torch.bfloat16
        return torch.float32
    name = DTYPE_ALIASES.get(name, name)
    if name not in ("float32", "bfloat16", "float16"):
        raise LabelError(f"unknown dtype '{name}' (auto, float32, bfloat16, float16)")
    return getattr(torch, name)


def keep_head_fp32(model) -> None:
    """Run the output layer (lm_head) in float32 on a reduced-precision model.

    Plain bf16 logits are so coarse that 200 judge pairs collapse onto 14 distinct scores
    and labels flip near a threshold; an fp32 head restores distinct scores at no
    measurable cost (it only runs on the few positions whose logits are kept). A head tied
    to the input embeddings is untied first, so the embeddings stay in the model's dtype."""
    import torch

    head = model.get_output_embeddings()
    if head is None or head.weight.dtype == torch.float32:
        return
    head.weight = torch.nn.Parameter(head.weight.detach().to(torch.float32).clone(), requires_grad=False)
    if getattr(head, "bias", None) is not None:
        head.bias = torch.nn.Parameter(head.bias.detach().to(torch.float32), requires_grad=False)
    head.register_forward_pre_hook(lambda module, args: (args[0].to(torch.float32), *args[1:]))
    if hasattr(model.config, "tie_word_embeddings"):
        model.config.tie_word_embeddings = False


def _is_oom(err: BaseException) -> bool:
    import torch

    return isinstance(err, torch.OutOfMemoryError) or "out of memory" in str(err).lower() \
        or "can't allocate memory" in str(err).lower()


@dataclass
class _Row:
    request: int                  # index of the request
    tokens: list[int]             # suffix after the shared prefix (prompt tail + option[:-1])
    reads: list[tuple[int, int, int]]  # (option index, position from the end, token id)


class TransformersLabeler:
    def __init__(self, model, tokenizer, model_id: str, revision: str, device: str = "cpu",
                 batch_size: int | str = "auto", chat_template: bool = True, share_prefix: bool = True):
        import torch

        self.torch = torch
        self.model = model.to(device)
        if model.dtype != torch.float32:
            keep_head_fp32(self.model)
        self.tok = tokenizer
        self.model_id, self.revision = model_id, revision
        self.device = device
        self.dtype = dtype_label(model.dtype)
        self.chat = chat_template
        self.encoder = Encoder(tokenizer, chat_template)
        self.share_prefix = share_prefix
        self.batch_size = (64 if device == "cuda" else 16) if batch_size == "auto" else int(batch_size)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else \
            (tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0)
        self.max_len = getattr(model.config, "max_position_embeddings", None) or 2048
        config = model.config
        slides = "sliding_attention" in (getattr(config, "layer_types", None) or []) or \
            getattr(config, "use_sliding_window", True) is not False
        self.window: int | None = getattr(config, "sliding_window", None) if slides else None
        self.forward_passes = 0
        self.tokens_computed = 0          # tokens that went through the model (prefixes once)
        self._prefix: tuple | None = None  # (token ids, KV cache) of the last shared prefix
        # transformers 5 renamed `past_key_values` to `cache`; accept either
        import inspect

        self._cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"

    # ---- tokens --------------------------------------------------------------------
    def encode(self, prompt: str) -> list[int]:
        return self.encoder.encode(prompt)

    def option_ids(self, option: str) -> list[int]:
        return self.encoder.option_ids(option)

    def fits(self, prompt: str, options: tuple[str, ...]) -> bool:
        return self.encoder.fits(prompt, options, self.max_len)

    # ---- generating -----------------------------------------------------------------
    def generate(self, requests: Sequence[Request]) -> list[str]:
        """Greedy answers, one prompt at a time (a reasoning judge's answers differ in
        length, so batching them would mostly pad), special tokens kept: a harmony answer's
        channels are read from them."""
        torch = self.torch
        out = []
        for r in requests:
            ids = self.encode(r.prompt)
            room = max(0, min(r.generate, self.max_len - len(ids)))
            if room == 0:
                out.append("")
                continue
            with torch.no_grad():
                made = self.model.generate(torch.tensor([ids], device=self.device), max_new_tokens=room,
                                           do_sample=False, pad_token_id=self.pad_id,
                                           attention_mask=torch.ones(1, len(ids), dtype=torch.long, device=self.device))
            self.forward_passes += 1
            out.append(self.tok.decode(made[0, len(ids):].tolist(), skip_special_tokens=False))
        return out

    # ---- scoring --------------------------------------------------------------------
    def score(self, requests: Sequence[Request]) -> list[list[float]]:
        out: list[list[float] | None] = [None] * len(requests)
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(requests):
            groups.setdefault(r.group if self.share_prefix else f"#{i}", []).append(i)
        for members in groups.values():
            encoded = {i: self.encode(requests[i].prompt) for i in members}
            if self.window and len(members) > 1 and max(len(ids) for ids in encoded.values()) > self.window:
                # a prefix's KV cache expanded over a padded batch gives wrong scores once
                # sliding-window attention (Gemma 2, gpt-oss) reaches past the window
                # (measured: 2% off a plain forward pass); such groups go one by one
                for i, ids in encoded.items():
                    out[i] = self._score_group(requests, {i: ids})[i]
                continue
            for i, probs in self._score_group(requests, encoded).items():
                out[i] = probs
        return out  # type: ignore[return-value]

    def _rows(self, requests, encoded, prefix_len):
        rows = []
        for i, ids in encoded.items():
            opts = self.encoder.options(requests[i])
            tail = ids[prefix_len:]
            if all(len(o) == 1 for o in opts):  # one row gives every option
                rows.append(_Row(i, tail, [(k, 1, o[0]) for k, o in enumerate(opts)]))
            else:
                for k, o in enumerate(opts):  # teacher forcing, one row per option
                    toks = tail + o[:-1]
                    rows.append(_Row(i, toks, [(k, len(o) - j, t) for j, t in enumerate(o)]))
        return rows

    def _score_group(self, requests, encoded: dict[int, list[int]]) -> dict[int, list[float]]:
        torch = self.torch
        seqs = list(encoded.values())
        prefix_len = 0
        if len(seqs) > 1 and self.share_prefix:
            first, shortest = seqs[0], min(len(s) for s in seqs)
            while prefix_len < shortest - 1 and all(s[prefix_len] == first[prefix_len] for s in seqs):
                prefix_len += 1
        cache = None
        kept = self._prefix
        if self.share_prefix and kept is not None and len(kept[0]) + 16 >= prefix_len and \
                all(len(seq) > len(kept[0]) and tuple(seq[:len(kept[0])]) == kept[0] for seq in seqs):
            # the same group went on from the last call (a job's chunk ended mid-group): its
            # prefix is computed already (unless this call's shared prefix is much longer)
            prefix_len, cache = len(kept[0]), kept[1]
        elif prefix_len:
            with torch.no_grad():
                ids = torch.tensor([seqs[0][:prefix_len]], device=self.device)
                out = self.model(input_ids=ids, use_cache=True, logits_to_keep=1)
                cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
                self.forward_passes += 1
                self.tokens_computed += prefix_len
            self._prefix = (tuple(seqs[0][:prefix_len]), cache)
        rows = sorted(self._rows(requests, encoded, prefix_len), key=lambda r: len(r.tokens))
        logprob: dict[tuple[int, int], float] = {}
        start = 0
        while start < len(rows):
            batch = rows[start:start + self.batch_size]
            try:
                for (i, k), lp in self._run_batch(batch, prefix_len, cache).items():
                    logprob[(i, k)] = logprob.get((i, k), 0.0) + lp
            except RuntimeError as err:
                if not _is_oom(err) or self.batch_size == 1:
                    raise
                if self.device == "cuda":
                    torch.cuda.empty_cache()
                self.batch_size = max(1, self.batch_size // 2)  # back off and retry this batch
                continue
            start += len(batch)
        out = {}
        for i in encoded:
            lps = [logprob[(i, k)] for k in range(len(requests[i].options))]
            if requests[i].raw:
                out[i] = lps
                continue
            top = max(lps)
            exps = [math.exp(x - top) for x in lps]
            total = sum(exps)
            out[i] = [e / total for e in exps]
        return out

    def _run_batch(self, batch: list[_Row], prefix_len: int, cache) -> dict[tuple[int, int], float]:
        torch = self.torch
        width = max(len(r.tokens) for r in batch)
        keep = max(pos for r in batch for _, pos, _ in r.reads)
        ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), prefix_len + width), dtype=torch.long)
        mask[:, :prefix_len] = 1
        for b, r in enumerate(batch):  # left padding: every row ends at the last column
            ids[b, width - len(r.tokens):] = torch.tensor(r.tokens)
            mask[b, prefix_len + width - len(r.tokens):] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, prefix_len:]
        kwargs = {}
        if cache is not None:
            past = copy.deepcopy(cache)
            past.batch_repeat_interleave(len(batch))
            kwargs[self._cache_arg] = past
        with torch.no_grad():
            logits = self.model(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                position_ids=positions.to(self.device), logits_to_keep=keep,
                                use_cache=cache is not None, **kwargs).logits
            self.forward_passes += 1
            self.tokens_computed += sum(len(r.tokens) for r in batch)
            logp = torch.log_softmax(logits.float(), dim=-1)
        out: dict[tuple[int, int], float] = {}
        for b, r in enumerate(batch):
            for k, pos, tok in r.reads:
                out[(r.request, k)] = out.get((r.request, k), 0.0) + logp[b, keep - pos, tok].item()
        return out
