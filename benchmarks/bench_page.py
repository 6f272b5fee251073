"""Size and opening time of the reviewer's page (`constc regress --format html`) for a
change to N principles, in headless chromium (Playwright, Debian's chromium).

    python benchmarks/bench_page.py [--principles 50 200] [--loads 5]

The change is tests/test_page.py's: every principle's statement edited (a quarter lose
their keyword), 12 eval cases per principle, regressed with the deterministic keyword
judge. "Text" is DOMContentLoaded; "first screen" is from navigation until every plot
that starts on the first 1280x900 screen is drawn (plots further down are drawn when
scrolled near); "every plot" scrolls to each in turn. Medians of fresh page loads.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from keyword_judge import KeywordLabeler  # noqa: E402
from test_page import changed_repo  # noqa: E402

from constc.config import find_project  # noqa: E402
from constc.diff.sources import open_side  # noqa: E402
from constc.label.store import LabelStore  # noqa: E402
from constc.regress import regress  # noqa: E402
from constc.regress.report import render_html, render_json  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--principles", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--loads", type=int, default=5)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from constc.page import vega_bundle

    start = time.perf_counter()
    vega_bundle()  # built once per process: timed apart from writing each page
    print(f"Vega bundle built by vl-convert in {(time.perf_counter() - start) * 1000:.0f} ms (once per process)")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        for n in args.principles:
            root = changed_repo(Path(tmp) / f"n{n}", n)
            proj = find_project(root)
            result = regress(open_side("base", proj), open_side(":worktree", proj), KeywordLabeler(),
                             LabelStore(None))
            start = time.perf_counter()
            html = render_html(result)
            render_s = time.perf_counter() - start
            path = Path(tmp) / f"n{n}.html"
            path.write_text(html, encoding="utf-8")
            opened, text, every = [], [], []
            for _ in range(args.loads):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                start = time.perf_counter()
                page.goto(path.as_uri(), wait_until="domcontentloaded")
                text.append(time.perf_counter() - start)
                # open: the first screen complete, i.e. every plot that starts in it drawn
                page.wait_for_function("[...document.querySelectorAll('.chart')].filter(e => "
                                       "e.getBoundingClientRect().top < innerHeight).every(e => e.dataset.drawn)")
                opened.append(time.perf_counter() - start)
                for chart in page.query_selector_all(".chart"):
                    chart.scroll_into_view_if_needed()
                    page.wait_for_function("e => e.dataset.drawn", arg=chart)
                every.append(time.perf_counter() - start)
                page.close()
            size = path.stat().st_size
            ms = lambda xs: f"{statistics.median(xs) * 1000:.0f} ms"  # noqa: E731
            print(f"{n:4d} principles: page {size / 1e6:.2f} MB (JSON report {len(render_json(result)) / 1e6:.2f} MB); "
                  f"written in {render_s * 1000:.0f} ms; text laid out {ms(text)}; first screen drawn {ms(opened)} "
                  f"(max {max(opened) * 1000:.0f} ms); every plot, scrolled to in turn, {ms(every)}; "
                  f"median of {args.loads} loads")
        browser.close()


if __name__ == "__main__":
    main()
