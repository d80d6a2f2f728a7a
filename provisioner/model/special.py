"""Reading values pandas cannot hold: special values, range and composite parts, learnt shapes.

* Dates and timestamps are read with loaders that hand back PostgreSQL's text for
  what Python cannot hold (``infinity``, ``-infinity``, BC dates, years past 9999)
  instead of failing the whole read; values pandas cannot hold (``9999-12-31``)
  become their text too. Numbers keep ``NaN``, ``Infinity`` and ``-Infinity`` as
  text, apart from NULL. All of them are *special values* (columns/codec.py): a
  share of the column, learnt as NULL is, sampled at that share.
* A range column is split into its lower bound and its length, a composite column
  into its attributes: part columns that a model learns like any other column.
* Arrays, JSON and hstore get a learnt shape (model/shapes.py); external keys the
  frequency profile of their values.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader
from psycopg.types.range import Range
from sqlalchemy import Connection

from provisioner.columns.codec import to_numbers
from provisioner.model import shapes
from provisioner.model.relations.relational import Degree
from provisioner.schema.snapshot import INTEGER_KINDS, NUMERIC_KINDS, Column
from provisioner.schema.values import parse_array, parse_hstore, parse_record

MAX_SPECIALS = 16  # distinct special values kept per column (their shares are kept whole)
_PANDAS_YEARS = (1678, 2261)  # datetime64[ns] holds these years whole


def _text_on_failure(base: type) -> type:
    class Loader(base):  # type: ignore[misc, valid-type]
        def load(self, data: Any) -> Any:
            try:
                return super().load(data)
            except psycopg.DataError:  # infinity, BC, year 10000+: PostgreSQL's own text
                return bytes(data).decode()

    Loader.__name__ = f"Special{base.__name__}"
    return Loader


_LOADERS = {"date": _text_on_failure(DateLoader), "timestamp": _text_on_failure(TimestampLoader),
            "timestamptz": _text_on_failure(TimestamptzLoader)}


def fetch(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    """Every row of ``query`` on the connection's psycopg driver, dates and timestamps read safely."""
    with conn.connection.driver_connection.cursor() as cur:
        for name, loader in _LOADERS.items():
            cur.adapters.register_loader(name, loader)
        cur.execute(query)
        return cur.fetchall()


def numbers_and_times(series: pd.Series, col: Column) -> pd.Series:
    """Floats or datetimes; special values as their text (an object column then), NULL as NULL."""
    values = series.to_numpy(dtype=object)
    missing = np.fromiter((v is None or v is pd.NaT or v is pd.NA for v in values), dtype=bool, count=len(values))
    if col.kind in NUMERIC_KINDS:
        clean, tokens = _numbers(values, missing)
    else:
        clean, tokens = _times(values, missing, col)
    clean = pd.Series(clean, index=series.index)
    special = np.asarray([t is not None for t in tokens], dtype=bool)
    if not special.any():
        return clean
    out = clean.astype(object).where(clean.notna(), None)
    out[special] = np.asarray(tokens, dtype=object)[special]
    return out


def _numbers(values: np.ndarray, missing: np.ndarray) -> tuple[Any, list[str | None]]:
    plain = [float(v) if isinstance(v, decimal.Decimal) else v for v in values]
    numbers = to_numbers(pd.Series(plain, dtype=object)).to_numpy(dtype=float)
    tokens: list[str | None] = [None] * len(values)
    for i in np.flatnonzero(~missing & ~np.isfinite(numbers)).tolist():
        tokens[i] = "NaN" if np.isnan(numbers[i]) else "Infinity" if numbers[i] > 0 else "-Infinity"
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers, tokens


def _times(values: np.ndarray, missing: np.ndarray, col: Column) -> tuple[Any, list[str | None]]:
    tokens: list[str | None] = [None] * len(values)
    usable = values.copy()
    for i, v in enumerate(values.tolist()):
        if missing[i]:
            continue
        if isinstance(v, str):
            tokens[i], usable[i] = v, None
        elif isinstance(v, (dt.date, pd.Timestamp)) and not _PANDAS_YEARS[0] <= v.year <= _PANDAS_YEARS[1]:
            tokens[i] = v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
            usable[i] = None
    clean = pd.to_datetime(pd.Series(usable, dtype=object), errors="coerce", utc=col.kind == "timestamptz")
    return clean.to_numpy(), tokens


