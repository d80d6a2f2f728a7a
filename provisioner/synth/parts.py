"""Columns made of parts, and rows that must fit a partition.

A range column is learnt as two part columns, its lower bound and its length,
so that a booking period follows the row's other dates; a composite column as
one part column per attribute (each with its own role: an address's street is
PII, its city a category). :func:`finish` puts the parts back together into the
column's PostgreSQL text, after the parts were sampled and filled;
:func:`records` does it again for composites once checks only PostgreSQL can
evaluate have redrawn attribute values (load/loader.py).

Partitioned tables: the key of a LIST or RANGE partition is a learnt column, so
rows land in each partition at the source's share; a row whose key fits no
partition (a gap between RANGE partitions, no DEFAULT) takes the key of a row
that fits (:func:`route`), so the load never meets "no partition of relation".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers
from provisioner.model.profile import ColumnStats
from provisioner.model.shapes import RangeShape
from provisioner.schema.snapshot import INTEGER_KINDS, Column, Table
from provisioner.schema.values import format_record


def finish(frame: pd.DataFrame, table: Table, stats: Mapping[str, ColumnStats], rng: np.random.Generator) -> pd.DataFrame:
    """Range and composite columns put together from their parts; partition keys that fit no partition redrawn."""
    for col in table.columns:
        parts = table.parts(col.name)
        if not parts or not all(p.name in frame for p in parts):
            continue
        if col.kind == "range":
            frame[col.name] = _ranges(frame, col, parts, stats.get(col.name)).to_numpy()
        elif col.kind == "point":
            frame[col.name] = _points(frame, col, parts).to_numpy()
        else:
            frame[col.name] = _records(frame, col, parts, stats.get(col.name), rng).to_numpy()
    return route(frame, table, rng)


def records(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Composite values rebuilt from their (possibly redrawn) parts, where they are not NULL."""
    for col in table.columns:
        parts = table.parts(col.name)
        if col.kind != "composite" or not parts or col.name not in frame or not all(p.name in frame for p in parts):
            continue
        present = frame[col.name].notna().to_numpy()
        if present.any():
            rebuilt = _record_texts(frame.loc[present], parts)
            column = frame[col.name].to_numpy(dtype=object).copy()
            column[present] = rebuilt
            frame = frame.assign(**{col.name: column})
    return frame


def _points(frame: pd.DataFrame, col: Column, parts: tuple[Column, ...]) -> pd.Series:
    x, y = (to_numbers(frame[p.name]) for p in parts)
    missing = (x.isna() | y.isna()).to_numpy()
    text = [f"({a!r},{b!r})" for a, b in zip(x.fillna(0.0).astype(float).tolist(), y.fillna(0.0).astype(float).tolist())]
    out = pd.Series(text, index=frame.index, dtype=object)
    return out.mask(missing, None) if col.nullable else out


def _records(frame: pd.DataFrame, col: Column, parts: tuple[Column, ...], stats: ColumnStats | None, rng: np.random.Generator) -> pd.Series:
    texts = pd.Series(_record_texts(frame, parts), index=frame.index, dtype=object)
    if not col.nullable:
        return texts
    empty = frame[[p.name for p in parts]].isna().all(axis=1).to_numpy()
    rate = stats.null_rate if stats is not None else float(empty.mean())
    wanted = round(rate * len(frame))
    nulls = np.flatnonzero(empty)[:wanted]
    if len(nulls) < wanted:  # the rest at random among the rows that have values
        others = np.flatnonzero(~empty)
        nulls = np.concatenate([nulls, rng.choice(others, size=min(wanted - len(nulls), len(others)), replace=False)])
    texts.iloc[nulls] = None
    return texts


def _record_texts(frame: pd.DataFrame, parts: tuple[Column, ...]) -> list[str]:
    columns = [_texts(frame[p.name], p) for p in parts]
    return [format_record(list(values)) for values in zip(*columns)] if columns else []


