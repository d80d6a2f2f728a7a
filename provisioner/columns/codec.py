"""Values between PostgreSQL columns and a column model's number space, shared by every model.

:func:`encode` turns a table's learnt columns into what a model computes with:
numbers as floats, dates and timestamps as seconds since 1970 (UTC), intervals
and times as seconds, everything else (categories, enums, booleans, lookup keys)
as the Python values themselves. :func:`decode` turns sampled values back into
the column's type, rounded to its stored precision.

*Special values* are values no model computes with: ``infinity`` and ``-infinity``
(dates, timestamps, numbers), ``NaN``, BC dates and dates beyond what pandas holds
(``9999-12-31``). Frames carry them as their PostgreSQL text (a ``str`` in a date or
number column: :func:`special_mask`); :func:`encode` hands them to the model as NULL,
so a model learns "NULL or special" as one share, and the sampler turns that share
back into the special values at their learnt rates (:mod:`provisioner.synth.generate`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from provisioner.schema.snapshot import INTEGER_KINDS, NUMERIC_KINDS, Column

DATETIMES = ("date", "timestamp", "timestamptz")
_SECONDS = ("interval", "time")
_HUGE_EXPONENT = re.compile(r"[eE][+-]?0*\d{4,}")  # no float has one; pandas' parser crashes (SIGSEGV) past 2**31
_NO_TEXT = frozenset({"empty", "integer", "floating", "mixed-integer-float", "decimal", "boolean"})  # infer_dtype: no str inside


def to_numbers(values: Any) -> Any:
    """``pd.to_numeric(values, errors="coerce")`` that survives any text: pandas' C parser crashes the
    process on a string with an exponent past 2**31 (an md5 or hex token such as ``527e3499366513df...``),
    so text with a 4-digit exponent (which no float holds anyway) is NULL here. A Series stays a Series
    (same index), anything else comes back as pd.to_numeric returns it."""
    if isinstance(values, pd.Series):
        if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in _NO_TEXT:
            search = _HUGE_EXPONENT.search
            huge = np.fromiter((type(v) is str and search(v) is not None for v in values.to_numpy()), dtype=bool, count=len(values))
            if huge.any():
                values = values.where(~huge, None)
        return pd.to_numeric(values, errors="coerce")
    if isinstance(values, np.ndarray) and values.dtype == object or isinstance(values, (list, tuple)):
        return to_numbers(pd.Series(values, dtype=object)).to_numpy()
    return pd.to_numeric(values, errors="coerce")


def is_numeric(col: Column) -> bool:
    """Whether a model treats the column as a number (numbers, datetimes, intervals, times)."""
    return col.kind in INTEGER_KINDS or col.kind in NUMERIC_KINDS or col.kind in _SECONDS or col.kind in DATETIMES


def is_categorical(col: Column) -> bool:
    """Whether a model treats the column as a set of categories (and one-hot encodes it)."""
    return not is_numeric(col)


def special_mask(series: pd.Series) -> np.ndarray:
    """Cells of a date or number column that hold a special value's text ('infinity', 'NaN', a BC date)."""
    if series.dtype != object:
        return np.zeros(len(series), dtype=bool)
    return np.fromiter((type(v) is str for v in series.to_numpy()), dtype=bool, count=len(series))


def without_specials(series: pd.Series) -> pd.Series:
    """The column with its special values as NULL (what a model and a statistic see)."""
    mask = special_mask(series)
    if not mask.any():
        return series
    out = series.copy()
    out[mask] = None
    return out


def encode(frame: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    """Numbers as floats, datetimes as epoch seconds, the rest as Python objects (None for NULL);
    special values (:func:`special_mask`) as NULL."""
    out = pd.DataFrame(index=frame.index)
    for name, col in columns.items():
        series = frame[name]
        if is_numeric(col):
            series = without_specials(series)
        if col.kind in DATETIMES:
            naive = series.dtype.kind == "M" and not isinstance(series.dtype, pd.DatetimeTZDtype)
            # naive stamps: what to_datetime(utc=True) makes of them, without its scan of the values
            stamps = series.dt.tz_localize("UTC") if naive else pd.to_datetime(series, errors="coerce", utc=True)
            out[name] = (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        elif is_numeric(col):
            out[name] = to_numbers(series).astype(float)
        else:
            out[name] = series.astype(object).where(series.notna(), None)
    return out


def decode(rows: pd.DataFrame, columns: Mapping[str, Column]) -> pd.DataFrame:
    """Sampled values (as :func:`encode` made them) back in the columns' types."""
    out = pd.DataFrame(index=rows.index)
    for name, col in columns.items():
        if name not in rows:
            continue
        series = rows[name]
        if col.kind in DATETIMES:
            series = from_seconds(series).dt.round("s")
            if col.kind == "date":
                series = series.dt.normalize()
            elif col.kind == "timestamptz":
                series = series.dt.tz_localize("UTC")
        elif col.kind in INTEGER_KINDS or (col.kind == "lookup" and col.element_kind in INTEGER_KINDS):
            series = to_numbers(series).round().astype("Int64")
        elif col.kind in NUMERIC_KINDS:
            series = to_numbers(series).astype(float)
            if col.scale is not None:
                series = series.round(col.scale)
        out[name] = series
    return out


_NS_LIMIT = 9.2e9  # seconds either side of 1970 that datetime64[ns] holds (years 1678 to 2261)


def from_seconds(values: pd.Series) -> pd.Series:
    """Seconds since 1970 as ``datetime64[ns]``, same index; NULL, NaN and ±inf become NaT and values
    past what nanoseconds hold are clipped to that range.

    Not ``pd.to_datetime(values, unit="s")``: on a float array with NaN, pandas rounds uninitialised
    memory under ``errstate(over="raise")`` and fails now and then with "overflow encountered in
    multiply" (pandas 2.x ``cast_from_unit_vectorized``)."""
    secs = to_numbers(pd.Series(values)).to_numpy(dtype=float, na_value=np.nan)
    present = np.isfinite(secs)
    nanos = np.zeros(len(secs), dtype=np.int64)
    whole = np.clip(np.floor(secs[present]), -_NS_LIMIT, _NS_LIMIT)
    nanos[present] = whole.astype(np.int64) * 1_000_000_000 + np.round((np.clip(secs[present], -_NS_LIMIT, _NS_LIMIT) - whole) * 1e9).astype(np.int64)
    stamps = nanos.view("datetime64[ns]").copy()
    stamps[~present] = np.datetime64("NaT")
    return pd.Series(stamps, index=getattr(values, "index", None))


def bounds(data: pd.DataFrame, columns: Mapping[str, Column]) -> dict[str, tuple[float, float]]:
    """The range of every numeric column in encoded ``data``."""
    out = {}
    for name, col in columns.items():
        if is_numeric(col) and name in data:
            values = to_numbers(data[name]).dropna()
            if len(values):
                out[name] = (float(values.min()), float(values.max()))
    return out


def fold(values: pd.Series, low: float, high: float) -> pd.Series:
    """Reflect out-of-range values back inside [low, high].

    Clipping would pile values onto the exact minimum and maximum, which are
    real rows' values; reflecting keeps the edge of the distribution smooth.
    """
    span = high - low
    if span <= 0:
        return values.where(values.isna(), low)
    offset = (values - low) % (2 * span)
    return low + offset.where(offset <= span, 2 * span - offset)


def plain(value: object) -> object:
    """A category value as a plain Python scalar (numpy scalars unwrapped), for the bundle."""
    if isinstance(value, np.generic):
        return value.item()
    return value
