"""Quality stage: SDMetrics' QualityReport and DiagnosticReport, multi-table.

Scored columns are the ones a model learnt plus the keys (for cardinality and
intertable trends). PII and free-text columns are Faker output by design and
are left out, as are relationships SDMetrics cannot express (composite and
self-referencing foreign keys): those are listed in ``skipped``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from provisioner.columns.base import quiet
from provisioner.model.bundle import ModelBundle
from provisioner.schema.snapshot import INTEGER_KINDS, Table, family

PROPERTIES = ("Column Shapes", "Column Pair Trends", "Cardinality", "Intertable Trends")


@dataclass(frozen=True)
class QualityResult:
    score: float
    properties: Mapping[str, float]
    diagnostic: float
    diagnostic_properties: Mapping[str, float]
    tables: Mapping[str, Mapping[str, float]]
    skipped: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "properties": dict(self.properties),
            "diagnostic": {"score": self.diagnostic, "properties": dict(self.diagnostic_properties)},
            "tables": {k: dict(v) for k, v in self.tables.items()},
            "skipped": list(self.skipped),
        }


def _sdtype(kind: str) -> str:
    """SDMetrics' sdtype for a column kind ("numeric" is spelt "numerical" there)."""
    name = family(kind)
    return "numerical" if name == "numeric" else name


def _scored_columns(table: Table, roles: Mapping[str, str]) -> dict[str, str]:
    cols = {}
    for col in table.columns:
        role = roles.get(col.name)
        if role in ("key", "lookup"):
            cols[col.name] = "id"
        elif role == "model":
            cols[col.name] = _sdtype(col.kind)
    return cols


def metadata(bundle: ModelBundle, tables: list[str]) -> tuple[dict[str, Any], list[str]]:
    meta: dict[str, Any] = {"tables": {}, "relationships": []}
    skipped: list[str] = []
    for key in tables:
        table = bundle.snapshot.table(key)
        cols = _scored_columns(table, bundle.tables[key].roles)
        entry: dict[str, Any] = {"columns": {c: {"sdtype": s} for c, s in cols.items()}}
        if len(table.primary_key) == 1:
            entry["primary_key"] = table.primary_key[0]
        meta["tables"][key] = entry
    for key in tables:
        table = bundle.snapshot.table(key)
        for fk in table.foreign_keys:
            parent = bundle.snapshot.table(fk.ref_table)
            ok = len(fk.columns) == 1 and parent.primary_key == fk.ref_columns and fk.ref_table != key and fk.ref_table in tables
            if ok:
                meta["relationships"].append({
                    "parent_table_name": fk.ref_table, "parent_primary_key": fk.ref_columns[0],
                    "child_table_name": key, "child_foreign_key": fk.columns[0],
                })
            else:
                skipped.append(f"{key}.{fk.name}")
    return meta, skipped


def scored_frame(frame: pd.DataFrame, table: Table, columns: Mapping[str, Any]) -> pd.DataFrame:
    """A table's scored columns in the types SDMetrics (and SDV) expect for their sdtypes."""
    out = pd.DataFrame(index=range(len(frame)))
    for name, spec in columns.items():
        series = frame[name].reset_index(drop=True)
        if spec["sdtype"] == "datetime":
            series = pd.to_datetime(series, errors="coerce", utc=True).dt.tz_localize(None)
        elif spec["sdtype"] == "numerical":
            series = pd.to_numeric(series, errors="coerce").astype(float)
        elif spec["sdtype"] == "id":
            kind = table.column(name).kind
            series = pd.to_numeric(series, errors="coerce").astype("Int64") if kind in INTEGER_KINDS else series.astype(object)
        else:
            series = series.astype(object).where(series.notna(), None)
        out[name] = series
    return out


def evaluate(bundle: ModelBundle, real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame]) -> QualityResult:
    """Score synthetic tables against real ones (non-empty tables only)."""
    from sdmetrics.reports import DiagnosticReport, QualityReport

    tables = [k for k in bundle.order.tables if len(real.get(k, ())) and len(synthetic.get(k, ()))]
    meta, skipped = metadata(bundle, tables)
    real_data = {k: scored_frame(real[k], bundle.snapshot.table(k), meta["tables"][k]["columns"]) for k in tables}
    syn_data = {k: scored_frame(synthetic[k], bundle.snapshot.table(k), meta["tables"][k]["columns"]) for k in tables}
    with quiet():
        quality = QualityReport()
        quality.generate(real_data, syn_data, meta, verbose=False)
        diagnostic = DiagnosticReport()
        diagnostic.generate(real_data, syn_data, meta, verbose=False)
    props = quality.get_properties()
    return QualityResult(
        score=float(quality.get_score()),
        properties={r["Property"]: _num(r["Score"]) for _, r in props.iterrows()},
        diagnostic=float(diagnostic.get_score()),
        diagnostic_properties={r["Property"]: _num(r["Score"]) for _, r in diagnostic.get_properties().iterrows()},
        tables=_per_table(quality, tables),
        skipped=tuple(skipped),
    )


def _num(value: Any) -> float:
    return float(value) if pd.notna(value) else float("nan")


def _per_table(report: Any, tables: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for prop in ("Column Shapes", "Column Pair Trends"):
        try:
            details = report.get_details(prop)
        except Exception:  # noqa: BLE001 - a property with nothing to score has no details
            continue
        if "Table" not in details or "Score" not in details:
            continue
        for table, score in details.groupby("Table")["Score"].mean().items():
            out.setdefault(str(table), {})[prop.lower().replace(" ", "_")] = float(score)
    for table in tables:
        out.setdefault(table, {})
    return out
