"""Sampled numbers kept inside what their column's type holds.

A rule applied after the column model (rounding onto the source's grid, an inherited ratio, a
child count) can move a value just past its type's limit: 999.6 rounded to a whole number is
1000, which ``numeric(5,2)`` cannot hold, and 32767 rounded to tens is 32770, past ``smallint``.
PostgreSQL would refuse the whole COPY, so such values are pulled back to the type's largest
(or smallest) value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers
from provisioner.schema.snapshot import Column, Table

_INTEGER_LIMITS = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63 - 2**10}  # bigint: as far as a float holds it


def limits(col: Column) -> tuple[float, float] | None:
    """The smallest and largest value ``col``'s type holds, or None when it is not a bounded number."""
    if col.kind in _INTEGER_LIMITS:
        top = _INTEGER_LIMITS[col.kind]
        return -float(top), float(top - 1)
    if col.kind == "numeric" and col.precision is not None:
        scale = col.scale or 0
        top = 10.0 ** (col.precision - scale) - 10.0 ** -scale
        return -top, top
    return None


def fit(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """``frame`` with every bounded number of ``table`` inside its type's limits (special values and NULL kept)."""
    for col in table.columns:
        bounds = limits(col) if col.name in frame else None
        if bounds is None:
            continue
        series = frame[col.name]
        numbers = to_numbers(series).to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            over = np.isfinite(numbers) & ((numbers < bounds[0]) | (numbers > bounds[1]))
        if not over.any():
            continue
        fixed = series.copy()
        pulled = np.clip(numbers[over], *bounds)
        fixed[over] = pulled.astype(np.int64) if col.kind in _INTEGER_LIMITS else pulled
        frame[col.name] = fixed
    return frame
