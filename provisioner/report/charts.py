"""Aggregates for the HTML report: histograms, CDFs, correlations, degrees, PCA, distances.

Only *aggregates* of learnt columns leave this module: bin counts, category
shares, correlation coefficients and 2-D density grids. PII and free-text
columns are never read. To keep single rows from showing through:

- numeric bins span the 1st to 99th percentile of the real rows (outliers fold
  into the end bins, so the real minimum and maximum are never shown);
- categories seen fewer than ``MIN_CELL`` times in the real rows become "(other)";
- PCA and distance grids drop cells holding fewer than ``MIN_CELL`` real rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from provisioner.model import histograms
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.histograms import Histogram
from provisioner.model.train import RealRows
from provisioner.privacy import distances
from provisioner.schema.snapshot import Table, family
from provisioner.synth.sample import SyntheticTables

MIN_CELL = histograms.MIN_CELL
MIN_ROWS = histograms.MIN_ROWS  # fewer real rows than this: no real distributions are shown at all
MAX_DEGREE = 25
GRID = 24
DIST_QUERIES = 1000


@dataclass(frozen=True)
class ColumnChart:
    name: str
    kind: str  # numeric | datetime | categorical
    labels: tuple[str, ...]
    real: tuple[float, ...] | None  # shares per bin/category (None: no real rows here)
    synthetic: tuple[float, ...]


def table_summary(
    bundle: ModelBundle, key: str, synthetic: SyntheticTables, real: RealRows | None, verdict: Mapping[str, Any] | None
) -> dict[str, Any]:
    model = bundle.tables[key]
    table = bundle.snapshot.table(key)
    synth = synthetic.tables[key]
    real_rows = len(real.train) + len(real.holdout) if real is not None else None
    if real is not None and len(real.train) + len(real.holdout) < MIN_ROWS:
        real = None
    real_all = _real_frame(real)
    columns = [c for c in model.model_columns if c in synth.columns] if model.method not in ("copy", "skip") else []
    kinds = {c: family(table.column(c).kind) for c in columns}
    privacy = (verdict or {}).get("tables", {}).get(key)
    return {
        "key": key,
        "method": model.method,
        "reason": model.reason,
        "source_rows": model.source_rows,
        "synthetic_rows": len(synth),
        "pii_columns": list(model.pii_columns),
        "text_columns": [f.column for f in model.fills if f.category == "text"] if model.method != "copy" else [],
        "real_rows": real_rows,
        "real_hidden": real_rows is not None and real is None,
        "privacy": privacy,
        "columns": [chart for c in columns if (chart := column_chart(c, kinds[c], real_all, synth, model.histograms.get(c))).labels != ("(other)",)],
        "learnt_histograms": real_all is None and bool(model.histograms),
        "correlation": correlation(columns, kinds, real_all, synth),
        "degrees": degrees(bundle, table, model, synthetic),
        "pca": pca_density(columns, kinds, real_all, synth),
        "distances": distance_histograms(columns, kinds, real, synth),
    }


def _real_frame(real: RealRows | None) -> pd.DataFrame | None:
    if real is None:
        return None
    return pd.concat([real.train, real.holdout], ignore_index=True)


def column_chart(name: str, kind: str, real: pd.DataFrame | None, synth: pd.DataFrame, learnt: Histogram | None = None) -> ColumnChart:
    """Real against synthetic for one column: from the real rows when at hand, else from the
    histogram the bundle learnt at training time (the same bins either way)."""
    if real is None and learnt is not None:
        if learnt.edges:
            return ColumnChart(name, kind, learnt.labels, learnt.shares, histograms.shares(histograms.floats(synth[name], kind), learnt.edges))
        synthetic = histograms.category_shares(histograms.as_labels(synth[name]), learnt.labels)
        return ColumnChart(name, "categorical", learnt.labels, learnt.shares, synthetic)
    if kind in ("numeric", "datetime"):
        syn = histograms.floats(synth[name], kind)
        ref = histograms.floats(real[name], kind) if real is not None else syn
        edges = histograms.bin_edges(ref)
        if edges is not None:
            labels = tuple(histograms.label(e, kind) for e in edges[:-1])
            real_h = histograms.shares(ref, edges, MIN_CELL) if real is not None else None
            return ColumnChart(name, kind, labels, real_h, histograms.shares(syn, edges))
    reference = histograms.categorical(real[name] if real is not None else synth[name])
    synthetic = histograms.category_shares(histograms.as_labels(synth[name]), reference.labels)
    return ColumnChart(name, "categorical", reference.labels, reference.shares if real is not None else None, synthetic)


def _numeric_matrix(columns: Sequence[str], kinds: Mapping[str, str], frame: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    names, data = [], []
    for c in columns:
        kind = kinds[c] if kinds[c] != "boolean" else "numeric"
        if kind not in ("numeric", "datetime"):
            continue
        values = histograms.floats(frame[c], kind)
        if np.isnan(values).all():
            continue
        names.append(c)
        data.append(values)
    return names, (np.column_stack(data) if data else np.empty((len(frame), 0)))


def correlation(columns: Sequence[str], kinds: Mapping[str, str], real: pd.DataFrame | None, synth: pd.DataFrame) -> dict[str, Any] | None:
    names, syn = _numeric_matrix(columns, kinds, synth)
    if len(names) < 2:
        return None
    out: dict[str, Any] = {"columns": names, "synthetic": _corr(syn), "real": None}
    if real is not None:
        out["real"] = _corr(_numeric_matrix(names, kinds, real)[1])
    return out


def _corr(matrix: np.ndarray) -> list[list[float]]:
    frame = pd.DataFrame(matrix)
    return frame.corr().fillna(0.0).round(3).to_numpy().tolist()


def degrees(bundle: ModelBundle, table: Table, model: TableModel, synthetic: SyntheticTables) -> list[dict[str, Any]]:
    """Children per parent for every foreign key: learnt (from the bundle) vs synthetic."""
    out = []
    for fkm in model.foreign_keys:
        parent = synthetic.tables.get(fkm.fk.ref_table)
        child = synthetic.tables[table.key]
        if parent is None or not fkm.degree.values:
            continue
        learnt = np.repeat(np.asarray(fkm.degree.values), np.asarray(fkm.degree.counts))
        made = _children_per_parent(child, parent, list(fkm.fk.columns), list(fkm.fk.ref_columns))
        width = max(1, int(np.ceil(float(np.percentile(learnt, 99.0)) / MAX_DEGREE)))
        labels = [str(v * width) if width == 1 else f"{v * width}-{v * width + width - 1}" for v in range(MAX_DEGREE)]
        out.append({"fk": fkm.fk.label, "parent": fkm.fk.ref_table, "labels": labels + [f"{MAX_DEGREE * width}+"],
                    "real": _degree_shares(learnt, width), "synthetic": _degree_shares(made, width)})
    return out


def _children_per_parent(child: pd.DataFrame, parent: pd.DataFrame, cols: list[str], ref_cols: list[str]) -> np.ndarray:
    if parent.empty or not set(ref_cols) <= set(parent.columns) or not set(cols) <= set(child.columns):
        return np.zeros(0)
    keys = child[cols].dropna().astype(str).agg("\x1f".join, axis=1).value_counts()
    parents = parent[ref_cols].astype(str).agg("\x1f".join, axis=1)
    return parents.map(keys).fillna(0).to_numpy(dtype=float)


def _degree_shares(values: np.ndarray, width: int) -> list[float]:
    capped = np.minimum(values.astype(int) // width, MAX_DEGREE) if len(values) else np.zeros(0, dtype=int)
    counts = np.bincount(capped, minlength=MAX_DEGREE + 1)[: MAX_DEGREE + 1]
    total = max(int(counts.sum()), 1)
    return [float(c) / total for c in counts]


def pca_density(columns: Sequence[str], kinds: Mapping[str, str], real: pd.DataFrame | None, synth: pd.DataFrame) -> dict[str, Any] | None:
    """Both row sets projected on the real rows' first two principal components, as density grids."""
    if real is None:
        return None
    names, ref = _numeric_matrix(columns, kinds, real)
    if len(names) < 2 or len(ref) < MIN_CELL * 4:
        return None
    syn = _numeric_matrix(names, kinds, synth)[1]
    mean, std = np.nanmean(ref, axis=0), np.nanstd(ref, axis=0)
    std[~(std > 0)] = 1.0

    def scaled(m: np.ndarray) -> np.ndarray:
        z = (m - mean) / std
        return np.where(np.isnan(z), 0.0, z)

    _, _, vt = np.linalg.svd(scaled(ref), full_matrices=False)
    p_ref, p_syn = scaled(ref) @ vt[:2].T, scaled(syn) @ vt[:2].T
    lo, hi = np.percentile(p_ref, 1.0, axis=0), np.percentile(p_ref, 99.0, axis=0)
    hi = np.where(hi > lo, hi, lo + 1.0)
    bins = int(np.clip(np.sqrt(len(ref) / (2 * MIN_CELL)), 6, GRID))  # enough rows per cell to show
    real_grid = _grid(p_ref, lo, hi, bins)
    syn_grid = _grid(p_syn, lo, hi, bins)
    suppressed = real_grid < MIN_CELL
    real_grid[suppressed] = 0
    return {"columns": names, "real": _share_grid(real_grid), "synthetic": _share_grid(syn_grid)}


