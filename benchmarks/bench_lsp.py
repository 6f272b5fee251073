"""Keystroke-to-diagnostics latency of `constc lsp`, on the sample and on a generated
1,000-principle project (benchmarks/generate.py: 10 files of 100 principles, 4 locales).

    python benchmarks/bench_lsp.py [--keys 40]

The real server runs as a subprocess; the client types one character at a time into a
statement in the middle of a 100-principle file, and times each didChange until the
publishDiagnostics of that document's new version arrives (the server's 15 ms pause for a
burst of keystrokes included). Also printed: the check alone, in process (Workspace.check),
so the protocol's share is visible; and the first check of a server start, with the parse
cache cold (a fresh machine) and warm (after any `constc check`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from generate import generate
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]


def sample(into: Path) -> Path:
    into.mkdir(parents=True)
    for name in ("constc.toml", "constitutions", "locales", "evalcases"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, into / name)
    return into


async def keystrokes(project: Path, rel: str, anchor: str, keys: int) -> list[float]:
    client = LanguageClient("bench", "1")
    await client.start_io(sys.executable, "-m", "constc", "lsp")
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities(),
                                                       root_uri=project.as_uri()))
    client.initialized(lsp.InitializedParams())
    doc_uri = (project / rel).as_uri()
    text = (project / rel).read_text()
    at = text.index(anchor) + len(anchor)
    arrived: dict[int, float] = {}

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: lsp.PublishDiagnosticsParams):
        if params.uri == doc_uri and params.version is not None:
            arrived.setdefault(params.version, time.perf_counter())

    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=doc_uri, language_id="constc", version=0, text=text)))
    while 0 not in arrived:
        await asyncio.sleep(0.005)
    times = []
    for version in range(1, keys + 1):
        text = text[:at] + "x" + text[at:]
        sent = time.perf_counter()
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=doc_uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
        while version not in arrived:
            await asyncio.sleep(0.001)
        times.append(arrived[version] - sent)
        await asyncio.sleep(0.05)  # a typist's gap, so each keystroke is timed on its own
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def in_process(project: Path, rel: str, anchor: str, keys: int) -> tuple[list[float], float, float]:
    from constc.lsp.workspace import Workspace

    start = time.perf_counter()
    Workspace(project).check()
    cold = time.perf_counter() - start
    ws = Workspace(project)  # a second server start: the parse cache is warm, as after `constc check`
    start = time.perf_counter()
    ws.check()
    warm = time.perf_counter() - start
    text = (project / rel).read_text()
    at = text.index(anchor) + len(anchor)
    times = []
    for _ in range(keys):
        text = text[:at] + "x" + text[at:]
        ws.set_text(rel, text)
        start = time.perf_counter()
        ws.check()
        times.append(time.perf_counter() - start)
    return times, cold, warm


def row(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=10)
    return f"{name:<44} median {statistics.median(times) * 1000:6.1f} ms   p90 {q[-1] * 1000:6.1f} ms   n={len(times)}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=40)
    args = ap.parse_args()
    os.environ["CONSTC_CACHE_DIR"] = tempfile.mkdtemp(prefix="constc-bench-")
    with tempfile.TemporaryDirectory() as tmp:
        small = sample(Path(tmp) / "sample")
        big = generate(Path(tmp) / "big", 1000)
        runs = [("sample (16 principles)", small, "constitutions/harmlessness.const", "Prefer the response that"),
                ("generated (1,000 principles)", big, "constitutions/part-005.const", "avoids harm number 500")]
        for name, project, rel, anchor in runs:
            check_times, cold, warm = in_process(project, rel, anchor, args.keys)
            lsp_times = asyncio.run(keystrokes(project, rel, anchor, args.keys))
            print(f"{name}")
            print(row("  keystroke -> diagnostics (server, stdio)", lsp_times))
            print(row("  re-check alone (in process)", check_times))
            print(f"  {'first check, parse cache cold / warm':<42} {cold * 1000:9.1f} ms / {warm * 1000:.1f} ms")


if __name__ == "__main__":
    main()
