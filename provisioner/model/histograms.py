"""What the report draws as "real" when the source is not at hand: per learnt column, a histogram.

At training time every learnt column of a table with ``MIN_ROWS`` rows or more gets one
histogram, an aggregate the bundle keeps beside the models: numbers and dates in ``BINS`` equal
bins between the 1st and 99th percentile (outliers fold into the end bins, so no real minimum or
maximum is shown), categories as the share of each value seen ``MIN_CELL`` times or more (the rest
is "(other)"); any cell under ``MIN_CELL`` rows is shown empty. A ``load`` from the bundle alone
then draws real against synthetic with the same bins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.columns import codec
from provisioner.columns.codec import to_numbers
from provisioner.model import encoding
from provisioner.schema.snapshot import Table, family

BINS = 20
TOP_CATEGORIES = 12
MIN_CELL = 5
MIN_ROWS = 50
OTHER = "(other)"


@encoding.register
@dataclass(frozen=True)
class Histogram:
    kind: str  # numeric | datetime | categorical | boolean
    labels: tuple[str, ...]  # bin starts, or categories then "(other)"
    shares: tuple[float, ...]  # the real share in each bin or category
    edges: tuple[float, ...] = ()  # numeric and datetime: BINS + 1 edges (datetime: epoch seconds)


def learn(table: Table, frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, Histogram]:
    """A histogram per learnt column, or none when the table is too small to draw without showing rows."""
    if len(frame) < MIN_ROWS:
        return {}
    out = {}
    for name in columns:
        if name not in frame:
            continue
        col = table.column(name)
        kind = family(col.kind)
        found = numeric(frame[name], kind) if codec.is_numeric(col) else categorical(frame[name])
        if found is not None:
            out[name] = found
    return out


def numeric(series: pd.Series, kind: str) -> Histogram | None:
    values = _floats(series, kind)
    edges = bin_edges(values)
    if edges is None:
        return None
    return Histogram(kind, tuple(label(e, kind) for e in edges[:-1]), shares(values, edges, MIN_CELL), tuple(float(e) for e in edges))


def categorical(series: pd.Series) -> Histogram:
    text = as_labels(series)
    counts = text.value_counts()
    keep = [str(v) for v, n in counts.items() if n >= MIN_CELL][:TOP_CATEGORIES]
    labels = (*keep, OTHER)
    return Histogram("categorical", labels, category_shares(text, labels))


def as_labels(series: pd.Series) -> pd.Series:
    return series.astype("object").where(series.notna(), "(null)").astype(str)


def category_shares(text: pd.Series, labels: tuple[str, ...]) -> tuple[float, ...]:
    folded = text.where(text.isin(labels[:-1]), OTHER)
    share = folded.value_counts(normalize=True)
    return tuple(float(share.get(name, 0.0)) for name in labels)


def _floats(series: pd.Series, kind: str) -> np.ndarray:
    if kind == "datetime":
        stamps = pd.to_datetime(codec.without_specials(series), errors="coerce", utc=True)  # '9999-01-01' text: NULL, no warning
        return (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)
    return to_numbers(series).to_numpy(dtype=float)


def floats(series: pd.Series, kind: str) -> np.ndarray:
    """Values as floats on the histogram's axis (datetimes: epoch seconds)."""
    return _floats(series, kind)


def bin_edges(values: np.ndarray) -> np.ndarray | None:
    ok = values[np.isfinite(values)]  # NaN, and the special values infinity and -infinity, are not drawn
    if len(ok) < 2:
        return None
    low, high = np.percentile(ok, [1.0, 99.0])
    if not high > low:
        low, high = float(ok.min()), float(ok.max())
    if not high > low:
        return None
    return np.linspace(low, high, BINS + 1)


def shares(values: np.ndarray, edges: np.ndarray | tuple[float, ...], min_cell: int = 0) -> tuple[float, ...]:
    """Shares per bin; bins under ``min_cell`` rows are shown empty (they could single out a row)."""
    edges = np.asarray(edges, dtype=float)
    ok = np.clip(values[np.isfinite(values)], edges[0], edges[-1])
    counts, _ = np.histogram(ok, edges)
    total = max(int(counts.sum()), 1)
    counts[counts < min_cell] = 0
    return tuple(float(c) / total for c in counts)


def label(edge: float, kind: str) -> str:
    if kind == "datetime":
        return pd.Timestamp(edge, unit="s").strftime("%Y-%m-%d")
    if abs(edge) >= 1000:
        return f"{edge:,.0f}"
    return f"{edge:.3g}"


def of(histograms: Mapping[str, Histogram], name: str) -> Histogram | None:
    return histograms.get(name)
