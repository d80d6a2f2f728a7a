"""A row's path down a self-referencing hierarchy, kept as text beside the parent key: a category's
``parent_path`` '1/4/9/' (its ancestors' keys and its own), its ``complete_name`` 'All / Office / Desks'.

The column model samples such a column as free text ('Committee'), so no synthetic path agreed with its
parent key (60 of 60 categories in tests/sql/unseen_erp.sql), and whatever reads the path (Odoo's
``child_of`` searches, breadcrumbs) found nothing. :func:`learn` finds, for each self-referencing key, the
text columns that are on every source row the parent's value, a separator, the row's own value of a column
(the key itself, or a name) and a constant ending; only the column names and the two separators are kept
(at most ``MAX_SEPARATOR`` characters, none a letter or digit). :func:`apply` writes the paths again from
the roots down, one level at a time, once the synthetic parent keys and names are final. A row whose parent
is not among the rows made together (another shard) keeps its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.model.relations.matching import key_text
from provisioner.model.relations.relational import ForeignKeyModel
from provisioner.schema.snapshot import TEXT_KINDS, ForeignKey, Table

MIN_ROWS = 20
MAX_SEPARATOR = 5


@dataclass(frozen=True)
class PathOf:
    column: str  # the path
    fk_name: str  # the self-referencing key
    own: str  # the row's column the path ends with
    joiner: str  # between the parent's path and the row's own value
    ending: str  # after the row's own value


def learn(table: Table, frame: pd.DataFrame, fk_models: Sequence[ForeignKeyModel]) -> tuple[PathOf, ...]:
    out = []
    texts = [c.name for c in table.columns if c.kind in TEXT_KINDS and c.name in frame and c.name not in table.fk_columns]
    for model in fk_models:
        fk = model.fk
        if not model.self_ref or len(fk.columns) != 1 or not {fk.columns[0], fk.ref_columns[0]} <= set(frame.columns):
            continue
        position = _parent_positions(frame, fk)
        for column in texts:
            found = next((r for own in (fk.ref_columns[0], *texts) if own != column
                          and (r := _fit(frame, column, own, fk.name, position)) is not None), None)
            out += [found] if found is not None else []
    return tuple(out)


def _parent_positions(frame: pd.DataFrame, fk: ForeignKey) -> np.ndarray:
    """Each row's parent row (-1: no parent key, -2: a parent key that is not among the rows)."""
    index = pd.Series(np.arange(len(frame)), index=key_text(frame, fk.ref_columns).to_numpy())
    index = index[~index.index.duplicated()]
    keys = key_text(frame, fk.columns)
    return np.where(keys.isna(), -1, keys.map(index).fillna(-2).to_numpy(dtype=float)).astype(np.int64)


def _text(series: pd.Series) -> np.ndarray:
    """Values as text, whole numbers without a decimal point (a key 4, not '4.0'); None for NULL."""
    values = series.reset_index(drop=True)
    missing = values.isna().to_numpy()
    numbers = pd.to_numeric(values, errors="coerce") if not (values.dtype == object and values.map(lambda v: isinstance(v, str)).any()) else None
    if numbers is not None and numbers.notna().sum() == (~missing).sum() and (numbers.dropna() % 1 == 0).all():
        text = numbers.astype("Int64").astype(str).to_numpy(dtype=object)
    else:
        text = values.astype(str).to_numpy(dtype=object)
    text[missing] = None
    return text


def _fit(frame: pd.DataFrame, column: str, own: str, fk_name: str, position: np.ndarray) -> PathOf | None:
    path, mine = _text(frame[column]), _text(frame[own])
    roots, children = np.flatnonzero(position == -1), np.flatnonzero(position >= 0)
    if not len(roots) or len(children) < MIN_ROWS or pd.isna(path).any() or pd.isna(mine).any() or (position == -2).any():
        return None
    root, child = roots[0], children[0]
    if not path[root].startswith(mine[root]):
        return None
    ending = path[root][len(mine[root]):]
    above, tail = path[position[child]], mine[child] + ending
    if not (path[child].startswith(above) and path[child].endswith(tail)) or len(path[child]) < len(above) + len(tail):
        return None
    joiner = path[child][len(above): len(path[child]) - len(tail)]
    if len(joiner) > MAX_SEPARATOR or len(ending) > MAX_SEPARATOR or any(c.isalnum() for c in joiner + ending):
        return None
    rule = PathOf(column, fk_name, own, joiner, ending)
    made = _paths(rule, position, mine, path)
    return rule if (made == path).all() else None


def _paths(rule: PathOf, position: np.ndarray, mine: np.ndarray, before: np.ndarray) -> np.ndarray:
    """The paths from the roots down; a row not reached (a parent elsewhere, a loop) keeps ``before``."""
    out = before.copy()
    done = position == -1
    out[done] = mine[done] + rule.ending
    waiting = position >= 0
    while True:
        ready = waiting & ~done
        ready[ready] = done[position[ready]]
        if not ready.any():
            return out
        out[ready] = out[position[ready]] + rule.joiner + mine[ready] + rule.ending
        done |= ready


def apply(frame: pd.DataFrame, rule: PathOf, fk: ForeignKey) -> None:
    """Write ``rule.column`` from the synthetic parent keys and own values, in place."""
    if not {rule.column, rule.own, *fk.columns, *fk.ref_columns} <= set(frame.columns) or not len(frame):
        return
    mine = _text(frame[rule.own])
    position = _parent_positions(frame, fk)
    made = _paths(rule, np.where(pd.isna(mine), -2, position), np.where(pd.isna(mine), "", mine).astype(object),
                  frame[rule.column].to_numpy(dtype=object, copy=True))
    frame[rule.column] = made
