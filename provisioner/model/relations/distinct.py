"""Two foreign keys into one table that never point at the same row: a flight's departure and arrival
airports, a transfer's source and destination accounts, a match's home and away teams.

Each foreign key picks its parent on its own, so a flight sometimes left from and landed at the same
airport. :func:`learn` finds the pairs of keys into one table that differ on every source row where
both are set (enough rows to tell a rule from chance); :func:`apply` re-picks the parent of the key
that is not the driving one, on a synthetic row where they meet, among the parent's other rows. Only
the two key names are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.model.relations.matching import key_text
from provisioner.model.relations.relational import ForeignKeyModel
from provisioner.schema.snapshot import ForeignKey

MIN_ROWS = 20
ROUNDS = 8


@dataclass(frozen=True)
class DistinctKeys:
    kept: str  # the key left as it is (the driving one when one of the two is)
    moved: str  # the key re-picked where the two meet


def learn(frame: pd.DataFrame, fk_models: Sequence[ForeignKeyModel]) -> tuple[DistinctKeys, ...]:
    keys = [m for m in fk_models if not m.self_ref and set(m.fk.columns) <= set(frame.columns)]
    out = []
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if (a.fk.ref_table, a.fk.ref_columns) != (b.fk.ref_table, b.fk.ref_columns):
                continue
            left, right = key_text(frame, a.fk.columns), key_text(frame, b.fk.columns)
            both = left.notna() & right.notna()
            if both.sum() >= MIN_ROWS and not (left[both] == right[both]).any():
                kept, moved = (b, a) if a.driving else (a, b)
                out.append(DistinctKeys(kept.fk.name, moved.fk.name))
    return tuple(out)


def apply(frame: pd.DataFrame, rule: DistinctKeys, fks: dict[str, ForeignKey], parent: pd.DataFrame, rng: np.random.Generator) -> None:
    """Re-pick, in place, the moved key's parent on rows where the two keys meet (never a NULL key)."""
    kept, moved = fks.get(rule.kept), fks.get(rule.moved)
    if kept is None or moved is None or len(parent) < 2 or not set(kept.columns) | set(moved.columns) <= set(frame.columns):
        return
    for _ in range(ROUNDS):
        left, right = key_text(frame, kept.columns), key_text(frame, moved.columns)
        bad = np.flatnonzero((left.notna() & right.notna() & (left == right)).to_numpy())
        if not len(bad):
            return
        rows = rng.integers(0, len(parent), len(bad))
        for child_col, parent_col in zip(moved.columns, moved.ref_columns):
            values = frame[child_col].to_numpy(dtype=object, copy=True)
            values[bad] = parent[parent_col].to_numpy(dtype=object)[rows]
            frame[child_col] = values
