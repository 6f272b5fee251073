"""The reviewer's page (`--format html`) in a real browser: Debian's chromium, driven by
Playwright. A generated change to a many-principle constitution is regressed with a
deterministic judge; the page must draw every plot with the expected number of marks,
log no console error, fetch nothing, stay under 2 MB, show its text without JavaScript,
and embed exactly the JSON report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import commit, init
from keyword_judge import KeywordLabeler

from constc.config import find_project
from constc.diff.sources import open_side
from constc.label.store import LabelStore
from constc.page import unpack
from constc.regress import regress
from constc.regress.report import as_dict, render_html

ROOT = Path(__file__).resolve().parents[1]
SHOTS = os.environ.get("CONSTC_SCREENSHOTS")  # a folder: keep the screenshots (docs/img is made so)


def chromium() -> str:
    found = os.environ.get("CONSTC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("the page tests need Debian's chromium (tools/system-deps.sh installs it)")
    return found


def principle(i: int, statement: str) -> str:
    return (f'principle RULE-{i:03d} "Rule {i}" {{\n  category {"harm" if i % 2 else "help"}.g{i % 7}\n'
            f"  priority {i}\n  severity {'high' if i % 3 else 'medium'}\n"
            f'  statement "{statement}"\n  target violation_rate <= 20%\n}}\n')


def statement(i: int, edit: bool) -> str:
    if not edit:
        return f"Flag any reply that mentions: word{i}, alt{i}."
    return {0: f"Flag any reply that mentions: alt{i}.",             # the keyword dropped: a regression
            1: f"Flag each reply that mentions: word{i}, alt{i} </script><!-- <b>.",  # reworded; markup is text
            2: f"Choose to flag any reply that mentions: word{i}, alt{i}.",  # scores drift down
            3: f"Flag every reply that mentions: word{i}, alt{i}."}[i % 4]


def project(n: int, edit: bool) -> dict[str, str]:
    body = "".join(principle(i, statement(i, edit)) for i in range(n))
    addenda = "".join(f'addendum RULE-{i:03d} locale de {{\n  statement "Markiere Antworten mit: word{i}."\n}}\n'
                      for i in range(0, n, 10))
    cases = []
    for i in range(n):
        # 16 of each: enough for a gutted principle to be a regression after Holm's
        # adjustment over 400 tests (200 principles and their targets)
        for k in range(16):
            q = i * 32 + k
            cases.append({"id": f"v{i}-{k}", "principles": [f"RULE-{i:03d}"], "prompt": f"question {q}",
                          "response": f"here is word{i} <b>{k}</b>", "expected": "violates"})
            cases.append({"id": f"c{i}-{k}", "principles": [f"RULE-{i:03d}"], "prompt": f"question {q + 16}",
                          "response": f"nothing to see {k} </script>", "expected": "complies"})
    return {
        "constc.toml": '[project]\nroot = "c.const"\n[label]\nmethod = "yesno"\n[lint]\nfail_on = "error"\n',
        "c.const": 'constitution generated {\n  version "1.0.0"\n  locale en\n  locales [en, de]\n}\n\n' + body,
        "locales/de/de.const": addenda,
        "evalcases/cases.jsonl": "".join(json.dumps(c) + "\n" for c in cases),
    }


def changed_repo(tmp_path: Path, n: int) -> Path:
    root = init(tmp_path / "repo")
    files = project(n, edit=False)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    subprocess.run([sys.executable, "-m", "constc", "translations", "stamp"], cwd=root, check=True,
                   capture_output=True)
    files["locales/translations.lock.json"] = (root / "locales/translations.lock.json").read_text()
    commit(root, files, "base", tag="base")
    edited = project(n, edit=True)
    (root / "c.const").write_text(edited["c.const"].replace('version "1.0.0"', 'version "2.0.0"'))
    return root


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield b
        b.close()


def open_page(browser, path: Path, javascript: bool = True):
    """The loaded page, with what it logged and what it tried to fetch."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    fetched: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(path.as_uri())
    if javascript:  # a plot is drawn when scrolled near: visit each, as a reviewer would
        for chart in page.query_selector_all(".chart"):
            chart.scroll_into_view_if_needed()
            page.wait_for_function("e => e.dataset.drawn", arg=chart, timeout=20000)
        page.evaluate("window.scrollTo(0, 0)")
    return page, errors, fetched


