"""Unique indexes on ``lower(column)`` / ``upper(column)`` kept without a database: for exported files.

A load lets PostgreSQL evaluate any expression index (pgunique.py); ``provisioner sample`` writes
files with no database at hand, so Faker's e-mails, unique only as written, repeated under
Rails' ``UNIQUE (lower(email))`` and ``psql -f synthetic.sql`` stopped at the first repeat.
:func:`conform` evaluates the keys it can in pandas (a plain column, ``lower``/``upper`` of one,
casts to text) for an index without a predicate, and bumps the rows that repeat an earlier one,
as the load does; an index with any other expression is left to the database.
"""

from __future__ import annotations

import re

import pandas as pd

from provisioner.load.pgunique import expression_uniques
from provisioner.schema.snapshot import INTEGER_KINDS, NUMERIC_KINDS, TEXT_KINDS, Table
from provisioner.synth import repair

ROUNDS = 3
_KEY = re.compile(r'^\(*(?:(?P<fn>lower|upper)\()?\(*"?(?P<col>[^"()]+?)"?\)*(?:::[\w ]+)?\)*$', re.IGNORECASE)


def _key(item: str, frame: pd.DataFrame) -> tuple[str, str | None] | None:
    """(column, 'lower' | 'upper' | None) of an index key this module can evaluate, else None."""
    match = _KEY.match(item.strip())
    if match is None or match["col"] not in frame:
        return None
    return match["col"], (match["fn"] or "").lower() or None


def _values(frame: pd.DataFrame, column: str, fn: str | None) -> pd.Series:
    series = frame[column].reset_index(drop=True)
    if fn is None:
        return series.astype(object)
    text = series.astype(object).where(series.isna(), series.astype(str))
    return text.str.lower() if fn == "lower" else text.str.upper()


def _repeats(frame: pd.DataFrame, keys: list[tuple[str, str | None]]) -> pd.Series:
    values = pd.concat([_values(frame, c, fn) for c, fn in keys], axis=1)
    present = values.notna().all(axis=1)
    return present & values.where(present).duplicated(keep="first")


def conform(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """``frame`` with no repeat under the table's unique indexes on lower/upper of columns it can evaluate."""
    out = frame
    for _, items, predicate in expression_uniques(table) if not frame.empty else []:
        keys = [_key(item, out) for item in items]
        if predicate or any(k is None for k in keys):
            continue
        found = [k for k in keys if k is not None]
        movable = tuple(c for c, _ in found if c not in table.primary_key and c not in table.fk_columns
                        and table.column(c).kind in INTEGER_KINDS | NUMERIC_KINDS | TEXT_KINDS)
        for _ in range(ROUNDS):
            dups = _repeats(out, found)
            if not dups.any() or not movable:
                break
            out = out.reset_index(drop=True).copy()
            repair.bump(out, dups, movable, table)
    return out
