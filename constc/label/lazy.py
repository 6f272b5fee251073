"""The transformers labeler, loaded on first use.

A run served wholly from the label cache never loads the model or transformers, nor torch
when the dtype is known without it, so a cached rerun of `label` or `regress` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constc.label import LabelError, dtype_label

if TYPE_CHECKING:
    from constc.label.engine import TransformersLabeler


def _may_have_cuda() -> bool:
    """False only when no NVIDIA device node exists (Linux): then `auto` is the CPU."""
    import os

    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    return not os.path.isdir("/dev") or any(os.path.exists(p) for p in ("/dev/nvidiactl", "/dev/nvidia0"))


class LazyLabeler:
    def __init__(self, model: str = "default", device: str = "auto", dtype: str = "auto",
                 batch_size: int | str = "auto", chat_template: bool = True, trust_remote_code: bool = False):
        from constc.label.models import resolve_source

        if batch_size != "auto":
            try:
                batch_size = int(batch_size)
            except ValueError:
                raise LabelError(f"--batch-size must be a whole number or 'auto' (got {batch_size!r})") from None
            if batch_size < 1:
                raise LabelError(f"--batch-size must be at least 1 (got {batch_size})")
        self.source = resolve_source(model)
        self.model_id, self.revision = self.source.model_id, self.source.revision
        self.chat = chat_template  # the key records what was asked for
        self.device_name, self.batch_size, self.trust_remote_code = device, batch_size, trust_remote_code
        self.dtype_name = dtype
        self._engine: TransformersLabeler | None = None
        self._dtype: str | None = None

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    @property
    def dtype(self) -> str:
        """The cache key's dtype. Known without importing torch when --dtype is given, and
        for `auto` on a machine with no NVIDIA device (the CPU's flags decide), so a run
        served from the cache never pays torch's and transformers' ~4 s of imports."""
        if self._dtype is None:
            name = self.dtype_name
            if name == "auto":
                cpu_only = self.device_name == "cpu" or (self.device_name == "auto" and not _may_have_cuda())
                if cpu_only:
                    from constc.label.engine import cpuinfo_has_bf16

                    name = self.dtype_name = "bfloat16" if cpuinfo_has_bf16() else "float32"  # the engine runs this
                else:
                    name = self._resolve()[1]
            self._dtype = dtype_label(name)
        return self._dtype

    @property
    def device(self) -> str:
        return self._engine.device if self._engine else self.device_name

    def _resolve(self):
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError:
            raise LabelError("labeling needs the label extra: pip install 'constc[label]'") from None
        from constc.label.engine import pick_device, pick_dtype

        device = pick_device(self.device_name)
        return device, pick_dtype(self.dtype_name, device)

    def engine(self):
        if self._engine is None:
            from constc.label.engine import TransformersLabeler
            from constc.label.models import load

            device, dtype = self._resolve()
            model, tok = load(self.source, dtype, trust_remote_code=self.trust_remote_code)
            self._engine = TransformersLabeler(model, tok, self.model_id, self.revision, device=device,
                                               batch_size=self.batch_size, chat_template=self.chat)
        return self._engine

    def fits(self, prompt, options) -> bool:
        return self.engine().fits(prompt, options)

    def generate(self, requests) -> list[str]:
        return self.engine().generate(requests)

    def score(self, requests):
        return self.engine().score(requests)