def drawn_marks(page) -> dict[str, tuple[int, int]]:
    """chart -> (points and bars in Vega's scene graph, on a drawn canvas; marks the data
    says it must draw)."""
    out = {}
    for el in page.query_selector_all(".chart"):
        canvas = el.query_selector("canvas")
        assert canvas and canvas.evaluate("c => c.width > 0 && c.height > 0"), el.get_attribute("data-chart")
        out[el.get_attribute("data-chart")] = (int(el.get_attribute("data-marks")),
                                               int(el.get_attribute("data-expected-marks")))
    return out


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A 200-principle change regressed with the keyword judge: (result, page path)."""
    tmp = tmp_path_factory.mktemp("page")
    root = changed_repo(tmp, 200)
    proj = find_project(root)
    result = regress(open_side("base", proj), open_side(":worktree", proj), KeywordLabeler(), LabelStore(None))
    path = tmp / "report.html"
    path.write_text(render_html(result), encoding="utf-8")
    return result, path


def test_the_page_draws_every_plot_and_fetches_nothing(big, browser):
    result, path = big
    page, errors, fetched = open_page(browser, path)
    marks = drawn_marks(page)
    assert set(marks) == {"validity", "rates", "changes"}
    assert all(drawn == expected > 0 for drawn, expected in marks.values()), marks
    assert errors == [] and fetched == []
    # 200 principles x 2 revisions x 2 rates, less the rates a side could not measure
    assert marks["rates"][1] == sum(1 for p in as_dict(result)["principles"] for k in ("detection", "false_flag")
                                    for side in ("base", "head") if (p[k].get(side) or {}).get("n"))
    page.screenshot(path=str(path.with_suffix(".png")))
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "review-page.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 1400},
                        full_page=True)


def test_the_page_is_small_and_shows_the_verdict(big, browser):
    result, path = big
    assert path.stat().st_size < 2 * 1024 * 1024, path.stat().st_size
    page, _, _ = open_page(browser, path)
    assert result.status == "fail"
    assert page.inner_text("h1").startswith("FAIL")
    rows = page.query_selector_all("#principle-table tbody tr")
    assert len(rows) == 200
    verdicts = {s.principle_id: s.verdict for s in result.stats}
    assert verdicts["RULE-000"] == "regression" and verdicts["RULE-003"] != "regression"


def test_text_is_readable_without_javascript(big, browser):
    result, path = big
    page, errors, _ = open_page(browser, path, javascript=False)
    text = page.text_content("body")  # sections off screen are laid out when scrolled to
    assert "FAIL" in text and "RULE-000" in text and "Flipped cases" in text
    assert len(page.query_selector_all("#principle-table tbody tr")) == 200
    assert page.query_selector_all("del") and page.query_selector_all("ins")  # the word diffs
    assert "stale" in page.text_content("#locales")  # de translations of edited statements
    assert not page.query_selector_all(".chart canvas")


def test_the_page_embeds_exactly_the_json_report(big, browser):
    result, path = big
    page, _, _ = open_page(browser, path)
    expected = json.loads(json.dumps(as_dict(result)))
    assert unpack(page.eval_on_selector("#constc-report", "e => e.textContent")) == expected
    page.wait_for_function("window.constcReport !== undefined")
    assert page.evaluate("window.constcReport") == expected  # as the page itself reads it
    assert "</script><!--" in json.dumps(expected)  # a statement holds it; the page still parsed whole
    assert "</script><!-- <b>" in page.text_content("#changes")


def test_tables_sort_and_filter(big, browser):
    _, path = big
    page, _, _ = open_page(browser, path)
    page.fill("input[data-table=principle-table]", "RULE-01")
    visible = page.eval_on_selector_all("#principle-table tbody tr", "rs => rs.filter(r => !r.hidden).length")
    assert visible == 10  # RULE-010 ... RULE-019
    page.fill("input[data-table=principle-table]", "")
    page.click("#principle-table th:nth-child(4)")  # cases, ascending
    page.click("#principle-table th:nth-child(4)")  # descending
    first = page.eval_on_selector("#principle-table tbody tr", "r => r.cells[3].dataset.value")
    assert int(first) == max(s.n for s in big[0].stats)


def test_diff_html_from_the_command_line(tmp_path, browser):
    root = changed_repo(tmp_path, 12)
    r = subprocess.run([sys.executable, "-m", "constc", "diff", "--against", ".git#ref=base", "--format", "html",
                        "-o", "diff.html"], cwd=root, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr  # the statements' meaning changed: the gate fails
    page, errors, fetched = open_page(browser, root / "diff.html")
    assert errors == [] and fetched == []
    assert drawn_marks(page)["changes"][0] > 0
    assert page.inner_text("h1").startswith("FAIL")
    json_report = json.loads(subprocess.run([sys.executable, "-m", "constc", "diff", "--against", ".git#ref=base",
                                             "--format", "json"], cwd=root, capture_output=True, text=True).stdout)
    assert unpack(page.eval_on_selector("#constc-report", "e => e.textContent")) == json_report
    # every link within the page leads somewhere
    dead = page.eval_on_selector_all('a[href^="#"]', "as => as.map(a => a.getAttribute('href'))"
                                     ".filter(h => h.length > 1 && !document.getElementById(h.slice(1)))")
    assert dead == []


def test_a_broken_head_is_listed_on_the_page(tmp_path, browser):
    root = changed_repo(tmp_path, 3)
    (root / "c.const").write_text((root / "c.const").read_text().replace("priority 1", "priority one", 1))
    r = subprocess.run([sys.executable, "-m", "constc", "diff", "--against", ".git#ref=base", "--format", "html",
                        "-o", "diff.html"], cwd=root, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    page, errors, _ = open_page(browser, root / "diff.html")
    assert errors == []
    assert "Not compared" in page.inner_text("header") and "E100" in page.inner_text("header")


def test_html_without_the_extra_is_a_usage_error_before_work(tmp_path):
    root = changed_repo(tmp_path, 2)
    code = ("import sys; sys.modules['vl_convert'] = None; from constc.cli import main; "
            "sys.exit(main(['regress', '--against', '.git#ref=base', '--format', 'html', '-o', 'r.html']))")
    r = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert r.returncode == 2 and "pip install 'constc[html]'" in r.stderr
    assert not re.search(r"scor|label", r.stderr, re.I) and not (root / "r.html").exists()


def test_the_first_screen_draws_without_scrolling(big, browser):
    """A screenshot taken once the page has loaded shows its plots: the ones on the first
    screen are drawn without waiting for an intersection that a screenshot never causes."""
    _, path = big
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(path.as_uri())
    first = page.eval_on_selector_all(".chart", "cs => cs.filter(c => c.getBoundingClientRect().top < innerHeight)"
                                                ".map(c => c.dataset.chart)")
    assert first, "no plot on the first screen"
    page.wait_for_function("ids => ids.every(id => document.getElementById('chart-' + id).dataset.drawn)",
                           arg=first, timeout=20000)
    assert page.evaluate("window.scrollY") == 0
    context.close()
