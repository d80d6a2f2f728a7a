"""Unique indexes on expressions (``UNIQUE (lower(email))``, ``(tenant_id, lower(email))``), held by PostgreSQL.

pandas cannot compute what such an index compares, so, inside the load transaction and before a
table is copied, the columns the index names are copied into a temporary table and PostgreSQL
returns the rows whose expressions repeat an earlier row's (its predicate too, for a partial
index; NULLs repeat nothing, as in the index). Those rows get their text suffixed or their number
bumped (:func:`provisioner.synth.repair.bump`) in a column the expressions name that is neither
a primary nor a foreign key. What still repeats is an error naming the table, the index and the
way out; no row is ever dropped.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
from psycopg import sql
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from provisioner.errors import LoadError
from provisioner.load.copyio import copy_into_temp
from provisioner.pg.connect import run
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    NUMERIC_KINDS,
    TEXT_KINDS,
    Column,
    Index,
    SchemaSnapshot,
    Table,
)
from provisioner.synth import repair

ROUNDS = 3
_TEMP = "_provisioner_unique"
_ROW = "__provisioner_row"
_TRAILING = re.compile(r"(\s+[a-z_][a-z0-9_]*_ops)?(\s+(ASC|DESC))?(\s+NULLS\s+(FIRST|LAST))?$", re.IGNORECASE)
_KEYS = re.compile(r"\bUSING\s+\w+\s+\((.*)\)(?:\s+INCLUDE\s+\(.*?\))?(?:\s+NULLS\s+(?:NOT\s+)?DISTINCT)?(?:\s+WHERE\s+(.*))?$", re.DOTALL)


def expression_uniques(table: Table) -> list[tuple[Index, list[str], str | None]]:
    """(index, its key expressions, its predicate) of every unique index with an expression among its keys."""
    out = []
    for index in table.indexes:
        match = _KEYS.search(index.definition) if index.unique and not index.columns else None
        if match is not None:
            items = [_TRAILING.sub("", item) for item in _split(match[1])]
            if any("(" in item or "::" in item for item in items):
                out.append((index, items, match[2]))
    return out


def conform(conn: Connection, snapshot: SchemaSnapshot, key: str, frame: pd.DataFrame, base_type: object) -> pd.DataFrame:
    """``frame`` with no repeat under any of the table's expression unique indexes (raises LoadError otherwise);
    ``base_type(col, snapshot)`` spells a domain column's base type."""
    table = snapshot.table(key)
    found = expression_uniques(table) if not frame.empty else []
    out = frame
    for index, items, predicate in found:
        text = " ".join(items) + " " + (predicate or "")
        cols = [c.name for c in table.columns if c.name in out and c.stored and _names(c.name, text)]
        movable = tuple(c for c in cols if c not in table.primary_key and c not in table.fk_columns
                        and table.column(c).kind in INTEGER_KINDS | NUMERIC_KINDS | TEXT_KINDS)
        if not cols:
            continue
        try:
            with conn.begin_nested():  # an expression this cannot evaluate leaves the index to say so when it is built
                for _ in range(ROUNDS):
                    dups = _repeats(conn, snapshot, table, out, cols, items, predicate, base_type)
                    if not dups.any() or not movable:
                        break
                    out = out.copy()
                    repair.bump(out, dups, movable, table)
                dups = _repeats(conn, snapshot, table, out, cols, items, predicate, base_type)
        except DBAPIError:
            continue
        if dups.any():
            raise LoadError(
                f"table {table.key}: {int(dups.sum())} synthetic rows repeat unique index {index.name} on {', '.join(items)}, "
                f"which provisioner cannot make unique; set tables.{table.key}.model to copy, or give those columns a model in the config"
            )
    return out


def _repeats(
    conn: Connection, snapshot: SchemaSnapshot, table: Table, frame: pd.DataFrame, cols: list[str], items: list[str],
    predicate: str | None, base_type: object,
) -> pd.Series:
    columns = [Column(_ROW, "bigint", "bigint")] + [
        dataclasses.replace(table.column(c), type=base_type(table.column(c), snapshot)) for c in cols]  # type: ignore[operator]
    sub = frame[cols].reset_index(drop=True)
    sub.insert(0, _ROW, np.arange(len(sub), dtype=np.int64))
    temp = copy_into_temp(conn.connection.driver_connection, _TEMP, columns, sub)
    exprs = [sql.SQL("({})").format(sql.SQL(item)) for item in items]  # type: ignore[arg-type]
    where = sql.SQL(" AND ").join([sql.SQL("{} IS NOT NULL").format(e) for e in exprs] + ([sql.SQL(f"({predicate})")] if predicate else []))  # type: ignore[arg-type]
    query = sql.SQL("SELECT {row} FROM (SELECT {row}, row_number() OVER (PARTITION BY {keys} ORDER BY {row}) AS k FROM {temp} WHERE {where}) s "
                    "WHERE k > 1").format(row=sql.Identifier(_ROW), keys=sql.SQL(", ").join(exprs), temp=temp, where=where)
    rows = [r[0] for r in run(conn, query).fetchall()]
    bad = np.zeros(len(frame), dtype=bool)
    bad[np.asarray(rows, dtype=np.int64)] = True
    return pd.Series(bad, index=frame.index)


def _split(keys: str) -> list[str]:
    """An index's key list split at its top-level commas."""
    items, depth, start, quoted = [], 0, 0, False
    for i, ch in enumerate(keys):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            items.append(keys[start:i].strip())
            start = i + 1
    items.append(keys[start:].strip())
    return [i for i in items if i]


def _names(column: str, text: str) -> bool:
    quoted = sql.Identifier(column).as_string(None)
    return bool(re.search(rf'(?<![\w"]){re.escape(column)}(?![\w"])', text)) or quoted in text