def _grid(points: np.ndarray, lo: np.ndarray, hi: np.ndarray, bins: int) -> np.ndarray:
    clipped = np.clip(points, lo, hi)
    grid, _, _ = np.histogram2d(clipped[:, 0], clipped[:, 1], bins=bins, range=[[lo[0], hi[0]], [lo[1], hi[1]]])
    return grid


def _share_grid(grid: np.ndarray) -> list[list[float]]:
    total = grid.sum()
    return (grid / total if total else grid).round(5).tolist()


def distance_histograms(columns: Sequence[str], kinds: Mapping[str, str], real: RealRows | None, synth: pd.DataFrame) -> dict[str, Any] | None:
    """DCR (distance to the closest training row) and NNDR, synthetic vs holdout rows."""
    if real is None or not columns or len(real.holdout) < MIN_CELL * 4:
        return None
    if all(kinds[c] in ("categorical", "boolean") for c in columns):
        return None
    col = distances.prepare([real.train[columns], real.holdout[columns], synth[columns].reset_index(drop=True)], kinds, columns)
    emb = distances.embed(col)
    rng = np.random.default_rng(0)
    train = emb.values[col.part("train")]

    def nearest_two(part: str) -> np.ndarray:
        rows = emb.values[col.part(part)]
        pick = rng.choice(len(rows), size=min(len(rows), DIST_QUERIES), replace=False)
        dist, _ = distances.nearest(rows[pick], train, emb.is_cat, k=2, norm=float(len(columns)))
        return dist

    hold, syn = nearest_two("holdout"), nearest_two("synthetic")
    top = float(np.percentile(np.concatenate([hold[:, 0], syn[:, 0]]), 99.0)) or 1.0
    dcr_edges = np.linspace(0.0, top, histograms.BINS + 1)
    nndr_edges = np.linspace(0.0, 1.0, histograms.BINS + 1)
    return {
        "dcr": {"labels": [f"{e:.3f}" for e in dcr_edges[:-1]], "holdout": histograms.shares(hold[:, 0], dcr_edges), "synthetic": histograms.shares(syn[:, 0], dcr_edges)},
        "nndr": {"labels": [f"{e:.2f}" for e in nndr_edges[:-1]], "holdout": histograms.shares(_ratio(hold), nndr_edges), "synthetic": histograms.shares(_ratio(syn), nndr_edges)},
    }


def _ratio(dist: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(dist[:, 1] > 0, dist[:, 0] / dist[:, 1], 1.0)
    return np.where(np.isfinite(ratio), ratio, np.nan)
