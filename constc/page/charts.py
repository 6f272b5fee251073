"""Vega-Lite specs for the reviewer's page, built from the JSON report's data only.

Each spec carries its rows inline and a `description`; `expected_marks` says how many
points each chart must draw, which the browser test compares with what Vega drew.
Colours are the Okabe-Ito palette (distinguishable with each kind of colour blindness),
and every colour is doubled by a shape or a label.
"""

from __future__ import annotations

BASE, HEAD = "#0072B2", "#E69F00"        # blue, orange
VERDICT_COLOURS = {"regression": "#D55E00", "inconclusive": "#999999", "no regression": "#009E73"}
VERDICT_SHAPES = {"regression": "triangle-down", "inconclusive": "square", "no regression": "circle"}
VL_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # the bundled Vega-Lite (vl-convert 1.9)
STEP = 11  # pixels per principle row (base and head share it)
RANK = {"regression": 0, "inconclusive": 1, "no regression": 2}


def _order(data: dict) -> list[str]:
    """Principles as the plots list them: regressions first, then inconclusive ones, so the
    top of a long plot is what a reviewer must look at."""
    return [p["name"] for p in sorted(data["principles"],
                                             key=lambda p: (RANK.get(p["verdict"], 3), p["name"]))]


def _rate_rows(principles: list[dict], key: str, label: str, base: str, head: str) -> list[dict]:
    rows = []
    for p in principles:
        for side, name in (("base", base), ("head", head)):
            r = (p.get(key) or {}).get(side)
            if r and r.get("n") and r.get("rate") is not None:
                rows.append({"principle": p["name"], "revision": name, "side": side, "metric": label,
                             "rate": r["rate"], "low": r["ci"][0], "high": r["ci"][1],
                             "count": f"{r['count']}/{r['n']}", "verdict": p["verdict"]})
    return rows


def rates_chart(data: dict) -> tuple[dict, int]:
    """Per principle, base and head detection and false-flag rate at the matched operating
    point, each a point with its 95% Wilson interval."""
    principles = data["principles"]
    rows = _rate_rows(principles, "detection", "detection (violating cases flagged)", data["base"], data["head"]) + \
        _rate_rows(principles, "false_flag", "false flags (complying cases flagged)", data["base"], data["head"])
    order = _order(data)
    y = {"field": "principle", "type": "nominal", "sort": order, "title": None}
    colour = {"field": "revision", "type": "nominal", "title": "revision",
              "scale": {"domain": [data["base"], data["head"]], "range": [BASE, HEAD]}}
    spec = {
        "$schema": VL_SCHEMA,
        "description": "Detection and false-flag rate per principle at base and head, with 95% intervals",
        "data": {"values": rows},
        "facet": {"column": {"field": "metric", "type": "nominal", "title": None,
                             "sort": ["detection (violating cases flagged)", "false flags (complying cases flagged)"]}},
        "spec": {
            "width": 320, "height": {"step": STEP},
            "encoding": {"y": y, "yOffset": {"field": "side", "type": "nominal", "sort": ["base", "head"]},
                         "color": colour},
            "layer": [
                {"mark": {"type": "rule", "strokeWidth": 2},
                 "encoding": {"x": {"field": "low", "type": "quantitative", "title": "rate",
                                    "scale": {"domain": [0, 1]}, "axis": {"format": "%"}},
                              "x2": {"field": "high"}}},
                {"mark": {"type": "point", "filled": True, "size": 50},
                 "encoding": {"x": {"field": "rate", "type": "quantitative"},
                              "shape": {"field": "side", "type": "nominal", "legend": None,
                                        "scale": {"domain": ["base", "head"], "range": ["circle", "diamond"]}},
                              "tooltip": [{"field": "principle"}, {"field": "revision"}, {"field": "metric"},
                                          {"field": "rate", "format": ".0%"}, {"field": "count", "title": "k/n"},
                                          {"field": "low", "format": ".0%", "title": "95% CI from"},
                                          {"field": "high", "format": ".0%", "title": "95% CI to"}]}},
            ],
        },
        "resolve": {"scale": {"y": "shared"}},
    }
    return spec, len(rows)


