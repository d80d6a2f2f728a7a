"""Reading the source: capped, seeded row samples, column roles and statistics.

Every column of every table gets one *role* that decides who produces its
synthetic values:

``key``        primary/foreign key columns: the relational sampler.
``pii``        detected personal data: Faker (never learnt).
``text``       high-cardinality or long free text: Faker text of a similar length
               (never learnt, so titles and notes cannot leak verbatim).
``model``      everything a tabular model can learn (numbers, dates, booleans,
               low-cardinality categories and enums).
``lookup``     FK columns into a copied lookup table: learnt as categories.
``rule``       types no tabular model handles (uuid, json, arrays, bytea, ranges,
               inet, tsvector): generated from the type and simple statistics.
``computed``   STORED generated columns: PostgreSQL computes them; never written.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql
from sqlalchemy import Connection

from provisioner.pg.connect import run
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    NUMERIC_KINDS,
    TEXT_KINDS,
    Column,
    Table,
)

MODEL_KINDS = NUMERIC_KINDS | {"boolean", "date", "timestamp", "timestamptz", "time", "interval", "enum"} | TEXT_KINDS
HIGH_CARD_SHARE = 0.5
HIGH_CARD_MIN = 20
MAX_CATEGORIES = 200
LONG_TEXT = 60


@dataclass(frozen=True)
class ColumnStats:
    """Aggregates only: never a value of the source."""

    null_rate: float
    mean_length: float | None = None
    distinct_share: float | None = None
    min_value: float | None = None
    max_value: float | None = None


def read_rows(conn: Connection, table: Table, cap: int, seed: int) -> pd.DataFrame:
    """Up to ``cap`` rows, a repeatable random sample when the table is larger (every name quoted by psycopg)."""
    names = [c.name for c in table.columns if c.insertable]
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in names)
    order = sql.SQL(", ").join(sql.Identifier(c) for c in table.primary_key) if table.primary_key else sql.SQL("1")
    if table.row_count <= cap:
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(cols, table.ident, order)
    else:
        share = min(100.0, 100.0 * cap * 1.2 / max(table.row_count, 1))
        query = sql.SQL("SELECT {} FROM {} TABLESAMPLE BERNOULLI ({}) REPEATABLE ({}) ORDER BY {} LIMIT {}").format(
            cols, table.ident, sql.Literal(round(share, 6)), sql.Literal(seed % 2_147_483_647), order, sql.Literal(int(cap)))
    frame = pd.DataFrame(run(conn, query).fetchall(), columns=names)
    return normalise(frame, table)


def normalise(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Turn driver objects (Decimal, date, timedelta) into pandas dtypes."""
    out = frame.copy()
    for col in table.columns:
        if col.name not in out:
            continue
        out[col.name] = _normalise_series(out[col.name], col)
    return out


def _normalise_series(series: pd.Series, col: Column) -> pd.Series:
    if col.kind in INTEGER_KINDS:
        return pd.to_numeric(series, errors="coerce").astype("Int64")
    if col.kind in NUMERIC_KINDS:
        return pd.to_numeric(series.map(lambda v: float(v) if isinstance(v, decimal.Decimal) else v), errors="coerce").astype(float)
    if col.kind in ("date", "timestamp"):
        return pd.to_datetime(series, errors="coerce")
    if col.kind == "timestamptz":
        return pd.to_datetime(series, errors="coerce", utc=True)
    if col.kind == "interval":
        return series.map(lambda v: v.total_seconds() if isinstance(v, dt.timedelta) else np.nan).astype(float)
    if col.kind == "time":
        return series.map(lambda v: v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6 if isinstance(v, dt.time) else np.nan).astype(float)
    if col.kind == "boolean":
        return series.astype("boolean")
    return series


def split_holdout(frame: pd.DataFrame, share: float, min_rows: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded train/holdout split; tiny tables keep every row for training."""
    if len(frame) < min_rows or share <= 0:
        return frame.reset_index(drop=True), frame.iloc[0:0].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(frame))
    cut = int(round(len(frame) * (1 - share)))
    return frame.iloc[np.sort(order[:cut])].reset_index(drop=True), frame.iloc[np.sort(order[cut:])].reset_index(drop=True)


def stats_of(series: pd.Series, col: Column) -> ColumnStats:
    n = len(series)
    nulls = float(series.isna().mean()) if n else 0.0
    present = series.dropna()
    mean_len = None
    distinct = None
    lo = hi = None
    if col.kind in TEXT_KINDS or col.kind in ("bytea", "json", "jsonb", "array"):
        lengths = present.map(lambda v: len(v) if hasattr(v, "__len__") else len(str(v)))
        mean_len = float(lengths.mean()) if len(lengths) else None
    if len(present):
        distinct = float(present.astype(str).nunique() / len(present)) if col.kind in TEXT_KINDS else None
        if col.kind in NUMERIC_KINDS:
            lo, hi = float(present.min()), float(present.max())
    return ColumnStats(null_rate=nulls, mean_length=mean_len, distinct_share=distinct, min_value=lo, max_value=hi)


def role_of(
    col: Column, table: Table, stats: ColumnStats, pii_columns: frozenset[str], n_rows: int, lookups: frozenset[str] = frozenset()
) -> str:
    if not col.insertable:
        return "computed"
    if col.name in lookups:
        return "lookup"
    if col.name in table.primary_key or col.name in table.fk_columns:
        return "key"
    if col.name in pii_columns:
        return "pii"
    if col.kind in TEXT_KINDS and _free_text(stats, n_rows):
        return "text"
    if col.kind in MODEL_KINDS:
        return "model"
    return "rule"


def _free_text(stats: ColumnStats, n_rows: int) -> bool:
    distinct = (stats.distinct_share or 0.0) * n_rows * (1 - stats.null_rate)
    high_card = (stats.distinct_share or 0.0) > HIGH_CARD_SHARE and distinct > HIGH_CARD_MIN
    return high_card or distinct > MAX_CATEGORIES or (stats.mean_length or 0.0) > LONG_TEXT


def lookup_columns(table: Table, copied: set[str]) -> frozenset[str]:
    """FK columns into a copied lookup table that no unique key uses.

    The lookup's keys are copied verbatim, so such a column is a plain category
    of the child (genre_id of a track): the column model learns it with the
    rest, which keeps the real popularity of each genre and its correlations.
    """
    in_unique = {c for cols in table.uniques for c in cols}
    out: set[str] = set()
    for fk in table.foreign_keys:
        if fk.ref_table in copied and fk.ref_table != table.key and not set(fk.columns) & in_unique:
            out |= set(fk.columns)
    return frozenset(out)


def roles_of(
    table: Table, frame: pd.DataFrame, pii_columns: frozenset[str], lookups: frozenset[str] = frozenset()
) -> tuple[Mapping[str, str], Mapping[str, ColumnStats]]:
    stats = {c.name: stats_of(frame[c.name], c) for c in table.columns if c.name in frame}
    roles = {
        c.name: role_of(c, table, stats.get(c.name, ColumnStats(0.0)), pii_columns, len(frame), lookups)
        for c in table.columns
    }
    return roles, stats
