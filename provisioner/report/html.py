"""``--report-html``: one self-contained, offline HTML page about a provisioning run.

Row counts and the privacy verdict (every metric with its baseline and
threshold), then per table: real vs synthetic distributions and cumulative
distributions of every learnt column, correlation heatmaps side by side,
children-per-parent histograms, a PCA density view and DCR/NNDR histograms.
Charts are inline SVG (:mod:`provisioner.report.svg`); the numbers behind them
are aggregates (:mod:`provisioner.report.charts`), never rows or PII values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from provisioner import __version__, files
from provisioner.model.bundle import ModelBundle
from provisioner.model.train import RealRows
from provisioner.report import svg
from provisioner.report.charts import ColumnChart, table_summary
from provisioner.synth.sample import SyntheticTables

REAL_NAME, SYN_NAME = "real", "synthetic"


def summarise(
    bundle: ModelBundle, synthetic: SyntheticTables, verdict: Mapping[str, Any] | None, real: Mapping[str, RealRows] | None,
    rows: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Everything the page shows, as plain data (also handy for tests). ``rows``: the rows loaded per
    table when ``synthetic`` holds only a sample of them (a streamed load)."""
    tables = [table_summary(bundle, key, synthetic, (real or {}).get(key), verdict) for key in bundle.order.tables]
    for entry in tables:
        entry["synthetic_rows"] = int((rows or {}).get(entry["key"], entry["synthetic_rows"]))
    gate = {"passed": verdict.get("passed"), "failures": list(verdict.get("failures", []))} if verdict else None
    return {"tables": tables, "gate": gate, "seed": synthetic.seed, "has_real": real is not None,
            "schema_hash": bundle.schema_hash, "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def write_html_report(
    path: str | Path, bundle: ModelBundle, synthetic: SyntheticTables, verdict: Mapping[str, Any] | None,
    real: Mapping[str, RealRows] | None = None, seconds: Mapping[str, float] | None = None,
    rows: Mapping[str, int] | None = None, fidelity: Mapping[str, Any] | None = None,
) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = summarise(bundle, synthetic, verdict, real, rows)
    if fidelity is not None:
        summary["fidelity"] = fidelity
    files.write_text(out, render(summary, seconds or {}))  # complete or not at all
    return out


def render(summary: Mapping[str, Any], seconds: Mapping[str, float]) -> str:
    body = [_header(summary, seconds), _overview(summary)]
    if summary.get("fidelity"):
        from provisioner.report.fidelity_html import section

        body.append(section(summary["fidelity"]))
    body += [_table_section(t, summary["has_real"]) for t in summary["tables"]]
    return f"<!doctype html><html lang=en><head><meta charset=utf-8><title>provisioner report</title><style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"


def _header(summary: Mapping[str, Any], seconds: Mapping[str, float]) -> str:
    gate = summary["gate"]
    if gate is None:
        badge = '<span class="badge none">privacy gate: not run</span>'
    elif gate["passed"]:
        badge = '<span class="badge pass">privacy gate passed</span>'
    else:
        badge = '<span class="badge fail">privacy gate FAILED</span>'
    failures = "".join(f"<li>{escape(f)}</li>" for f in (gate or {}).get("failures", []))
    timing = ", ".join(f"{escape(k)} {v:.1f}s" for k, v in seconds.items())
    note = "" if summary["has_real"] else ('<p class="note">No source rows were available (loaded from a bundle): "real" is what the bundle '
                                           "learnt at training time, as aggregates (histograms of every learnt column, children per parent).</p>")
    return (f"<header><h1>provisioner report</h1>{badge}<p class=meta>seed {summary['seed']} · schema {summary['schema_hash'][:12]} · "
            f"{escape(summary['created'])} · provisioner {__version__}{' · ' + timing if timing else ''}</p>"
            f"{'<ul class=failures>' + failures + '</ul>' if failures else ''}{note}"
            f"{svg.legend([(REAL_NAME, svg.REAL), (SYN_NAME, svg.SYNTHETIC)])}</header>")


