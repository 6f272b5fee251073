import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests never read or write the user's cache directory."""
    os.environ["CONSTC_CACHE_DIR"] = str(tmp_path_factory.mktemp("constc-cache"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")


@pytest.fixture
def golden(request):
    """Compare text with a golden file; --update-golden rewrites it instead."""
    update = request.config.getoption("--update-golden")

    def check(path: Path, actual: str) -> None:
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            if not update:
                pytest.fail(f"golden file {path.name} was missing and has been written; rerun")
        assert actual == path.read_text(encoding="utf-8"), f"differs from golden {path}"

    return check


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path):
    """A factory for small projects: files relative to a fresh root with a constc.toml."""

    def make(files: dict[str, str | bytes], config: str = "") -> Path:
        write_files(tmp_path, {"constc.toml": config or '[project]\nroot = "main.const"\n', **files})
        return tmp_path

    return make


@pytest.fixture
def sample_copy(tmp_path):
    """A copy of the repository's sample project (constitution, locales, eval cases)."""
    dest = tmp_path / "sample"
    dest.mkdir()
    for name in ("constitutions", "locales", "evalcases"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "constc.toml", dest / "constc.toml")
    return dest


def run_constc(*args: str, cwd: Path, env: dict | None = None, input: str | None = None, timeout: float = 600):
    """The real console entry point in a subprocess, as a user runs it."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CONSTC_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "constc", *args], cwd=cwd, capture_output=True,
                          text=True, env=full_env, input=input, timeout=timeout)