def _texts(series: pd.Series, col: Column) -> list[Any]:
    """An attribute's values as PostgreSQL text (None for NULL)."""
    out = []
    for value in series.to_numpy(dtype=object).tolist():
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
            out.append(None)
        elif isinstance(value, bool | np.bool_):
            out.append("t" if value else "f")
        elif isinstance(value, pd.Timestamp):
            out.append(value.strftime("%Y-%m-%d") if col.kind == "date" else value.isoformat(sep=" "))
        elif isinstance(value, (float, np.floating)) and col.kind in INTEGER_KINDS:
            out.append(str(round(value)))
        else:
            out.append(str(value))
    return out


def _ranges(frame: pd.DataFrame, col: Column, parts: tuple[Column, ...], stats: ColumnStats | None) -> pd.Series:
    lower, length = frame[parts[0].name], frame[parts[1].name]
    shape = stats.shape if stats is not None and isinstance(stats.shape, RangeShape) else RangeShape()
    kind = parts[0].kind
    if kind in ("date", "timestamp", "timestamptz"):
        start = pd.to_datetime(lower, errors="coerce", utc=kind == "timestamptz")
        step = pd.to_timedelta(to_numbers(length), unit="D" if kind == "date" else "s")
        if kind == "date":
            step = step.dt.round("D")
        end = start + step
        fmt = "%Y-%m-%d" if kind == "date" else "%Y-%m-%d %H:%M:%S.%f%z" if kind == "timestamptz" else "%Y-%m-%d %H:%M:%S.%f"
        low_text, high_text = start.dt.strftime(fmt), end.dt.strftime(fmt)
    else:
        start = to_numbers(lower)
        end = start + to_numbers(length).abs()
        integer = kind in INTEGER_KINDS
        low_text = start.map(lambda v: None if pd.isna(v) else str(round(v)) if integer else repr(float(v)))
        high_text = end.map(lambda v: None if pd.isna(v) else str(round(v)) if integer else repr(float(v)))
    out = []
    for lo, hi in zip(low_text.tolist(), high_text.tolist()):
        if lo is None or pd.isna(lo):
            out.append(None if col.nullable else "empty" if shape.empty else "(,)")
        elif hi is None or pd.isna(hi):
            out.append(f"{shape.bounds[0]}{lo},)")
        else:
            out.append(f'{shape.bounds[0]}"{lo}","{hi}"{shape.bounds[1]}' if " " in lo else f"{shape.bounds[0]}{lo},{hi}{shape.bounds[1]}")
    return pd.Series(out, index=frame.index, dtype=object)


# -- partitions --------------------------------------------------------------------------------------


def route(frame: pd.DataFrame, table: Table, rng: np.random.Generator) -> pd.DataFrame:
    """Rows whose LIST or RANGE key (a learnt column) fits no partition take the key of a row that fits."""
    if not table.partition_key or frame.empty:
        return frame
    fits = _fits(frame, table, table.partition_key, (table.schema, table.name), np.ones(len(frame), dtype=bool))
    if fits.all() or not fits.any():
        return frame
    key = _key_column(table, table.partition_key)
    if key is None or key in table.primary_key and len(table.primary_key) == 1 or key in table.fk_columns:
        return frame
    donors = np.flatnonzero(fits)[rng.integers(0, int(fits.sum()), size=int((~fits).sum()))]
    column = frame[key].to_numpy(dtype=object).copy()
    column[~fits] = column[donors]
    return frame.assign(**{key: pd.Series(column, index=frame.index).infer_objects()})


def _key_column(table: Table, partition_key: str) -> str | None:
    """The one column a LIST or RANGE key names (None for HASH, expressions and several columns)."""
    strategy, _, body = partition_key.partition(" ")
    if strategy.upper() not in ("LIST", "RANGE"):
        return None
    inner = body.strip()[1:-1].strip()
    names = [c.name for c in table.columns if c.stored and inner in (c.name, f'"{c.name}"')]
    return names[0] if names else None


