"""Unique sets made of foreign keys and learnt qualifiers: a salary per employee and ``from_date``, a title
per employee, ``title`` and ``from_date``.

The qualifier columns are learnt by the column model (model/profile.py ``_qualifier``), so two rows of
one parent can draw the same value. The clash is resolved on the qualifier, never by dropping the row
or moving it to another parent (which would change the children-per-parent shape): the last date or
timestamp of the set moves one day (or second) later per repeat; a set without one re-draws the last
category among the values the column holds that the parent does not use yet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.schema.snapshot import Table
from provisioner.synth import repair

TIME_KINDS = frozenset({"date", "timestamp", "timestamptz"})


def spread(frame: pd.DataFrame, table: Table, learnt: frozenset[str], rng: np.random.Generator) -> None:
    """Resolve, in place, repeats of every unique set holding a foreign key and a learnt column."""
    for unique in table.uniques:
        qualifiers = [c for c in unique if c in learnt and c not in table.fk_columns and c in frame]
        if not qualifiers or not set(unique) & table.fk_columns or not set(unique) <= set(frame.columns):
            continue
        if not repair.duplicates(frame, tuple(unique), table).any():
            continue
        times = [c for c in qualifiers if table.column(c).kind in TIME_KINDS]
        if times:
            frame[times[-1]] = repair.spread_times(frame, list(unique), times[-1], table.column(times[-1]).kind).to_numpy()
        else:
            _redraw(frame, table, tuple(unique), qualifiers[-1], rng)


def _redraw(frame: pd.DataFrame, table: Table, unique: tuple[str, ...], name: str, rng: np.random.Generator) -> None:
    """Each repeat gets a value of ``name`` that the column holds and its group (the rest of ``unique``) lacks."""
    values = pd.unique(frame[name].dropna())
    group = [c for c in unique if c != name]
    dups = repair.duplicates(frame, unique, table)
    used = {_as_tuple(k): set(v) for k, v in frame.loc[~dups].groupby(group, dropna=False, sort=False)[name]}
    for row in frame.index[dups]:
        key = tuple(frame.loc[row, group])
        taken = used.get(key, set())
        free = [v for v in values if v not in taken]
        if not free:
            continue  # every value used by this parent: relational.repair_unique moves or drops the row, with a note
        pick = free[int(rng.integers(len(free)))]
        frame.loc[row, name] = pick
        used[key] = taken | {pick}


def _as_tuple(key: object) -> tuple[object, ...]:
    return key if isinstance(key, tuple) else (key,)
