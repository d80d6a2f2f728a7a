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


# -- PostgreSQL's text formats of arrays, records (composite values) and hstore, both ways ------------


def parse_array(text: str) -> list[Any]:
    """``{a,"b c",NULL}`` -> ["a", "b c", None]; nested braces give nested lists."""
    items, _ = _array_at(text.strip(), text.strip().index("{") if "{" in text else 0)
    return items


def _array_at(text: str, at: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    i = at + 1
    while i < len(text):
        ch = text[i]
        if ch == "}":
            return out, i + 1
        if ch in ", ":
            i += 1
        elif ch == "{":
            inner, i = _array_at(text, i)
            out.append(inner)
        elif ch == '"':
            value, i = _quoted(text, i)
            out.append(value)
        else:
            end = i
            while end < len(text) and text[end] not in ",}":
                end += 1
            raw = text[i:end].strip()
            out.append(None if raw.upper() == "NULL" else raw)
            i = end
    return out, i


def _quoted(text: str, at: int) -> tuple[str, int]:
    """The double-quoted item at ``at``: backslash escapes, and "" for a quote (records)."""
    chars: list[str] = []
    i = at + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
        elif ch == '"' and text[i + 1:i + 2] == '"':
            chars.append('"')
            i += 2
        elif ch == '"':
            return "".join(chars), i + 1
        else:
            chars.append(ch)
            i += 1
    return "".join(chars), i


def parse_record(text: str) -> list[str | None]:
    """``(a,"b c",)`` -> ["a", "b c", None]: a composite value's attributes as text (empty = NULL)."""
    body = text.strip()
    if not (body.startswith("(") and body.endswith(")")):
        return []
    out: list[str | None] = []
    i, end = 1, len(body) - 1
    while i <= end:
        if body[i] == '"':
            value, i = _quoted(body, i)
            while i < end and body[i] != ",":
                value += body[i]
                i += 1
            out.append(value)
        else:
            stop = body.find(",", i)
            stop = end if stop < 0 or stop > end else stop
            out.append(body[i:stop] or None)
            i = stop
        i += 1  # the comma (or the closing parenthesis)
    return out


def parse_hstore(text: str) -> dict[str, str | None]:
    """``"a"=>"1", "b"=>NULL`` -> {"a": "1", "b": None}."""
    out: dict[str, str | None] = {}
    i = 0
    while i < len(text):
        if text[i] != '"':
            i += 1
            continue
        key, i = _quoted(text, i)
        arrow = text.find("=>", i)
        if arrow < 0:
            break
        i = arrow + 2
        while i < len(text) and text[i] == " ":
            i += 1
        if text.startswith("NULL", i):
            out[key], i = None, i + 4
        elif i < len(text) and text[i] == '"':
            out[key], i = _quoted(text, i)
    return out


def _escaped(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_array(items: list[Any]) -> str:
    """A one-dimensional PostgreSQL array literal; every item quoted, None as NULL."""
    return "{" + ",".join("NULL" if v is None else format_array(v) if isinstance(v, list) else _escaped(str(v)) for v in items) + "}"


def format_record(items: list[Any]) -> str:
    """A composite value: ``("a","b c",)``, None as an empty (NULL) attribute."""
    return "(" + ",".join("" if v is None else _escaped(str(v)) for v in items) + ")"


def format_hstore(pairs: dict[str, Any]) -> str:
    return ", ".join(f"{_escaped(str(k))}=>{'NULL' if v is None else _escaped(str(v))}" for k, v in pairs.items())
