"""Which engine scores: one `ModelSpec` (the CLI's model options, or [label] in
constc.toml) turned into a Labeler. Every backend imports its engine only when built, and
a missing engine is a LabelError saying what to install (docs/scale.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from constc.label import Labeler, LabelError

BACKENDS = ("transformers", "vllm", "openai", "ray")


@dataclass(frozen=True)
class ModelSpec:
    model: str = "default"           # a model directory, a .gguf file, 'default'; openai: the served name
    device: str = "auto"
    dtype: str = "auto"
    batch_size: int | str = "auto"
    chat_template: bool = True
    trust_remote_code: bool = False
    backend: str | None = None       # None: [label] backend in constc.toml, else transformers
    base_url: str | None = None      # openai: http://HOST:PORT/v1 (None: [label] base_url)
    tokenizer: str | None = None     # openai: the served model's tokenizer folder (default: --model)
    ray_address: str | None = None   # ray: an existing cluster (None: [label] ray_address, else a private
                                     # local cluster on the loopback interface)
    ray_engine: str = "transformers"  # ray: what each actor runs
    ray_actors: int = 1
    ray_gpus: float = 0              # ray: GPUs per actor


def with_config(spec: ModelSpec, label_config) -> ModelSpec:
    """The project's [label] settings fill in what the command line left open."""
    return replace(spec, backend=spec.backend or label_config.backend or "transformers",
                   base_url=spec.base_url or label_config.base_url,
                   ray_address=spec.ray_address or label_config.ray_address)


def make_labeler(spec: ModelSpec) -> Labeler:
    if spec.backend not in BACKENDS:
        raise LabelError(f"unknown backend '{spec.backend}' ({', '.join(BACKENDS)})")
    if spec.backend != "openai" and spec.base_url:
        raise LabelError("--base-url is for --backend openai")
    if spec.backend == "transformers":
        from constc.label.lazy import LazyLabeler

        return LazyLabeler(spec.model, spec.device, spec.dtype, spec.batch_size, spec.chat_template,
                           spec.trust_remote_code)
    if spec.backend == "vllm":
        from constc.label.vllm_backend import VLLMLabeler

        return VLLMLabeler(spec.model, spec.dtype, spec.chat_template, spec.trust_remote_code)
    if spec.backend == "openai":
        if not spec.base_url:
            raise LabelError("--backend openai needs --base-url (e.g. http://127.0.0.1:8000/v1) and --model NAME")
        from constc.label.openai_backend import OpenAILabeler

        return OpenAILabeler(spec.base_url, spec.model, spec.tokenizer, spec.chat_template)
    from constc.label.ray_backend import RayLabeler

    if spec.ray_actors < 1:
        raise LabelError(f"--ray-actors must be at least 1 (got {spec.ray_actors})")
    inner = {"model": spec.model, "dtype": spec.dtype, "chat_template": spec.chat_template,
             "trust_remote_code": spec.trust_remote_code}
    if spec.ray_engine == "transformers":
        inner.update(device=spec.device, batch_size=spec.batch_size)
    return RayLabeler(spec.ray_engine, inner, spec.ray_address, spec.ray_actors, num_gpus=spec.ray_gpus)
