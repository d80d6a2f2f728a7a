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
``external``   an integer or uuid column named like a key (``*_id``, ``*_uuid``,
               ``*_ref``) with no declared foreign key: a key into another system.
               New values with the source's frequency profile (how many rows share
               a value), never its values; never given to a model or the gate.
``parts``      a range or composite column, made of its *part* columns (a range's
               lower bound and length, a composite's attributes), which get roles of
               their own and are put together after sampling (synth/parts.py).
``rule``       types no tabular model handles (uuid, json, hstore, arrays, bytea,
               inet, tsvector): generated from the learnt shape (array lengths and
               elements, JSON and hstore key sets) or the type.
``computed``   STORED generated columns: PostgreSQL computes them; never written.

Partition-key columns of LIST and RANGE partitioned tables are always ``model``
(unless they alone are the primary key), so every partition, DEFAULT included,
gets its share. Special values (``infinity``, BC dates, ``NaN``) are read as their
PostgreSQL text and kept as a share of the column (:mod:`provisioner.columns.codec`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from psycopg import sql
from sqlalchemy import Connection

from provisioner.columns import codec
from provisioner.columns.codec import to_numbers
from provisioner.model import pii, special
from provisioner.model.relations.relational import Degree
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    NUMERIC_KINDS,
    TEXT_KINDS,
    Column,
    Table,
)
from provisioner.schema.values import literal

MODEL_KINDS = NUMERIC_KINDS | {"boolean", "date", "timestamp", "timestamptz", "time", "interval", "enum"} | TEXT_KINDS
QUALIFIER_KINDS = frozenset({"date", "timestamp", "timestamptz", "enum"}) | TEXT_KINDS  # see _qualifier
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
    specials: tuple[tuple[str, float], ...] = ()  # special values ('infinity', 'NaN', a BC date) and their share of rows
    shape: Any = None  # the learnt shape of arrays, JSON, hstore (shapes.ValueShape) or a range's bounds (shapes.RangeShape)
    frequency: Degree | None = None  # external keys: how many distinct values are shared by 1, 2, ... rows


def read_rows(conn: Connection, table: Table, cap: int, seed: int) -> pd.DataFrame:
    """Up to ``cap`` rows, a repeatable random sample when the table is larger (every name quoted by psycopg)."""
    names = [c.name for c in table.columns if c.stored]
    cols = sql.SQL(", ").join(_selected(c) for c in table.columns if c.stored)
    order = sql.SQL(", ").join(sql.Identifier(c) for c in table.primary_key) if table.primary_key else sql.SQL("1")
    # ONLY: a parent of table inheritance (INHERITS) would also return its children's rows (each is a table of its own)
    source = sql.SQL("ONLY {}").format(table.ident) if not table.partition_key else table.ident
    if table.row_count <= cap:
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(cols, source, order)
    else:
        share = min(100.0, 100.0 * cap * 1.2 / max(table.row_count, 1))
        query = sql.SQL("SELECT {} FROM {} TABLESAMPLE BERNOULLI ({}) REPEATABLE ({}) ORDER BY {} LIMIT {}").format(
            cols, source, sql.Literal(round(share, 6)), sql.Literal(seed % 2_147_483_647), order, sql.Literal(int(cap)))
    frame = pd.DataFrame(special.fetch(conn, query), columns=names, dtype=object)  # keeps NaN apart from NULL
    return normalise(frame, table)


def _selected(col: Column) -> sql.Composable:
    """A column as read: money as numeric (its text is written in the server's lc_monetary, "$1,234.56")."""
    if col.type == "money":
        return sql.SQL("{}::numeric AS {}").format(sql.Identifier(col.name), sql.Identifier(col.name))
    return sql.Identifier(col.name)


def normalise(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Turn driver objects (Decimal, date, timedelta, ranges, records) into pandas dtypes; special values
    become their text (columns/codec.py); range and composite columns get their part columns."""
    out = frame.copy()
    for col in table.columns:
        if col.name not in out or col.part_of is not None:
            continue
        if table.parts(col.name):
            for name, values in special.split_parts(out[col.name], col, table.parts(col.name)).items():
                out[name] = _normalise_series(values, table.column(name))
            out[col.name] = out[col.name].map(literal)
            continue
        out[col.name] = _normalise_series(out[col.name], col)
    return out


def _normalise_series(series: pd.Series, col: Column) -> pd.Series:
    if col.kind in INTEGER_KINDS:
        return to_numbers(series).astype("Int64")
    if col.kind in NUMERIC_KINDS or col.kind in ("date", "timestamp", "timestamptz"):
        return special.numbers_and_times(series, col)
    if col.kind == "interval":
        return series.map(lambda v: v.total_seconds() if isinstance(v, dt.timedelta) else np.nan).astype(float)
    if col.kind == "time":
        return series.map(lambda v: v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6 if isinstance(v, dt.time) else np.nan).astype(float)
    if col.kind == "boolean":
        return series.map(lambda v: {"t": True, "f": False}.get(v, v) if isinstance(v, str) else v).astype("boolean")
    if col.kind == "range":
        return series.map(literal)
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
    specials = special.shares(series) if col.kind in NUMERIC_KINDS or col.kind in ("date", "timestamp", "timestamptz") else ()
    present = codec.without_specials(series).dropna() if specials else series.dropna()
    mean_len = None
    distinct = None
    lo = hi = None
    if col.kind in TEXT_KINDS or col.kind in ("bytea", "json", "jsonb", "array", "hstore", "tsvector"):
        lengths = present.map(lambda v: len(v) if hasattr(v, "__len__") else len(str(v)))
        mean_len = float(lengths.mean()) if len(lengths) else None
    if len(present):
        distinct = float(present.astype(str).nunique() / len(present)) if col.kind in TEXT_KINDS else None
        if col.kind in NUMERIC_KINDS:
            numbers = to_numbers(present).dropna()
            lo, hi = (float(numbers.min()), float(numbers.max())) if len(numbers) else (None, None)
    return ColumnStats(null_rate=nulls, mean_length=mean_len, distinct_share=distinct, min_value=lo, max_value=hi,
                       specials=specials, shape=special.shape_of(series, col, pii.looks_personal))


def role_of(
    col: Column, table: Table, stats: ColumnStats, pii_columns: frozenset[str], n_rows: int, lookups: frozenset[str] = frozenset(),
    kept: frozenset[str] = frozenset(),
) -> str:
    """The column's role; ``kept``: columns set ``keep: true`` in the config, learnt from their real values."""
    if not col.insertable:
        return "computed"
    if col.name in lookups:
        return "lookup"
    if col.name in partition_model_columns(table):
        return "model"
    if col.name in table.fk_columns or col.name in table.primary_key and not _qualifier(col, table, stats, n_rows, pii_columns):
        return "key"
    if table.parts(col.name):
        return "parts"
    if col.name in pii_columns:
        return "pii"
    if col.name in kept and col.kind in MODEL_KINDS:
        return "model"
    if is_external(col, table):
        return "external"
    if col.kind in TEXT_KINDS and _free_text(stats, n_rows):
        return "text"
    if col.kind in MODEL_KINDS:
        return "model"
    return "rule"


def _qualifier(col: Column, table: Table, stats: ColumnStats, n_rows: int, pii_columns: frozenset[str]) -> bool:
    """A date, time, enum or category column beside a foreign key in a composite primary key (a salary's
    ``from_date``, an employee's ``title``): a value of the row, learnt by the column model and made unique
    per parent when sampled (synth/qualifiers.py), not a made-up counter. Numbers (line numbers) stay keys."""
    return (len(table.primary_key) > 1 and bool(set(table.primary_key) & table.fk_columns) and col.kind in QUALIFIER_KINDS
            and col.name not in pii_columns and col.identity is None and col.sequence is None
            and not (col.kind in TEXT_KINDS and _free_text(stats, n_rows)))


EXTERNAL_SUFFIXES = frozenset({"id", "uuid", "ref", "guid"})


def is_external(col: Column, table: Table) -> bool:
    """An integer or uuid column named like a key (``user_id``, ``accountUuid``, ``order_ref``) that is
    neither a primary nor a declared foreign key: a key into another system (an external key)."""
    if col.kind not in INTEGER_KINDS and col.kind != "uuid" or col.part_of is not None:
        return False
    if col.name in table.primary_key or col.name in table.fk_columns:
        return False
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", col.name).lower()) if w]
    return (len(words) >= 2 and words[-1] in EXTERNAL_SUFFIXES) or (len(words) == 1 and words[0].endswith(("uuid", "guid")) and len(words[0]) > 4)


def partition_model_columns(table: Table) -> frozenset[str]:
    """Columns of a LIST or RANGE partition key, learnt as categories or values so each partition gets its
    share; a column that alone is the primary key, or that is a foreign key, stays a key."""
    if not table.partition_key or table.partition_key.upper().startswith("HASH"):
        return frozenset()
    lone_key = tuple(table.primary_key) if len(table.primary_key) == 1 else ()
    return frozenset(c for c in table.partition_columns if c not in lone_key and c not in table.fk_columns)


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
    table: Table, frame: pd.DataFrame, pii_columns: frozenset[str], lookups: frozenset[str] = frozenset(),
    kept: frozenset[str] = frozenset(),
) -> tuple[Mapping[str, str], Mapping[str, ColumnStats]]:
    stats = {c.name: stats_of(frame[c.name], c) for c in table.columns if c.name in frame}
    roles = {
        c.name: role_of(c, table, stats.get(c.name, ColumnStats(0.0)), pii_columns, len(frame), lookups, kept)
        for c in table.columns
    }
    for name, role in roles.items():
        if role == "external" and name in frame:
            stats[name] = dataclasses.replace(stats[name], frequency=special.frequency(frame[name]))
    return roles, stats