def validity_chart(data: dict) -> tuple[dict, int]:
    """Can the judge tell? Each principle's AUROC at base (and head, when measured) with
    its 95% CI; a CI that reaches 0.5 (the dashed line) is chance."""
    rows = []
    for p in data["principles"]:
        sides = {"base": p.get("judge_validity")}
        if p.get("auroc"):
            sides["head"] = p["auroc"].get("head")
        for side, auc in sides.items():
            if auc:
                low, high = auc["ci"]
                rows.append({"principle": p["name"], "side": side,
                             "revision": data["base"] if side == "base" else data["head"], "auroc": auc["auroc"],
                             "low": low, "high": high, "n": f"{auc['violating']} violating, {auc['complying']} complying",
                             "verdict": p["verdict"], "can tell": "yes" if low > 0.5 else "no (CI reaches 0.5)"})
    order = _order(data)
    spec = {
        "$schema": VL_SCHEMA,
        "description": "Judge validity: AUROC per principle with 95% CI; 0.5 is chance",
        "width": 420, "height": {"step": STEP},
        "layer": [
            {"data": {"values": rows},
             "encoding": {"y": {"field": "principle", "type": "nominal", "sort": order, "title": None},
                          "yOffset": {"field": "side", "type": "nominal", "sort": ["base", "head"]},
                          "color": {"field": "revision", "type": "nominal", "title": "revision",
                                    "scale": {"domain": [data["base"], data["head"]], "range": [BASE, HEAD]}}},
             "layer": [
                 {"mark": {"type": "rule", "strokeWidth": 2},
                  "encoding": {"x": {"field": "low", "type": "quantitative", "title": "AUROC",
                                     "scale": {"domain": [0, 1]}},
                               "x2": {"field": "high"}}},
                 {"mark": {"type": "point", "filled": True, "size": 50},
                  "encoding": {"x": {"field": "auroc", "type": "quantitative"},
                               "shape": {"field": "can tell", "type": "nominal", "title": "judge can tell",
                                         "scale": {"domain": ["yes", "no (CI reaches 0.5)"],
                                                   "range": ["circle", "cross"]}},
                               "tooltip": [{"field": "principle"}, {"field": "revision"},
                                           {"field": "auroc", "format": ".2f"}, {"field": "low", "format": ".2f"},
                                           {"field": "high", "format": ".2f"}, {"field": "n"},
                                           {"field": "can tell"}]}},
             ]},
            {"data": {"values": [{"chance": 0.5}]},
             "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#444"},
             "encoding": {"x": {"field": "chance", "type": "quantitative"}}},
        ],
    }
    return spec, len(rows)


def changes_chart(diff: dict) -> tuple[dict, int]:
    """How many changes of each rule, coloured by whether they fail the gate."""
    counts: dict[tuple[str, str], int] = {}
    for c in diff["changes"]:
        status = "fails" if c["fails"] else "approved" if c.get("approval") else "passes"
        counts[(c["rule"], status)] = counts.get((c["rule"], status), 0) + 1
    rows = [{"rule": rule, "status": status, "changes": n} for (rule, status), n in sorted(counts.items())]
    per_rule: dict[str, int] = {}
    for (rule, _), n in counts.items():
        per_rule[rule] = per_rule.get(rule, 0) + n
    top = max(per_rule.values(), default=1)
    ticks = list(range(0, top + 1, max(1, -(-top // 8))))  # whole changes only
    spec = {
        "$schema": VL_SCHEMA,
        "description": "Changes per rule, by whether they fail the gate",
        "data": {"values": rows}, "width": 420, "height": {"step": 18},
        "mark": {"type": "bar"},
        "encoding": {"y": {"field": "rule", "type": "nominal", "title": None, "sort": "-x"},
                     "x": {"field": "changes", "type": "quantitative", "title": "changes", "axis": {"values": ticks, "format": "d"}},
                     "color": {"field": "status", "type": "nominal", "title": "gate",
                               "scale": {"domain": ["fails", "approved", "passes"],
                                         "range": ["#D55E00", "#56B4E9", "#009E73"]}},
                     "tooltip": [{"field": "rule"}, {"field": "status"}, {"field": "changes"}]},
    }
    return spec, len(rows)
