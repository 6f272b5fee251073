"""The mutation check: the hostile-input suite must fail when a defence is taken out.

Each mutation removes one defence from a copy of the package (confinement, the size check
before reading, JSON instead of pickle, atomic writes, marker defanging, the template time
budget, FIFO refusal; gate settings from the base, the key kept off redirects and out of
error text, approvals only when added, each revision's own templates, markdown escaping,
a broken base that cannot wave a change through, the answer size cap); the tests that
guard it (tests/test_hostile.py unless another suite is named) are run against the copy in
a subprocess, and must fail. A defence whose tests still pass would be untested.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (file, text to replace, replacement, the hostile tests that must then fail)
MUTATIONS = {
    "no confinement": ("constc/sources.py", "    if real != top and top not in real.parents:",
                       "    if False:", "symlinked_include_is_refused or template_symlink"),
    "no size check before reading": ("constc/sources.py", "    if limit is not None and st.st_size > limit:",
                                     "    if False:", "huge_sparse_file"),
    "pickle parse cache": ("constc/cache.py", "            return _decode(entry.read_bytes())",
                           "            import pickle; return pickle.loads(entry.read_bytes())",
                           "planted_cache_files"),
    "fmt writes in place": ("constc/cli/check_cmds.py",
                            "                write_atomic(path, out.encode(\"utf-8\"))  # a failed write leaves the file as it was",
                            "                path.write_bytes(out.encode(\"utf-8\"))",
                            "fmt_keeps_the_file_whole"),
    "exact-spelling defanging only": ("constc/render/safety.py", "_PATTERN = re.compile(",
                                      "_PATTERN = re.compile('|'.join(map(re.escape, MARKERS))) or re.compile(",
                                      "answer_markers"),
    "no template budget": ("constc/render/__init__.py", "RENDER_SECONDS = 10", "RENDER_SECONDS = 100000",
                           "never_ends"),
    "FIFOs opened": ("constc/sources.py", "    if not stat.S_ISREG(st.st_mode):", "    if False:",
                     "fifo_and_device"),
    # the gate and the secrets (tests/test_gate_trust.py and its neighbours)
    "gate settings from the head": ("constc/diff/__init__.py", "    head, config_changes = trusted_head(base, head)",
                                    "    config_changes: list = []", "loosen", "test_gate_trust.py"),
    "key follows redirects": ("constc/label/openai_backend.py", "req.add_unredirected_header(", "req.add_header(",
                              "redirect", "test_gate_trust.py"),
    "error bodies shown as sent": ("constc/label/openai_backend.py", "detail = self._scrub(err.read(",
                                   "detail = (err.read(",
                                   "echoes", "test_gate_trust.py"),
    "old changelog lines approve": ("constc/diff/changelog.py", "                if line.strip() in already:",
                                    "                if False:", "planted", "test_gate_trust.py"),
    "base rendered with the head's templates": (
        "constc/targets/__init__.py",
        "        self.env = environment(self.ctx.tree, self.ctx.project.config.project.templates)",
        "        from constc.sources import DiskTree\n"
        "        self.env = environment(DiskTree(self.ctx.project.root), self.ctx.project.config.project.templates)",
        "template", "test_gate_trust.py"),
    "markdown unescaped": ("constc/diagnostics/markdown.py", '_SPECIAL = re.compile(r"([\\\\`*_{}\\[\\]<|#~$&@!])")',
                           '_SPECIAL = re.compile(r"(?!)")', "structure or plain_text", "test_markdown_escaping.py"),
    "a broken base waves the head through": ("constc/diff/__init__.py",
                                             "    if not compiles(base_ctx) and compiles(head_ctx):",
                                             "    if False:", "does_not_parse", "test_diff.py"),
    "a restamp is bookkeeping": ("constc/translations.py",
                                 "        if stamp is None or stamp == base_lock.get(tag, {}).get(pid):",
                                 "        if True:", "restamping", "test_diff.py"),
    "requests with bad parameters unanswered": ("constc/lsp/server.py",
                                                "                self._send_response(data[\"id\"], None, error.to_response_error())",
                                                "                pass", "bad_parameters", "test_lsp.py"),
    "unparseable answers count as complying": ("constc/label/job.py",
                                                "                pair.error = f\"unparseable answer: {err}\"",
                                                "                pair.probs = [0.0, 1.0]", "unparseable",
                                                "test_policy_judges.py"),
    "case text spells the model's special tokens": ("constc/label/tokens.py",
                                                    "                text = text.replace(name, name[:-1] + \"\\\\\" + name[-1])",
                                                    "                pass", "special_tokens", "test_policy_judges.py"),
    "no answer size cap": ("constc/label/openai_backend.py", "            if size > MAX_RESPONSE_BYTES:",
                           "            if False:", "huge", "test_hostile_server.py"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_hostile_suite_catches_the_mutation(name, tmp_path):
    rel, old, new, selection, *suite = MUTATIONS[name]
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "constc", copy / "constc", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / rel
    text = target.read_text()
    assert text.count(old) == 1, f"the mutation no longer applies to {rel}: update it"
    target.write_text(text.replace(old, new))
    # PYTHONPATH comes before the editable install's import hook (appended last), so the copy
    # is what runs, in pytest and in the CLI subprocesses alike; never run from the checkout
    env = {**os.environ, "PYTHONPATH": f"{copy}{os.pathsep}{ROOT / 'tests'}", "PYTHONDONTWRITEBYTECODE": "1"}
    probe = subprocess.run([sys.executable, "-c", "import constc; print(constc.__file__)"], env=env,
                           capture_output=True, text=True, cwd=tmp_path)
    assert probe.stdout.startswith(str(copy)), probe  # the copy is what runs, CLI subprocesses too
    tests = ROOT / "tests" / (suite[0] if suite else "test_hostile.py")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", str(tests), "-k", selection],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and " failed" in r.stdout, f"the hostile suite did not notice '{name}':\n{r.stdout}"
