r"""COPY text format: the one encoder for every row provisioner sends or writes.

The load, the streamed load, the temporary tables of the deferred foreign keys
and of PostgreSQL-evaluated checks, and ``sample --format sql`` all use
:func:`to_copy_text` with the statement from :func:`copy_statement`. In text
format a field can never end the data: backslash, tab, newline and carriage
return are escaped (``\\``, ``\t``, ``\n``, ``\r``), so a value ``\.`` or ``\N``
is sent as ``\\.`` / ``\\N`` and loads as itself; only NULL is written ``\N``.

Each column becomes a list of ``str`` with numpy (integers, floats, booleans,
datetimes) or one ``str.translate`` over the whole column (text escaping), then
rows are joined with ``"\t".join`` over ``zip``, all of which run in C (a
``DataFrame.to_csv`` round trip formatted every datetime in Python loops: about
37 s per million mixed rows here).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from psycopg import sql

from provisioner.columns import codec
from provisioner.columns.codec import from_seconds, to_numbers
from provisioner.schema.snapshot import INTEGER_KINDS, Column, Table
from provisioner.schema.values import literal

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = ("\\", "\t", "\n", "\r")


def copy_statement(target: sql.Composable, columns: Sequence[str]) -> sql.Composed:
    """``COPY target (columns) FROM STDIN``: text format, the format :func:`to_copy_text` writes."""
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    return sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)


def _seconds_to_time(series: pd.Series) -> pd.Series:
    secs = to_numbers(series).clip(0, 86_399.999999)
    return from_seconds(secs).dt.strftime("%H:%M:%S.%f").where(secs.notna(), None)


def column_text(series: pd.Series, col: Column) -> pd.Series:
    """A column as COPY-able values: numbers stay numbers, the rest becomes text."""
    if col.kind in INTEGER_KINDS and series.dtype.kind in "Ofi":
        return to_numbers(series).round().astype("Int64")
    if col.kind == "interval" and series.dtype.kind in "fi":
        return series.map(lambda v: None if pd.isna(v) else f"{v} seconds")
    if col.kind == "time" and series.dtype.kind in "fi":
        return _seconds_to_time(series)
    if col.kind == "json" or col.kind == "jsonb":
        return series.map(lambda v: v if v is None or isinstance(v, str) else json.dumps(v) if not (isinstance(v, float) and np.isnan(v)) else None)
    if series.dtype == object:
        return series.map(literal)
    if col.kind == "date" and series.dtype.kind == "M":
        return series.dt.strftime("%Y-%m-%d").where(series.notna(), None)
    return series


def to_copy_text(frame: pd.DataFrame, table: Table) -> bytes:
    """Rows of ``frame`` in COPY text format, columns in frame order."""
    if frame.empty:
        return b""
    cols = [column_strings(_prepared(frame[name], table.column(name))) for name in frame.columns]
    return ("\n".join(map("\t".join, zip(*cols))) + "\n").encode("utf-8")


_PASS_OBJECTS = frozenset({"json", "jsonb", "interval", "time"})


def _prepared(series: pd.Series, col: Column) -> pd.Series:
    """:func:`column_text` where a type needs it; plain objects go to :func:`_objects` as they are."""
    if series.dtype == object and codec.is_numeric(col) and col.kind not in INTEGER_KINDS:
        specials = codec.special_mask(series)
        if specials.any():  # 'infinity', 'NaN', BC dates among values: the values the fast way, then the text
            return _with_specials(series, col, specials)
    if col.kind == "date" and series.dtype.kind == "M":
        text = np.datetime_as_string(series.to_numpy(), unit="D").astype(object)
        text[series.isna().to_numpy()] = None
        return pd.Series(text, index=series.index)
    if series.dtype == object and col.kind not in INTEGER_KINDS and col.kind not in _PASS_OBJECTS:
        return series
    return column_text(series, col)


def _with_specials(series: pd.Series, col: Column, specials: np.ndarray) -> pd.Series:
    rest = series.where(~specials, None)
    if col.kind in codec.DATETIMES:
        values = pd.to_datetime(rest, errors="coerce", utc=col.kind == "timestamptz")
        values = values.dt.tz_convert("UTC") if col.kind == "timestamptz" else values
    else:
        values = to_numbers(rest)
    text = np.asarray(column_strings(_prepared(values, col)), dtype=object)
    text[specials] = series.to_numpy(dtype=object)[specials]
    text[text == NULL] = None
    return pd.Series(text, index=series.index, dtype=object)


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
    """Python objects: ``str`` escaped in one pass, None/NaN as NULL, the rest through :func:`literal`."""
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
    value = literal(value)
    return "" if value is None else value if type(value) is str else str(value)
