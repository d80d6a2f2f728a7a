"""Turn synthetic frames into COPY-ready CSV, vectorised per column."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import uuid
from typing import Any

import numpy as np
import pandas as pd

from provisioner.schema.snapshot import INTEGER_KINDS, Column, Table


def _literal(value: Any) -> Any:
    """PostgreSQL text for driver objects found in copied rows."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (dict,)):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "{" + ",".join(_array_item(v) for v in value) + "}"
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds()} seconds"
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if type(value).__name__ == "Range":
        return _range(value)
    return value


def _array_item(value: Any) -> str:
    if value is None:
        return "NULL"
    text = str(_literal(value))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _range(value: Any) -> str:
    if getattr(value, "isempty", False):
        return "empty"
    lower = "" if value.lower is None else str(value.lower)
    upper = "" if value.upper is None else str(value.upper)
    return f"{value.bounds[0]}{lower},{upper}{value.bounds[1]}"


def _seconds_to_time(series: pd.Series) -> pd.Series:
    secs = pd.to_numeric(series, errors="coerce").clip(0, 86_399.999999)
    return pd.to_datetime(secs, unit="s").dt.strftime("%H:%M:%S.%f").where(secs.notna(), None)


def column_text(series: pd.Series, col: Column) -> pd.Series:
    """A column as COPY-able values: numbers stay numbers, the rest becomes text."""
    if col.kind in INTEGER_KINDS and series.dtype.kind in "Ofi":
        return pd.to_numeric(series, errors="coerce").round().astype("Int64")
    if col.kind == "interval" and series.dtype.kind in "fi":
        return series.map(lambda v: None if pd.isna(v) else f"{v} seconds")
    if col.kind == "time" and series.dtype.kind in "fi":
        return _seconds_to_time(series)
    if col.kind == "json" or col.kind == "jsonb":
        return series.map(lambda v: v if v is None or isinstance(v, str) else json.dumps(v) if not (isinstance(v, float) and np.isnan(v)) else None)
    if series.dtype == object:
        return series.map(_literal)
    if col.kind == "date" and series.dtype.kind == "M":
        return series.dt.strftime("%Y-%m-%d").where(series.notna(), None)
    return series


NULL = "\\N"


def copy_sql(target: str, columns: list[str] | tuple[str, ...]) -> str:
    """The COPY statement matching :func:`to_csv`: NULL is \\N, even when quoted."""
    cols = ", ".join(f'"{c}"' for c in columns)
    return f"COPY {target} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}', FORCE_NULL ({cols}))"


def to_csv(frame: pd.DataFrame, table: Table) -> bytes:
    """CSV with every text quoted and NULL written as \\N (a text that is exactly \\N loads as NULL)."""
    out = pd.DataFrame({name: column_text(frame[name], table.column(name)) for name in frame.columns})
    text = out.to_csv(index=False, header=False, quoting=csv.QUOTE_NONNUMERIC, na_rep=NULL, lineterminator="\n")
    return text.encode("utf-8")
