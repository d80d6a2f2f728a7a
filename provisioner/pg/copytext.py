"""COPY text format, vectorised per column: the fast path of the load.

``copyfmt.to_csv`` goes through ``DataFrame.to_csv``, which formats every
datetime and quotes every field in Python-level loops (about 37 s per million
mixed rows here). This module turns each column into a list of ``str`` with
numpy (integers, floats, booleans, datetimes) or one ``str.translate`` over the
whole column (text escaping), then joins rows with ``"\\t".join`` over ``zip``,
all of which run in C. NULL is ``\\N``; COPY text format needs no quoting.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from provisioner.pg.copyfmt import _literal, column_text
from provisioner.schema.snapshot import INTEGER_KINDS, Column, Table

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = ("\\", "\t", "\n", "\r")


def copy_text_sql(target: str, columns: list[str] | tuple[str, ...]) -> str:
    """The COPY statement matching :func:`to_copy_text` (text format, NULL ``\\N``)."""
    cols = ", ".join(f'"{c}"' for c in columns)
    return f"COPY {target} ({cols}) FROM STDIN"


def to_copy_text(frame: pd.DataFrame, table: Table) -> bytes:
    """Rows of ``frame`` in COPY text format, columns in frame order."""
    if frame.empty:
        return b""
    cols = [column_strings(_prepared(frame[name], table.column(name))) for name in frame.columns]
    return ("\n".join(map("\t".join, zip(*cols))) + "\n").encode("utf-8")


_PASS_OBJECTS = frozenset({"json", "jsonb", "interval", "time"})


def _prepared(series: pd.Series, col: Column) -> pd.Series:
    """``copyfmt.column_text`` where a type needs it; plain objects go to :func:`_objects` as they are."""
    if col.kind == "date" and series.dtype.kind == "M":
        text = np.datetime_as_string(series.to_numpy(), unit="D").astype(object)
        text[series.isna().to_numpy()] = None
        return pd.Series(text, index=series.index)
    if series.dtype == object and col.kind not in INTEGER_KINDS and col.kind not in _PASS_OBJECTS:
        return series
    return column_text(series, col)


def column_strings(series: pd.Series) -> list[str]:
    """One COPY text field per value (``\\N`` for NULL)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _objects(series.astype(object).to_numpy())
    if isinstance(dtype, pd.DatetimeTZDtype):
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return _timestamps(utc.to_numpy(), "+00")
    if dtype.kind == "M":
        return _timestamps(series.to_numpy(), "")
    nulls = series.isna().to_numpy()
    if dtype.kind in "iu":
        values = series.to_numpy(dtype=np.int64, na_value=0) if nulls.any() else series.to_numpy(dtype=np.int64)
        return _masked(list(map(str, values.tolist())), nulls)
    if dtype.kind == "b":
        values = series.to_numpy(dtype=bool, na_value=False)
        return _masked(np.where(values, "t", "f").tolist(), nulls)
    if dtype.kind == "f":
        return _masked(list(map(repr, series.to_numpy(dtype=float).tolist())), nulls)
    return _objects(series.to_numpy(dtype=object))


def _masked(values: list[str], nulls: np.ndarray) -> list[str]:
    for i in np.flatnonzero(nulls).tolist():
        values[i] = NULL
    return values


_CLOCK = np.array([f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)], dtype=object)


def _timestamps(values: np.ndarray, suffix: str) -> list[str]:
    """datetime64 as ``YYYY-MM-DD HH:MM:SS[.ffffff]``: days and clock times from lookup tables."""
    nat = np.isnat(values)
    micros = values.astype("datetime64[us]").astype(np.int64)
    micros[nat] = 0
    days, in_day = np.divmod(micros, 86_400_000_000)
    seconds, frac = np.divmod(in_day, 1_000_000)
    unique_days, which = np.unique(days, return_inverse=True)
    day_text = np.datetime_as_string(unique_days.astype("datetime64[D]")).astype(object) + " "
    text = day_text[which.ravel()] + _CLOCK[seconds]
    fractional = np.flatnonzero(frac)
    if len(fractional):
        text[fractional] = text[fractional] + np.array([f".{f:06d}" for f in frac[fractional].tolist()], dtype=object)
    if suffix:
        text = text + suffix
    return _masked(text.tolist(), nat)


def _objects(values: np.ndarray) -> list[str]:
    """Python objects: ``str`` escaped in one pass, None/NaN as NULL, the rest through ``copyfmt._literal``."""
    nulls = pd.isna(values)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        out = values.tolist()
    else:
        out = [v if type(v) is str else _scalar(v) for v in values.tolist()]
    for i in np.flatnonzero(nulls).tolist():
        out[i] = ""
    joined = "\x00".join(out)
    if any(ch in joined for ch in _SPECIAL):
        out = joined.translate(_ESCAPES).split("\x00")
    return _masked(out, nulls)


def _scalar(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (type(value) is float and value != value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "t" if value else "f"
    value = _literal(value)
    return "" if value is None else value if type(value) is str else str(value)
