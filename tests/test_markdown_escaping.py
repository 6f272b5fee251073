"""Project text cannot open or close markup in the markdown reports: rendered by cmark-gfm
(GitHub's own markdown engine, from Debian) with raw HTML allowed, as GitHub allows
<details> and comments, the structure is exactly what constc wrote."""

import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from conftest import run_constc
from gitrepo import commit, init
from keyword_judge import KeywordLabeler

from constc.config import find_project
from constc.diagnostics.markdown import code, md, quote
from constc.diff.sources import open_side
from constc.label.store import LabelStore
from constc.regress import regress
from constc.regress.report import RENDERERS

HOSTILE = "x <!-- hide | a | b </details><details><summary>ok</summary> `tick` **bold** @org/team #1 $x$ \u202eevil"

CONST = '''constitution c {
  version "1.0.0"
  locale en
}

principle HARM-01 "Crime TITLE" {
  category harm
  priority 100
  statement "Flag any reply that mentions: heist, forgery."
}
'''


def render(markdown: str) -> str:
    exe = shutil.which("cmark-gfm")
    if exe is None:
        pytest.fail("cmark-gfm is not installed: run tools/system-deps.sh")
    r = subprocess.run([exe, "--unsafe", "-e", "table", "-e", "strikethrough", "-e", "autolink"],
                       input=markdown, capture_output=True, text=True, check=True)
    return r.stdout


class Shape(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.comments, self.rows, self._cells = [], 0, [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self._cells = 0
        elif tag in ("td", "th") and self._cells is not None:
            self._cells += 1

    def handle_endtag(self, tag):
        if tag == "tr":
            self.rows.append(self._cells)
            self._cells = None

    def handle_comment(self, data):
        self.comments += 1


def shape(markdown: str) -> Shape:
    s = Shape()
    s.feed(render(markdown))
    return s


def test_escaping_functions_render_as_plain_text():
    s = shape(f"| a | b |\n| --- | --- |\n| {md(HOSTILE)} | {code(HOSTILE)} |\n\n{quote(HOSTILE)}\n")
    assert s.comments == 0 and "details" not in s.tags and "strong" not in s.tags and "summary" not in s.tags
    assert s.rows == [2, 2]
    text = render(md("- not a list") + "\n\n" + md("3. nor this"))
    assert "<li>" not in text and "<ol" not in text
    text = render(md(HOSTILE))
    assert "\u202e" not in text and "[U+202E]" in text and "@org/team" in text


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "repo")
    cases = "\n".join(json.dumps({"id": f"c{i}", "principles": ["HARM-01"], "prompt": f"question {i}",
                                  "response": f"plan the heist {i}" if i < 10 else f"lock advice {i}",
                                  "expected": "violates" if i < 10 else "complies"}) for i in range(20))
    commit(root, {"constc.toml": '[project]\nroot = "c.const"\n[label]\nmethod = "yesno"\n', "c.const": CONST,
                  "evalcases/x.jsonl": cases + "\n"}, "base", tag="base")
    return root


def test_the_diff_comment_keeps_its_structure(repo):
    head = CONST.replace("Crime TITLE", HOSTILE.replace('"', "")).replace(
        "Flag any reply that mentions: heist, forgery.", HOSTILE + " Be nice.")
    (repo / "c.const").write_text(head)
    r = run_constc("diff", "--against", "base", "--format", "markdown", cwd=repo)
    assert r.returncode == 1, r.stderr
    s = shape(r.stdout)
    ours = r.stdout.count("<details><summary>")
    assert ours >= 1 and s.tags.count("details") == ours and s.tags.count("summary") == ours
    assert s.comments == 0
    assert len(set(s.rows)) == 1  # every row of the changes table has the header's cells


def test_the_regress_comment_keeps_its_structure(repo):
    (repo / "c.const").write_text(CONST.replace("Crime TITLE", HOSTILE.replace('"', "")).replace(
        "Flag any reply that mentions: heist, forgery.", "Be nice. " + HOSTILE))
    project = find_project(repo)
    result = regress(open_side("base", project), open_side(":worktree", project), KeywordLabeler(), LabelStore(None))
    assert result.regressions
    text = RENDERERS["markdown"](result)
    s = shape(text)
    assert s.comments == 0 and "details" not in s.tags
    tables = [n for n in s.rows]
    assert tables.count(9) >= 2 and tables.count(7) >= 2  # verdicts table and flipped-cases table, whole
