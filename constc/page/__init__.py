"""The reviewer's page: one self-contained HTML file for a `constc diff` or `constc regress`
report (`--format html -o report.html`), to open from a CI artifact.

The page is a view of the JSON report and nothing else: it is rendered from the same dict
`--format json` prints (`as_dict`), and embeds that dict (packed: gzip and base64), so the two
cannot disagree. Text (verdict, reasons, tables, word diffs, flipped cases, locales) is plain
HTML, readable without JavaScript; the plots are Vega-Lite, drawn in the browser by
Vega, whose bundle (from vl-convert, the `html` extra) is inlined: no network is used.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import re
from pathlib import Path

from constc.diff.report import word_ops
from constc.errors import UsageError
from constc.ir.nodes import TEXT_FIELDS
from constc.page import charts

HERE = Path(__file__).parent


def require() -> None:
    """Fail before any work (a regress may score for minutes) when the html extra is missing."""
    try:
        import vl_convert  # noqa: F401
    except ImportError:
        raise UsageError("--format html needs the html extra: pip install 'constc[html]'") from None


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (sets window.vegaEmbed), built by
    vl-convert (~2 s, once per process). Deliberately not cached on disk: the script runs in
    the reviewer's browser, and the cache directory may come from a pull request's CI cache,
    so a planted bundle would be code run by whoever opens the page."""
    require()
    import vl_convert

    return vl_convert.javascript_bundle(None)  # type: ignore[arg-type]  # None: vegaEmbed, vega, vegaLite on window


def _script_safe(text: str) -> str:
    """Text that cannot end the <script> element it is inlined into: only `</script` does
    (HTML's script data state); `<\\/` means the same in JSON and in JS strings."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.I)


def _word_diff(change: dict) -> dict | None:
    if change.get("field") not in TEXT_FIELDS or (change.get("before") is None and change.get("after") is None):
        return None
    return {"principle_id": change.get("principle_id"), "rule": change["rule"], "field": change["field"],
            "base_where": _where(change.get("base_span")), "head_where": _where(change.get("head_span")),
            "ops": word_ops(change.get("before"), change.get("after"))}


def _packed(value) -> str:
    """JSON, gzipped and base64-encoded: a 200-principle report is ~1.2 MB of JSON and ~0.1 MB
    packed, and base64 holds no character that could end its <script> element. The page
    unpacks it with the browser's DecompressionStream; `constc.page.unpack` does in Python."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(data, mtime=0)).decode("ascii")


def unpack(text: str):
    return json.loads(gzip.decompress(base64.b64decode(text)))


def _where(span: dict | None) -> str | None:
    return f"{span['file']}:{span['line']}" if span else None


def _locales(diff: dict) -> list[dict]:
    return [{"locale": tag, **entry} for tag, entry in sorted(diff.get("translations", {}).items())]


def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda r: "n/a" if not r or not r.get("n") else \
        f"{r['rate']:.0%} ({r['count']}/{r['n']}, {r['ci'][0]:.0%}–{r['ci'][1]:.0%})"
    env.filters["auc"] = lambda a: "n/a" if not a else \
        f"{a['auroc']:.2f} ({a['ci'][0]:.2f}–{a['ci'][1]:.2f}; {a['violating']} + {a['complying']} cases)"
    env.filters["p"] = lambda x: "—" if x is None else f"{x:.3g}"
    env.filters["score"] = lambda x: "—" if x is None else f"{x:.3f}"
    return env


def render(kind: str, data: dict) -> str:
    """The page for a `diff` or `regress` JSON report dict."""
    diff = data["diff"] if kind == "regress" else data
    plots = []
    if kind == "regress" and data["principles"]:
        plots += [("validity", "Can the judge tell? AUROC at base (and head), 95% CI", *charts.validity_chart(data)),
                  ("rates", "Detection and false flags at the matched operating point, 95% CI",
                   *charts.rates_chart(data))]
    if diff["changes"]:
        plots.append(("changes", "Changes by rule", *charts.changes_chart(diff)))
    plots = [p for p in plots if p[3]]  # a chart with no rows draws nothing worth a box
    flips = [o for o in data.get("outcomes", []) if o["kind"] in ("regression", "fix")]
    page = _env().get_template("page.html").render(
        kind=kind, data=data, diff=diff, flips=flips, locales=_locales(diff),
        diffs=[d for d in map(_word_diff, diff["changes"]) if d],
        plots=[{"id": pid, "title": title, "expected": n} for pid, title, _, n in plots],
        specs=_packed({pid: spec for pid, _, spec, _ in plots}),
        report=_packed(data),
        css=(HERE / "page.css").read_text(encoding="utf-8"),
        script=_script_safe((HERE / "page.js").read_text(encoding="utf-8")),
        vega=_script_safe(vega_bundle()) if plots else "")
    return page
