"""PostgreSQL's text for the Python values its driver hands back (bytes, dicts, lists, ranges, UUIDs)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from typing import Any

import numpy as np


def literal(value: Any) -> Any:
    """PostgreSQL's text for a driver object (bytes, dicts, lists, ranges, UUIDs, ...); other values as they are."""
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
    text = str(literal(value))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _range(value: Any) -> str:
    if getattr(value, "isempty", False):
        return "empty"
    lower = "" if value.lower is None else str(value.lower)
    upper = "" if value.upper is None else str(value.upper)
    return f"{value.bounds[0]}{lower},{upper}{value.bounds[1]}"
