"""Child counts as parent columns: the idea behind SDV's HMA, on any schema.

For every parent, the number of children each of its rows has (per driving
foreign key of a child table) becomes one more column of the parent's model.
The model then learns how child counts move with the parent's other columns
(big invoices have many lines), and sampling a parent row yields its child
count. Only aggregates of the source are learnt: counts, never child rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from psycopg import sql
from sqlalchemy import Connection

from provisioner.columns.base import CONDITION
from provisioner.columns.codec import to_numbers
from provisioner.model.relations.relational import ForeignKeyModel
from provisioner.pg.connect import run
from provisioner.schema.snapshot import Column, Table

PREFIX = "__children__"


@dataclass(frozen=True)
class CopiedCounts:
    """Children per row of a copied (lookup) table, in the order of its copied rows: the copy's rows
    are the source's, so its children-per-row are kept as they were (the "Music" playlist keeps
    its thousands of tracks, an empty playlist stays empty), as a learnt column would be."""

    column: str  # column_name(child, fk)
    values: np.ndarray


def column_name(child: str, fk_name: str) -> str:
    return f"{PREFIX}{child}__{fk_name}"


def count_column(name: str) -> Column:
    return Column(name=name, type="integer", kind="integer", nullable=False)


def children_of(parent: str, fk_models: Mapping[str, tuple[ForeignKeyModel, ...]]) -> list[tuple[str, ForeignKeyModel]]:
    """(child table, driving FK model) pairs whose driving FK points at ``parent``."""
    return [
        (child, m) for child, models in sorted(fk_models.items()) for m in models
        if m.driving and m.fk.ref_table == parent and child != parent
    ]


def _comparable(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].reset_index(drop=True).copy()
    for col in columns:
        numeric = to_numbers(out[col])
        out[col] = numeric if numeric.notna().sum() == out[col].notna().sum() else out[col].astype(str)
    return out


def parent_attributes(child: pd.DataFrame, fk: ForeignKeyModel, parent: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The parent's ``columns`` for every child row (NULL where no parent), named ``__parent__<col>``."""
    keys = _comparable(child, list(fk.fk.columns))
    keys.columns = list(fk.fk.ref_columns)
    right = _comparable(parent, list(fk.fk.ref_columns))
    for col in columns:
        right[CONDITION + col] = parent[col].to_numpy()
    right = right.drop_duplicates(subset=list(fk.fk.ref_columns))
    merged = keys.merge(right, how="left", on=list(fk.fk.ref_columns))
    return merged[[CONDITION + c for c in columns]].set_index(child.index)


def given_for(picks: np.ndarray, parent: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The synthetic parent's ``columns`` for each child row (picks = parent row, -1 = none)."""
    out = {}
    valid = picks >= 0
    for col in columns:
        values = pd.Series(parent[col].to_numpy()[np.where(valid, picks, 0)] if len(parent) else [None] * len(picks))
        out[CONDITION + col] = values.where(pd.Series(valid), None)
    return pd.DataFrame(out)


def counts_for(conn: Connection, child: Table, fk: ForeignKeyModel, parent_frame: pd.DataFrame) -> pd.Series:
    """Children per row of ``parent_frame`` (0 where none), aligned to its index."""
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in fk.fk.columns)
    not_null = sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in fk.fk.columns)
    rows = run(conn, sql.SQL("SELECT {}, count(*) AS n FROM {} WHERE {} GROUP BY {}").format(cols, child.ident, not_null, cols)).fetchall()
    refs = list(fk.fk.ref_columns)
    found = pd.DataFrame(rows, columns=[*refs, "__n"])
    counts = _comparable(found, refs).assign(__n=found["__n"].to_numpy())
    merged = _comparable(parent_frame, refs).merge(counts, how="left", on=refs)
    return pd.Series(to_numbers(merged["__n"]).fillna(0).to_numpy(dtype=np.int64), index=parent_frame.index)


def clean_counts(values: pd.Series, model: ForeignKeyModel) -> np.ndarray:
    """Sampled counts as non-negative integers inside the learnt range."""
    top = max(model.degree.values) if model.degree.values else 0
    return np.clip(np.round(to_numbers(values).fillna(0).to_numpy(dtype=float)), 0, top).astype(np.int64)