def _fits(frame: pd.DataFrame, table: Table, partition_key: str, parent: tuple[str, str], rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` fit a partition of ``parent`` (recursively, for partitions that are partitioned)."""
    children = [p for p in table.partitions if (p.parent_schema, p.parent) == parent]
    key = _key_column(table, partition_key)
    if key is None or not children or key not in frame:
        return rows
    values = frame[key]
    placed = np.zeros(len(frame), dtype=bool)
    fits = np.zeros(len(frame), dtype=bool)
    default = next((p for p in children if p.bound.strip().upper() == "DEFAULT"), None)
    for part in children:
        if part is default:
            continue
        inside = rows & ~placed & _inside(values, part.bound, table.column(key))
        placed |= inside
        fits |= _fits(frame, table, part.partition_key, (part.schema, part.name), inside) if part.partition_key else inside
    if default is not None:
        rest = rows & ~placed
        fits |= _fits(frame, table, default.partition_key, (default.schema, default.name), rest) if default.partition_key else rest
    return fits


_LITERAL = re.compile(r"'((?:[^']|'')*)'(?:::[\w\s\"\.]+)?|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(MINVALUE|MAXVALUE|NULL|true|false)", re.IGNORECASE)


def _inside(values: pd.Series, bound: str, col: Column) -> np.ndarray:
    """Rows whose value lies within one partition bound (``IN (...)`` or ``FROM (...) TO (...)``)."""
    upper = bound.upper()
    if "FOR VALUES IN" in upper:
        items = [_literal(m, col) for m in _LITERAL.finditer(bound[upper.index(" IN ") + 4:])]
        keep = [v for v in items if v is not None]
        inside = _comparable(values, col).isin(keep).to_numpy()
        return inside | (values.isna().to_numpy() if any(v is None for v in items) else False)
    match = re.search(r"FROM \((.*)\) TO \((.*)\)", bound, re.IGNORECASE | re.DOTALL)
    if not match:
        return np.zeros(len(values), dtype=bool)
    low = [_literal(m, col) for m in _LITERAL.finditer(match[1])]
    high = [_literal(m, col) for m in _LITERAL.finditer(match[2])]
    if len(low) != 1 or len(high) != 1:
        return np.ones(len(values), dtype=bool)  # several key columns: PostgreSQL decides
    comparable = _comparable(values, col)
    above = comparable >= low[0] if low[0] not in ("MINVALUE", "MAXVALUE") else pd.Series(low[0] == "MINVALUE", index=values.index)
    below = comparable < high[0] if high[0] not in ("MINVALUE", "MAXVALUE") else pd.Series(high[0] == "MAXVALUE", index=values.index)
    return (above & below).fillna(False).to_numpy(dtype=bool)


def _literal(match: re.Match[str], col: Column) -> Any:
    quoted, number, word = match.groups()
    if word is not None:
        upper = word.upper()
        return None if upper == "NULL" else upper if upper in ("MINVALUE", "MAXVALUE") else upper == "TRUE"
    text = quoted.replace("''", "'") if quoted is not None else number
    if col.kind in ("date", "timestamp", "timestamptz"):
        stamp = pd.Timestamp(text)
        return stamp.tz_convert("UTC") if stamp.tzinfo is not None else stamp.tz_localize("UTC") if col.kind == "timestamptz" else stamp
    if col.kind in INTEGER_KINDS or col.kind in ("numeric", "real", "double"):
        return float(text)
    return text


def _comparable(values: pd.Series, col: Column) -> pd.Series:
    if col.kind in ("date", "timestamp", "timestamptz"):
        return pd.to_datetime(values.where(values.map(lambda v: not isinstance(v, str))), errors="coerce", utc=col.kind == "timestamptz")
    if col.kind in INTEGER_KINDS or col.kind in ("numeric", "real", "double"):
        return to_numbers(values)
    return values.astype(object)

