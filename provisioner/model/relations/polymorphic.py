"""A polymorphic association: a ``<name>_type`` column names the table its ``<name>_id`` points into.

Rails' ``comments.commentable_type`` holds 'Post' or 'Photo' and ``commentable_id`` a key of
``posts`` or ``photos``; Active Storage's attachments hold ``record_type`` / ``record_id``. No
foreign key can be declared, so the id column is an external key: new values that point at no
row. :func:`learn` finds, on the source rows, the ``<name>_type`` / ``<name>_id`` pairs whose type
values each name a table (the class name in snake case, singular or plural, namespaces joined
by ``_``: 'ActiveStorage::Blob' names ``active_storage_blobs``) whose single-column key holds every
id of that type (:class:`Polymorphic`: the type values and table names, never an id). Once those
tables are made, :func:`apply` gives each synthetic row of a type a key of a synthetic row of its
table, so every id points at a row of the type the row names; a row that then repeats another
under a unique index holding the id (a has_one: ``UNIQUE (record_type, record_id, name)``) takes a
row of its type that no row points at yet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.schema.snapshot import INTEGER_KINDS, SchemaSnapshot, Table

MAX_TYPES = 64
_TEXT = {"text", "varchar", "char"}


@dataclass(frozen=True)
class Polymorphic:
    type_column: str
    id_column: str
    targets: tuple[tuple[str, str, str], ...]  # (type value, table key, its key column)
    uniques: tuple[tuple[str, ...], ...] = ()  # the table's unique column sets holding the id column

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(t for _, t, _ in self.targets)


def rules_of(rules: Sequence[object]) -> list[Polymorphic]:
    return [r for r in rules if isinstance(r, Polymorphic)]


def table_forms(value: str) -> set[str]:
    """The table names a class name stands for: 'ActiveStorage::Blob' -> active_storage_blob(s)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value.replace("::", "_")).lower()
    forms = {snake, snake + "s", snake + "es"}
    return forms | ({snake[:-1] + "ies"} if snake.endswith("y") else set())


def _pairs(table: Table) -> list[tuple[str, str]]:
    names = {c.name: c for c in table.columns}
    declared = {c for fk in table.foreign_keys for c in fk.columns}
    out = []
    for col in table.columns:
        stem = col.name[: -len("_type")] if col.name.endswith("_type") else ""
        other = names.get(stem + "_id")
        if stem and col.kind in _TEXT and other is not None and other.kind in INTEGER_KINDS | {"uuid"} and other.name not in declared:
            out.append((col.name, other.name))
    return out


def _target(snapshot: SchemaSnapshot, value: str, ids: pd.Series, frames: Mapping[str, pd.DataFrame]) -> tuple[str, str] | None:
    forms = table_forms(value)
    for parent in snapshot.tables:
        pk = parent.primary_key
        if parent.name.lower() not in forms or len(pk) != 1 or parent.key not in frames:
            continue
        keys = set(frames[parent.key][pk[0]].dropna().map(str))
        if ids.dropna().map(str).isin(keys).all():
            return parent.key, pk[0]
    return None


def learn(snapshot: SchemaSnapshot, table: Table, frame: pd.DataFrame, frames: Mapping[str, pd.DataFrame]) -> tuple[Polymorphic, ...]:
    """The polymorphic pairs of ``table`` (read in full, as ``frames`` are) that hold on every source row."""
    out = []
    for type_column, id_column in _pairs(table):
        if type_column not in frame or id_column not in frame:
            continue
        values = frame[type_column].dropna().unique()
        if not 1 <= len(values) <= MAX_TYPES:
            continue
        targets = []
        for value in sorted(map(str, values)):
            found = _target(snapshot, value, frame.loc[frame[type_column] == value, id_column], frames)
            if found is not None:
                targets.append((value, *found))
        if targets:
            uniques = tuple(u for u in table.uniques if id_column in u)
            out.append(Polymorphic(type_column, id_column, tuple(targets), uniques))
    return tuple(out)


def apply(frame: pd.DataFrame, rule: Polymorphic, tables: Mapping[str, pd.DataFrame], rng: np.random.Generator) -> None:
    """Each row of a type the rule knows takes the key of a synthetic row of that type's table."""
    if rule.type_column not in frame or rule.id_column not in frame:
        return
    ids = frame[rule.id_column].to_numpy(dtype=object, copy=True)
    types = frame[rule.type_column].astype(object).to_numpy()
    present = frame[rule.id_column].notna().to_numpy()
    for value, key, column in rule.targets:
        rows = np.flatnonzero((types == value) & present)
        keys = tables[key][column].dropna().to_numpy(dtype=object) if key in tables else np.array([], dtype=object)
        if len(rows) and len(keys):
            ids[rows] = rng.choice(keys, size=len(rows))
    frame[rule.id_column] = pd.Series(ids, index=frame.index).astype(frame[rule.id_column].dtype, errors="ignore")
    for unique in rule.uniques:
        _unrepeat(frame, rule, unique, tables, rng)


def _unrepeat(frame: pd.DataFrame, rule: Polymorphic, unique: tuple[str, ...], tables: Mapping[str, pd.DataFrame],
              rng: np.random.Generator) -> None:
    """Rows repeating an earlier row's ``unique`` columns take a key of their type no row of it holds yet
    (a has_one association: UNIQUE (record_type, record_id, name)); where none is left, they keep theirs."""
    if not set(unique) <= set(frame.columns):
        return
    for value, key, column in rule.targets:
        of_type = (frame[rule.type_column].astype(object) == value).to_numpy()
        repeats = np.flatnonzero(of_type & frame.duplicated(subset=list(unique)).to_numpy() & frame[list(unique)].notna().all(axis=1).to_numpy())
        if not len(repeats) or key not in tables:
            continue
        used = set(frame.loc[of_type, rule.id_column].dropna().map(str))
        keys = tables[key][column].dropna()
        free = keys[~keys.map(str).isin(used)].to_numpy()  # the key column's own dtype
        take = min(len(free), len(repeats))
        if take:
            at = frame.columns.get_loc(rule.id_column)
            frame.iloc[repeats[:take], at] = rng.choice(free, size=take, replace=False)
