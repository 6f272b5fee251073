"""`--backend ray`: many GPUs or nodes, with Ray Data over actors that each hold an
in-process labeler (transformers or vLLM).

The driver keeps everything that must be single: it computes the cache keys, reads the
cache, sends only the misses (sorted by prompt group, so a group lands on few actors and
their prefix caches), and is the only writer of the SQLite cache, committing each batch
as Ray streams it back. Scoring is a pure function of the key, so Ray's retries are safe:
an actor that dies is restarted and its batch retried; a driver that dies loses only the
batches in flight, and the rerun scores exactly the rest.
"""

from __future__ import annotations

import importlib
import json
from typing import Any, Iterator, Sequence

from constc.label import Chat, LabelError, Request

INNER = {"transformers": "constc.label.lazy:LazyLabeler", "vllm": "constc.label.vllm_backend:VLLMLabeler"}


class ScoringActor:
    """One Ray actor: builds its labeler once, then scores the batches it is given."""

    def __init__(self, factory: str, kwargs: dict):
        module, name = factory.split(":")
        self.labeler = getattr(importlib.import_module(module), name)(**kwargs)

    def __call__(self, batch: dict) -> dict:
        requests = [Request(Chat(p) if c else str(p), tuple(json.loads(o)), str(g), bool(r))
                    for p, o, g, r, c in zip(batch["prompt"], batch["options"], batch["group"], batch["raw"],
                                             batch["chat"])]
        scores = self.labeler.score(requests)
        return {"i": batch["i"], "p": [json.dumps(s) for s in scores]}


class RayLabeler:
    """The identity (model, revision, dtype, engine) is the inner labeler's: the same scores
    whether an actor or this process computes them, so the cache keys are the same too."""

    def __init__(self, inner: str, kwargs: dict, address: str | None = None, actors: int = 1,
                 batch_size: int = 64, num_cpus: float = 1, num_gpus: float = 0, factory: str | None = None,
                 factory_kwargs: dict | None = None):
        """`factory` ("module:Class", default the inner engine's labeler) builds each actor's
        labeler from `kwargs` plus `factory_kwargs` (a wrapper's own arguments)."""
        try:
            import ray  # noqa: F401
            import ray.data  # noqa: F401
        except ImportError:
            raise LabelError("--backend ray needs Ray Data in this environment: pip install 'ray[data]>=2.60' "
                             "(docs/scale.md)") from None
        if inner not in INNER:
            raise LabelError(f"--ray-engine must be one of {', '.join(INNER)} (got {inner!r})")
        self.factory, self.kwargs = factory or INNER[inner], dict(kwargs)
        self.actor_kwargs = {**self.kwargs, **(factory_kwargs or {})}
        self.address, self.actors, self.batch_size = address, actors, batch_size
        self.num_cpus, self.num_gpus = num_cpus, num_gpus
        self.engine_name = inner
        self.batch_pairs = 1 << 30  # one pipeline for the whole job: each streamed batch is committed
        self._identity(inner)

    def _identity(self, inner: str) -> None:
        from constc.label.models import resolve_source

        if inner == "transformers":
            from constc.label.lazy import LazyLabeler

            self._local: Any = LazyLabeler(**self.kwargs)  # loads nothing until fits() needs a tokenizer
            self.model_id, self.revision = self._local.model_id, self._local.revision
            self.dtype, self.chat = self._local.dtype, self._local.chat
            return
        dtype = self.kwargs.get("dtype", "auto")
        if dtype == "auto":
            raise LabelError("--backend ray with the vLLM engine needs an explicit --dtype (float32, bfloat16, "
                             "float16): it is part of every cache key, and the driver starts no engine to learn it")
        source = resolve_source(self.kwargs["model"])
        from transformers import AutoConfig, AutoTokenizer

        from constc.label.tokens import Encoder

        self.model_id, self.revision, self.dtype = source.model_id, source.revision, dtype
        self.chat = self.kwargs.get("chat_template", True)
        self._encoder = Encoder(AutoTokenizer.from_pretrained(source.path), self.chat)
        config = AutoConfig.from_pretrained(source.path)
        self._max_len = self.kwargs.get("max_model_len") or getattr(config, "max_position_embeddings", None) or 2048
        self._local = None

    def fits(self, prompt: str, options: tuple[str, ...]) -> bool:
        if self._local is not None:
            return self._local.fits(prompt, options)
        return self._encoder.fits(prompt, options, self._max_len)

    def _init(self) -> None:
        import ray

        if ray.is_initialized():
            return
        if self.address:
            ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
        else:  # a private local cluster, bound to the loopback interface
            ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False)

    def score_stream(self, requests: Sequence[Request]) -> Iterator[list[tuple[int, list[float]]]]:
        import ray.data

        self._init()
        rows = [{"i": i, "prompt": str(r.prompt), "options": json.dumps(list(r.options)), "group": r.group,
                 "raw": r.raw, "chat": isinstance(r.prompt, Chat)} for i, r in enumerate(requests)]
        ds = ray.data.from_items(rows).map_batches(
            ScoringActor, fn_constructor_kwargs={"factory": self.factory, "kwargs": self.actor_kwargs},
            batch_size=self.batch_size, concurrency=self.actors, num_cpus=self.num_cpus, num_gpus=self.num_gpus)
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            yield [(int(i), json.loads(p)) for i, p in zip(batch["i"], batch["p"])]

    def score(self, requests: Sequence[Request]) -> list[list[float]]:
        out: list[list[float] | None] = [None] * len(requests)
        for batch in self.score_stream(requests):
            for i, probs in batch:
                out[i] = probs
        return out  # type: ignore[return-value]