def shares(series: pd.Series) -> tuple[tuple[str, float], ...]:
    """(special value, share of all rows), the most common ``MAX_SPECIALS``; the others' share goes to them."""
    if series.dtype != object or not len(series):
        return ()
    counts = Counter(v for v in series.to_numpy() if type(v) is str)
    if not counts:
        return ()
    total = sum(counts.values())
    kept = counts.most_common(MAX_SPECIALS)
    scale = total / sum(c for _, c in kept)
    return tuple((value, round(c * scale / len(series), 6)) for value, c in kept)


def frequency(series: pd.Series) -> Degree:
    """How many distinct values are shared by 1, 2, ... rows (the frequency profile of an external key)."""
    per_value = series.dropna().value_counts()
    profile = per_value.value_counts().sort_index()
    return Degree(tuple(int(v) for v in profile.index), tuple(int(c) for c in profile.to_numpy()))


def shape_of(series: pd.Series, col: Column, personal: Callable[[list[str]], bool]) -> Any:
    """The learnt shape of an array, JSON or hstore column, or a range's bounds; None for other kinds."""
    if col.kind in ("array", "json", "jsonb", "hstore"):
        values = [_structured(v, col) for v in series.to_numpy(dtype=object)]
        return shapes.learn(values, personal)
    if col.kind == "range":
        present = [v for v in series.to_numpy(dtype=object) if not (v is None or (isinstance(v, float) and np.isnan(v)))]
        if not present:
            return None
        empty = sum(1 for v in present if str(v) == "empty") / len(present)
        bounds = Counter(str(v)[0] + str(v)[-1] for v in present if str(v) != "empty").most_common(1)
        return shapes.RangeShape(bounds[0][0] if bounds else "[)", empty)
    return None


def _structured(value: Any, col: Column) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if col.kind == "hstore" and isinstance(value, str):
        return parse_hstore(value)
    if col.kind == "array" and isinstance(value, str):
        return parse_array(value)
    return value


def split_parts(series: pd.Series, col: Column, parts: tuple[Column, ...]) -> dict[str, pd.Series]:
    """The raw values of each part column of a range, point or composite column."""
    values = series.to_numpy(dtype=object).tolist()
    if col.kind == "range":
        pairs = [_range_parts(_range_of(v, parts[0]) if isinstance(v, str) else v) for v in values]
        return {parts[0].name: pd.Series([p[0] for p in pairs], index=series.index, dtype=object),
                parts[1].name: pd.Series([p[1] for p in pairs], index=series.index, dtype=object)}
    if col.kind == "point":  # '(1.5,-2)'
        records = [v.strip("()").split(",") if isinstance(v, str) else [] for v in values]
    else:
        records = [parse_record(v) if isinstance(v, str) else [] for v in values]
    out = {}
    for i, part in enumerate(parts):
        raw = [r[i] if i < len(r) else None for r in records]
        out[part.name] = pd.Series([_typed(v, part) for v in raw], index=series.index, dtype=object)
    return out


_RANGE_TEXT = re.compile(r'^\s*[\[(]\s*"?([^",]*?)"?\s*,\s*"?([^",]*?)"?\s*[\])]\s*$')


def _range_of(text: str, lower: Column) -> Any:
    """A range the driver hands back as text (a range type of the schema's own): its bounds, typed."""
    match = _RANGE_TEXT.match(text)
    if match is None:
        return None
    low, high = (_typed(bound, lower) if bound else None for bound in (match[1], match[2]))
    return Range(None if isinstance(low, str) else low, None if isinstance(high, str) else high)


def _range_parts(value: Any) -> tuple[Any, Any]:
    """(lower bound, upper - lower) of a driver Range; None where empty, unbounded or special."""
    if value is None or getattr(value, "isempty", False) or isinstance(value, str):
        return None, None
    lower, upper = value.lower, value.upper
    if lower is None or isinstance(lower, str):
        return None, None
    if upper is None or isinstance(upper, str):
        return lower, None
    gap = upper - lower
    return lower, gap.days if isinstance(gap, dt.timedelta) and not isinstance(lower, dt.datetime) else gap


def _typed(text: str | None, col: Column) -> Any:
    """A composite attribute's text as the value the driver would give for the attribute's type."""
    if text is None:
        return None
    try:
        if col.kind in INTEGER_KINDS or col.kind in NUMERIC_KINDS:
            return float(text)
        if col.kind == "date":
            return dt.date.fromisoformat(text)
        if col.kind in ("timestamp", "timestamptz"):
            return pd.Timestamp(text).to_pydatetime()
    except ValueError:
        return text  # infinity, BC: a special value
    return text