def _overview(summary: Mapping[str, Any]) -> str:
    rows = []
    for t in summary["tables"]:
        rows.append(f"<tr><td><a href='#t-{escape(t['key'])}'>{escape(t['key'])}</a></td><td>{escape(t['method'])}</td>"
                    f"<td class=num>{t['source_rows']:,}</td><td class=num>{t['synthetic_rows']:,}</td><td>{_status(t['privacy'])}</td>"
                    f"<td>{escape(', '.join(t['pii_columns']))}</td><td>{escape(', '.join(t.get('text_columns', [])))}</td></tr>")
    head = ("<tr><th>table</th><th>method</th><th>source rows</th><th>synthetic rows</th><th>privacy</th>"
            "<th>PII (Faker values)</th><th>generated text (never learnt)</th></tr>")
    return f"<section><h2>Tables</h2><table class=grid>{head}{''.join(rows)}</table></section>"


def _status(privacy: Mapping[str, Any] | None) -> str:
    if not privacy:
        return '<span class="pill none">from bundle</span>'
    if privacy["status"] == "exempt":
        return '<span class="pill none">exempt</span>'
    return '<span class="pill pass">passed</span>' if privacy["passed"] else '<span class="pill fail">failed</span>'


def _metrics(privacy: Mapping[str, Any] | None) -> str:
    if not privacy:
        return ""
    if not privacy["metrics"]:
        return f"<p class=note>Privacy: {escape(privacy['status'])}: {escape(privacy['reason'])}</p>"
    rows = "".join(
        f"<tr class={'ok' if m['passed'] else 'bad'}><td>{escape(m['name'])}</td><td class=num>{_num(m['value'])}</td>"
        f"<td class=num>{_num(m['baseline'])}</td><td class=num>{_num(m['threshold'])}</td><td>{'pass' if m['passed'] else 'FAIL'}</td>"
        f"<td>{escape(explain(m))}<br><small>{escape(m.get('detail', ''))}</small></td></tr>"
        for m in privacy["metrics"]
    )
    head = "<tr><th>metric</th><th>value</th><th>baseline</th><th>threshold</th><th></th><th>what it means</th></tr>"
    sizes = f"train {privacy['rows_train']:,} · holdout {privacy['rows_holdout']:,} · synthetic {privacy['rows_synthetic']:,}"
    return f"<h3>Privacy gate <small>{sizes}</small></h3><table class=grid>{head}{rows}</table>"


_MEANING = {
    "exact_copies": ("no more synthetic rows copy a unique training row than real rows the model never saw do by chance",
                     "synthetic rows copy unique training rows more often than chance: they would leak those rows"),
    "dcr_share": ("synthetic rows sit no closer to the training rows than new real rows do",
                  "synthetic rows sit closer to the training rows than new real rows do: the model memorised"),
    "nndr": ("few synthetic rows sit on a single training row (as few as among new real rows)",
             "too many synthetic rows sit on a single training row"),
    "identifiability": ("a training row is no easier to pick out with the synthetic rows than a new real row",
                        "training rows are easier to pick out with the synthetic rows than new real rows"),
}


