"""Project loading, includes, locales, jurisdictions, references."""

from constc.config import find_project
from constc.ir.resolve import fallback_chain, resolve
from constc.passes import compile_project, pass_names

HEADER = 'constitution c { version "1.0.0" }\n'
P = 'principle {id} "T" {{ category {cat} priority {prio} statement "{text}" example complies {{ prompt "q" }} }}\n'


def codes(ctx):
    """Errors and warnings: these tests are about loading, not the advice infos give."""
    return sorted(d.code for d in ctx.diagnostics if d.severity.value != "info")


def compile_dir(root):
    return compile_project(find_project(root))


def test_passes_are_ordered_and_named():
    assert pass_names() == ["resolve-includes", "load-locales", "load-evalcases", "merge-addenda",
                            "check-structure", "check-references", "lint"]


def test_includes_and_globs(project):
    root = project({
        "main.const": HEADER + 'include "parts/*.const"\ninclude "other.const"\n',
        "parts/a.const": P.format(id="AA-01", cat="a", prio=1, text="x"),
        "parts/b.const": P.format(id="BB-01", cat="b", prio=1, text="y"),
        "other.const": P.format(id="CC-01", cat="c", prio=1, text="z"),
    })
    ctx = compile_dir(root)
    assert codes(ctx) == []
    assert [p.id for p in ctx.constitution.principles] == ["AA-01", "BB-01", "CC-01"]


def test_include_cycle_missing_and_escape(project):
    root = project({
        "main.const": HEADER + 'include "a.const"\ninclude "missing.const"\ninclude "../outside.const"\n',
        "a.const": 'include "main.const"\n',
    })
    ctx = compile_dir(root)
    assert {"E204", "E200", "E205"} <= set(codes(ctx))
    cycle = next(d for d in ctx.diagnostics if d.code == "E204")
    assert "main.const -> a.const -> main.const" in cycle.message and cycle.span.file == "a.const"


def test_every_error_reported_not_just_the_first(project):
    root = project({
        "main.const": HEADER + 'include "a.const"\ninclude "b.const"\n',
        "a.const": 'principle AA-01 "x" {',
        "b.const": 'principle BB-01 "y" { colour red }',
    })
    ctx = compile_dir(root)
    assert [d.span.file for d in ctx.diagnostics if d.code.startswith("E10")] == ["a.const", "b.const"]


def test_locale_fallback_chain_and_jurisdiction(project):
    root = project({
        # de-AT is declared; de is in its fallback chain, so its folder counts as declared too
        "main.const": 'constitution c { version "1.0.0" locale en locales [en, de-AT] }\n'
                      + P.format(id="AA-01", cat="a", prio=1, text="english"),
        "locales/de/x.const": 'addendum AA-01 locale de { statement "deutsch" title "Titel" }\n',
        "locales/de-AT/x.const": 'addendum AA-01 locale de-AT { statement "österreichisch" }\n',
        "locales/eu/x.const": 'jurisdiction eu { principle EU-01 "E" { category e priority 1 statement "eu" '
                              'example complies { prompt "q" } } }\n'
                              'addendum AA-01 jurisdiction eu { priority 5 }\n',
    })
    ctx = compile_dir(root)
    assert codes(ctx) == []
    const = ctx.constitution
    assert fallback_chain("de-AT") == ["de", "de-at"]
    by = {p.id: p for p in resolve(const, "de-AT", None)}
    assert by["AA-01"].statement == "österreichisch" and by["AA-01"].title == "Titel"
    assert "EU-01" not in by
    by = {p.id: p for p in resolve(const, "de", "eu")}
    assert by["AA-01"].statement == "deutsch" and by["AA-01"].priority == 5 and "EU-01" in by
    assert resolve(const, "fr", None)[0].statement == "english"
    assert [s.file for s in by["AA-01"].addendum_spans] == ["locales/de/x.const", "locales/eu/x.const"]


def test_locale_folder_must_match_scope(project):
    root = project({
        "main.const": HEADER + P.format(id="AA-01", cat="a", prio=1, text="x"),
        "locales/de/x.const": 'addendum AA-01 locale fr { statement "non" }\n'
                              'principle ZZ-01 "stray" { category z priority 1 statement "s" }\n',
    })
    assert codes(compile_dir(root)).count("E305") == 2


def test_structure_checks(project):
    root = project({"main.const": HEADER + 'principle AA-01 "x" { priority 1 statement "s" severity huge '
                    'threshold 2 target made_up <= 1% target violation_rate <= 300% }\n'
                    'constitution again { version "2" }\n'})
    found = codes(compile_dir(root))
    assert found.count("E303") == 4  # severity, threshold, metric, rate
    assert "E302" in found  # no category
    assert "E304" in found  # second header


def test_bad_semver(project):
    root = project({"main.const": 'constitution c { version "1.0" }\n'})
    assert "E303" in codes(compile_dir(root))


def test_evalcases_are_validated_and_referenced(project):
    root = project({
        "main.const": HEADER + P.format(id="AA-01", cat="a", prio=1, text="x"),
        "evalcases/a.jsonl": '{"id": "c1", "principles": ["AA-01"], "prompt": "p", "response": "r", '
                             '"expected": "violates"}\n'
                             '{"id": "c2", "principles": ["NOPE-01"], "prompt": "p", "expected": "complies"}\n'
                             'not json\n'
                             '{"id": "c3", "principles": ["AA-01"], "prompt": "p", "expected": "A"}\n',
    })
    ctx = compile_dir(root)
    assert codes(ctx) == ["E300", "E306", "E306"]
    assert len(ctx.evalcases) == 2


def test_lone_file_is_its_own_project(tmp_path):
    path = tmp_path / "solo.const"
    path.write_text(HEADER + P.format(id="AA-01", cat="a", prio=1, text="x"))
    ctx = compile_project(find_project(path))
    assert codes(ctx) == [] and ctx.constitution.principles[0].id == "AA-01"


def test_parse_cache_hits_and_misses(project, tmp_path, monkeypatch):
    import constc.passes.load as load

    monkeypatch.setenv("CONSTC_CACHE_DIR", str(tmp_path / "cache"))
    root = project({"main.const": HEADER + P.format(id="AA-01", cat="a", prio=1, text="x")})
    calls = []
    real = load.parse_source
    monkeypatch.setattr(load, "parse_source", lambda t, p: calls.append(p) or real(t, p))
    first = compile_dir(root)
    second = compile_dir(root)
    assert calls == ["main.const"]  # the second run was served from the cache
    assert second.constitution == first.constitution
    (root / "main.const").write_text(HEADER + P.format(id="AA-01", cat="a", prio=1, text="changed"))
    assert compile_dir(root).constitution.principles[0].statement == "changed"
    for entry in (tmp_path / "cache").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"corrupt")
    assert compile_dir(root).constitution.principles[0].statement == "changed"
