"""The scale-out tier: real vLLM (the community CPU build), a real vLLM server on
127.0.0.1 and a real local Ray cluster. It runs in its own virtual environment
(.ci/run makes .venv-scale), so the main suite's pins stay untouched; a missing engine
here is a failure, never a skip."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the main suite's helpers: tiny_model, gitrepo

os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")  # in-process engine, no spawn
os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    os.environ["CONSTC_CACHE_DIR"] = str(tmp_path_factory.mktemp("constc-cache"))


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """A tiny random Llama that vLLM's CPU attention accepts (head_dim 64), float32."""
    from tiny_model import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model", head_dim=64)


@pytest.fixture
def sample_copy(tmp_path):
    dest = tmp_path / "sample"
    dest.mkdir()
    for name in ("constitutions", "locales", "evalcases"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "constc.toml", dest / "constc.toml")
    return dest


def run_constc(*args, cwd, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "constc", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