def explain(metric: Mapping[str, Any]) -> str:
    """One plain sentence per metric: what the numbers mean, and why it passes or fails."""
    good, bad = _MEANING.get(metric["name"], ("passes", "fails"))
    value, threshold = metric.get("value"), metric.get("threshold")
    beyond = value is not None and threshold is not None and metric["name"] != "exact_copies" and value > threshold
    if metric["passed"] and beyond:
        return ("Passes: the value is above the threshold, but by less than the holdout's own noise "
                "(a small holdout makes it noisy), so it is not significant.")
    return f"{'Passes' if metric['passed'] else 'Fails'}: {good if metric['passed'] else bad}."


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def _table_section(t: Mapping[str, Any], has_real: bool) -> str:
    parts = [f"<section id='t-{escape(t['key'])}'><h2>{escape(t['key'])} <small>{escape(t['method'])}: {escape(t['reason'])}</small></h2>",
             _metrics(t["privacy"])]
    if t.get("real_hidden"):
        parts.append(f"<p class=note>Real distributions are not drawn for this table: it has {t['real_rows']} real rows, "
                     "too few to draw without showing single rows. The charts show the synthetic rows only.</p>")
    if t["columns"]:
        parts.append("<h3>Learnt columns</h3><div class=charts>" + "".join(_column(c) for c in t["columns"]) + "</div>")
    if t["correlation"]:
        parts.append(_correlation(t["correlation"]))
    if t["degrees"]:
        charts = "".join(svg.bars(d["labels"], [("learnt", d["real"], svg.REAL), (SYN_NAME, d["synthetic"], svg.SYNTHETIC)],
                                  f"children per {d['parent']} row {d['fk']}") for d in t["degrees"])
        parts.append(f"<h3>Children per parent</h3><div class=charts>{charts}</div>")
    if t["pca"]:
        p = t["pca"]
        parts.append("<h3>PCA density <small>first two components of the real rows; cells with fewer than 5 real rows hidden</small></h3><div class=charts>"
                     + svg.heatmap(p["real"], [], "real", signed=False) + svg.heatmap(p["synthetic"], [], "synthetic", signed=False) + "</div>")
    if t["distances"]:
        d = t["distances"]
        hold = ("holdout → train", d["dcr"]["holdout"], svg.REAL)
        parts.append("<h3>Distances to the closest training row</h3><div class=charts>"
                     + svg.bars(d["dcr"]["labels"], [hold, ("synthetic → train", d["dcr"]["synthetic"], svg.SYNTHETIC)], "DCR (Gower)")
                     + svg.bars(d["nndr"]["labels"], [("holdout → train", d["nndr"]["holdout"], svg.REAL),
                                                      ("synthetic → train", d["nndr"]["synthetic"], svg.SYNTHETIC)], "NNDR") + "</div>")
    return "".join(parts) + "</section>"


def _column(chart: ColumnChart) -> str:
    series = [(REAL_NAME, chart.real, svg.REAL), (SYN_NAME, chart.synthetic, svg.SYNTHETIC)]
    out = svg.bars(chart.labels, series, f"{chart.name} ({chart.kind})")
    if chart.kind != "categorical":
        out += svg.cdf(chart.labels, series, f"{chart.name}: cumulative")
    return f"<div class=pair>{out}</div>"


def _correlation(corr: Mapping[str, Any]) -> str:
    cols = corr["columns"]
    real = svg.heatmap(corr["real"], cols, "real") if corr["real"] else ""
    return f"<h3>Correlations</h3><div class=charts>{real}{svg.heatmap(corr['synthetic'], cols, 'synthetic')}</div>"


_CSS = """
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;margin:0;padding:24px 32px;background:#fafafa}
h1{margin:0 12px 0 0;display:inline-block;font-size:24px}h2{font-size:19px;margin:0 0 8px}h3{font-size:15px;margin:16px 0 6px}
small{color:#777;font-weight:normal;font-size:12px}header{margin-bottom:16px}.meta{color:#666;margin:6px 0}
section{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:16px 20px;margin:16px 0}
.badge{display:inline-block;padding:4px 12px;border-radius:14px;font-weight:600;vertical-align:middle}
.pass{background:#dff3e3;color:#1b6b2f}.fail{background:#fbe0e0;color:#9b1c1c}.none{background:#eee;color:#555}
.pill{padding:1px 8px;border-radius:10px;font-size:12px}
table.grid{border-collapse:collapse;font-size:13px}table.grid th,table.grid td{border-bottom:1px solid #eee;padding:4px 10px;text-align:left}
table.grid th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.bad td{background:#fdecec}
.charts{display:flex;flex-wrap:wrap;gap:12px}.pair{display:flex;gap:4px;border:1px solid #f0f0f0;border-radius:6px;padding:4px}
svg .title{font-size:12px;font-weight:600;fill:#333}svg .xlab{font-size:9px;fill:#555}svg .ylab{font-size:9px;fill:#555;text-anchor:end}
svg .cell{font-size:9px;text-anchor:middle;fill:#222}
.legend{margin:4px 0}.key{margin-right:16px}.key i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px;border-radius:2px}
.note{color:#555;font-style:italic}.failures{color:#9b1c1c}
"""
