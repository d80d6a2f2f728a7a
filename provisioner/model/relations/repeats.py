"""Rows whose new values repeat a unique set: the one test behind every step that rewrites some rows'
values after the unique repairs ran (a copy from a parent, the privacy gate's redraw)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from provisioner.schema.snapshot import Table


def sets_holding(table: Table | None, columns: Iterable[str], frame: pd.DataFrame) -> list[list[str]]:
    """The table's unique sets (primary key included) that hold one of ``columns`` and are all in ``frame``."""
    names = set(columns)
    return [list(u) for u in (table.uniques if table is not None else ()) if names & set(u) and set(u) <= set(frame.columns)]


def clashing(frame: pd.DataFrame, sets: list[list[str]], changed: np.ndarray, table: Table | None = None) -> np.ndarray:
    """``changed`` rows that repeat a unique set: all of a repeat but one, and all where an unchanged row
    holds it (unchanged rows come first). A set with a NULL repeats nothing, unless ``table`` declares the
    set ``NULLS NOT DISTINCT``."""
    first = np.argsort(changed, kind="stable")
    clash = np.zeros(len(frame), dtype=bool)
    for cols in sets:
        sub = frame[cols].iloc[first]
        counted = table is not None and table.nulls_not_distinct(tuple(cols))
        clash[first] |= (sub.duplicated(keep="first") & (counted | sub.notna().all(axis=1))).to_numpy()
    return clash & changed
