"""Checks that order two columns of a row (``enddate >= startdate``, ``a > b``): comparing them and
repairing the rows that break one (part of the constraint repair, synth/repair.py).

A broken row has its two values swapped, which keeps both columns' values. When exactly one of the
two belongs to a primary key or unique set (a price history keyed by product and ``startdate``), the
keyed column is left alone, since swapping would give it values that a sibling row may already hold
(the unique set was resolved before the repair): the other column is reflected across it instead,
keeping the gap between them.
"""

from __future__ import annotations

import pandas as pd

from provisioner.columns import codec
from provisioner.columns.codec import to_numbers
from provisioner.schema.snapshot import INTEGER_KINDS, NUMERIC_KINDS, TEXT_KINDS, Table

REFLECTABLE = frozenset({"date", "timestamp", "timestamptz"}) | INTEGER_KINDS | NUMERIC_KINDS


def aligned(a: pd.Series, b: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Bring both sides to a comparable dtype (dates vs. date strings, numbers vs. objects)."""
    if a.dtype.kind == "M" or b.dtype.kind == "M":
        tz = getattr(a.dtype, "tz", None) or getattr(b.dtype, "tz", None)
        return _to_time(a, tz), _to_time(b, tz)
    if a.dtype.kind in "iufb" or b.dtype.kind in "iufb" or str(a.dtype) in ("Int64", "Float64") or str(b.dtype) in ("Int64", "Float64"):
        return to_numbers(a).astype("Float64"), to_numbers(b).astype("Float64")
    return a.astype(object), b.astype(object)


def _to_time(series: pd.Series, tz: object) -> pd.Series:
    series = codec.without_specials(series)  # 'infinity', a BC date: NULL here (never a failing row)
    return pd.to_datetime(series, errors="coerce", utc=tz is not None)


def unit(table: Table, name: str) -> float:
    col = table.column(name)
    if col.kind in INTEGER_KINDS:
        return 1
    if col.kind in NUMERIC_KINDS:
        return 10.0 ** -(col.scale if col.scale is not None else 2)
    return 1


def order_columns(frame: pd.DataFrame, bad: pd.Series, left: str, right: str, cmp: str, table: Table) -> None:
    """Put ``left`` and ``right`` in ``cmp``'s order on the ``bad`` rows, then separate equal values."""
    if cmp in ("=", "<>"):
        if cmp == "=":
            frame.loc[bad, left] = frame.loc[bad, right]
        else:
            frame.loc[bad, left] = shift(frame.loc[bad, right], table.column(left).kind, table, left, 1)
        return
    keyed = {c for unique in table.uniques for c in unique}
    moved = left
    if (left in keyed) != (right in keyed) and {table.column(left).kind, table.column(right).kind} <= REFLECTABLE:
        fixed, moved = (left, right) if left in keyed else (right, left)
        _reflect(frame, bad, fixed, moved, table)
    else:
        a, b = frame.loc[bad, left].copy(), frame.loc[bad, right].copy()
        frame.loc[bad, left], frame.loc[bad, right] = b.to_numpy(), a.to_numpy()
    if cmp in (">", "<"):
        a2, b2 = aligned(frame[left], frame[right])
        equal = bad & (a2 == b2).fillna(False).astype(bool)
        if equal.any():
            sign = (1 if cmp == ">" else -1) * (1 if moved == left else -1)
            frame.loc[equal, moved] = shift(frame.loc[equal, moved], table.column(moved).kind, table, moved, sign).to_numpy()


def _reflect(frame: pd.DataFrame, bad: pd.Series, fixed: str, moved: str, table: Table) -> None:
    """``moved`` := ``fixed`` + (``fixed`` - ``moved``) on the ``bad`` rows: to the other side, as far away."""
    a, b = aligned(frame.loc[bad, fixed], frame.loc[bad, moved])
    mirrored = a + (a - b)
    if table.column(moved).kind in INTEGER_KINDS:
        mirrored = mirrored.round().astype("Int64")
    frame.loc[bad, moved] = mirrored.to_numpy(dtype=object)


def shift(values: pd.Series, kind: str, table: Table, name: str, sign: int) -> pd.Series:
    if kind == "date":
        return pd.to_datetime(values) + sign * pd.Timedelta(days=1)
    if kind in ("timestamp", "timestamptz"):
        return pd.to_datetime(values) + sign * pd.Timedelta(seconds=1)
    if kind in INTEGER_KINDS or kind in NUMERIC_KINDS or kind in ("interval", "time"):
        return to_numbers(values) + sign * unit(table, name)
    if kind in TEXT_KINDS:
        return values.astype(str) + ("~" if sign > 0 else "")
    return values
