"""Labeling: ask a language model how likely each eval case violates each principle.

The engine is behind a small protocol so the regression logic can run on any labeler (the
tests use a deterministic one); the transformers backend lives in constc.label.engine and
is imported only when a real model is asked for (the `label` extra).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

from constc.errors import UserError


DTYPE_ALIASES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def dtype_label(dtype) -> str:
    """The dtype as the cache key and rows name it (a name or a torch dtype; no torch
    import). bf16/fp16 runs keep the output layer in fp32, which changes the scores, so
    their name says so and they never reuse plain-bf16 keys."""
    name = str(dtype).removeprefix("torch.")
    name = DTYPE_ALIASES.get(name, name)
    return name if name == "float32" else f"{name}+fp32-head"


class LabelError(UserError):
    """A model, device or input problem the user must fix: exit code 2."""


class Chat(str):
    """A prompt given as a conversation for the served model's own chat template, as the
    judges that read a written policy expect (constc.targets.policy): canonical JSON of
    {"messages", "template_kwargs", "generation_prompt", "reply_prefix"}. Being a string,
    it is cached, hashed and shipped like any prompt; every backend's Encoder renders it
    with the model's template, so the vendor's wording comes from the vendor's template.
    Options are scored as continuations of `reply_prefix` (e.g. "<score>")."""

    @classmethod
    def of(cls, messages: list[dict], template_kwargs: dict | None = None, generation_prompt: bool = True,
           reply_prefix: str = "") -> "Chat":
        import json

        return cls(json.dumps({"messages": messages, "template_kwargs": template_kwargs or {},
                               "generation_prompt": generation_prompt, "reply_prefix": reply_prefix},
                              ensure_ascii=False, sort_keys=True))

    @property
    def spec(self) -> dict:
        import json

        return json.loads(self)


@dataclass(frozen=True)
class Request:
    """Score `options` as continuations of `prompt`; prompts of one group share a prefix.

    The answer is the options' probabilities normalised over the options, or with `raw`
    each option's summed token log-probability, unnormalised (for likelihood ratios). A
    `generate` request has no options: its answer is the text the model writes, greedily,
    in at most that many new tokens (a reasoning judge's answer, parsed afterwards)."""

    prompt: str
    options: tuple[str, ...]
    group: str = ""
    raw: bool = False
    generate: int = 0


@runtime_checkable
class Labeler(Protocol):
    """What scores. Optional extras a labeler may have: `engine_name` (its name in the cache key,
    default transformers), `batch_pairs` (requests per committed chunk) and `score_stream`
    (yields (index, scores) batches as they finish, each committed at once)."""

    @property
    def model_id(self) -> str: ...

    @property
    def revision(self) -> str: ...

    @property
    def dtype(self) -> str: ...

    @property
    def chat(self) -> bool: ...

    def score(self, requests: Sequence[Request]) -> list[list[float]]:
        """For each request, its options' probabilities normalised to sum to 1 (or, for a
        `raw` request, their summed log-probabilities)."""

    def fits(self, prompt: str, options: tuple[str, ...]) -> bool:
        """Whether prompt and its longest option fit in the model's context."""


def generate_with(labeler, requests: Sequence[Request]) -> list[str]:
    """The answers of `generate` requests, from a labeler that can write them."""
    write = getattr(labeler, "generate", None)
    if write is None:
        raise LabelError(f"the {getattr(labeler, 'engine_name', 'transformers')} backend cannot generate answers; "
                         "label a generating judge (--method safeguard) with transformers, vllm or openai")
    return write(requests)
