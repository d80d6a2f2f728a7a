"""Checks pandas cannot evaluate (regular expressions, functions), evaluated by PostgreSQL.

Inside the load transaction, before a table is copied, the columns a check names
are copied into a temporary table (domain columns as their base type, so the
COPY itself cannot fail) and PostgreSQL returns the rows for which the check is
FALSE. Those rows take the values of the check's non-key columns from a row that
passes, a few rounds at most, then (a ``col ~ 'pattern'`` check on one text column) values
drawn from the pattern (:mod:`provisioner.synth.regexgen`). What still fails is an error naming the table,
the check and the way out; no row is ever dropped.
"""

from __future__ import annotations

import dataclasses
import re
import zlib

import numpy as np
import pandas as pd
from psycopg import sql
from sqlalchemy import Connection

from provisioner.errors import LoadError
from provisioner.load.copyio import copy_into_temp
from provisioner.pg.connect import run
from provisioner.schema.snapshot import TEXT_KINDS, Column, SchemaSnapshot, Table
from provisioner.synth import regexgen
from provisioner.synth.repair import domain_of, unevaluable

ROUNDS = 3
_TEMP = "_provisioner_check"
_ROW = "__provisioner_row"


def conform(conn: Connection, snapshot: SchemaSnapshot, key: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every row passing the table's unevaluable checks (raises LoadError otherwise)."""
    table = snapshot.table(key)
    checks = unevaluable(table, snapshot.domains)
    if frame.empty or not checks:
        return frame
    out = frame.copy()
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    for name, definition in checks:
        cols = [c.name for c in table.columns if c.name in out and _names(c.name, definition)]
        if not cols:
            continue
        movable = [c for c in cols if c not in table.primary_key and c not in table.fk_columns]
        for _ in range(ROUNDS):
            bad = _failing(conn, snapshot, table, out, cols, definition)
            if not bad.any() or bad.all() or not movable:
                break
            donors = np.flatnonzero(~bad.to_numpy())[rng.integers(0, int((~bad).sum()), size=int(bad.sum()))]
            out.loc[bad, movable] = out[movable].iloc[donors].to_numpy()
        bad = _failing(conn, snapshot, table, out, cols, definition)
        if bad.any() and _from_pattern(out, bad, table, movable, definition, rng):
            bad = _failing(conn, snapshot, table, out, cols, definition)
        if bad.any():
            raise LoadError(
                f"table {table.key}: {int(bad.sum())} synthetic rows break check {name} on {', '.join(cols)}, which provisioner "
                f"cannot evaluate before the load; set tables.{table.key}.model to copy, or pii.add/pii.remove for those columns"
            )
    return out


def _from_pattern(frame: pd.DataFrame, bad: pd.Series, table: Table, movable: list[str], definition: str, rng: np.random.Generator) -> bool:
    """Rows still breaking a ``col ~ 'pattern'`` check take values drawn from the pattern (one text column)."""
    pattern = regexgen.pattern_of(definition)
    texts = [c for c in movable if table.column(c).kind in TEXT_KINDS]
    values = regexgen.matching(pattern, int(bad.sum()), rng) if pattern is not None and len(texts) == 1 else None
    if values is None:
        return False
    frame.loc[bad, texts[0]] = values
    return True


def _names(column: str, definition: str) -> bool:
    """Whether a check's text names ``column`` (bare, or quoted as PostgreSQL quotes it)."""
    quoted = sql.Identifier(column).as_string(None)
    return bool(re.search(rf'(?<![\w"]){re.escape(column)}(?![\w"])', definition)) or quoted in definition


def _failing(conn: Connection, snapshot: SchemaSnapshot, table: Table, frame: pd.DataFrame, cols: list[str], definition: str) -> pd.Series:
    """Rows for which PostgreSQL finds the check FALSE (domain columns copied as their base type)."""
    columns = [Column(_ROW, "bigint", "bigint")] + [dataclasses.replace(table.column(c), type=base_type(table.column(c), snapshot)) for c in cols]
    sub = frame[cols].reset_index(drop=True)
    sub.insert(0, _ROW, np.arange(len(sub), dtype=np.int64))
    temp = copy_into_temp(conn.connection.driver_connection, _TEMP, columns, sub)
    expr = re.sub(r"^CHECK\s*", "", definition.replace(" NOT VALID", ""))
    query = sql.SQL("SELECT {} FROM {} WHERE NOT {}").format(sql.Identifier(_ROW), temp, sql.SQL(expr))  # type: ignore[arg-type]
    rows = [r[0] for r in run(conn, query).fetchall()]
    bad = np.zeros(len(frame), dtype=bool)
    bad[np.asarray(rows, dtype=np.int64)] = True
    return pd.Series(bad, index=frame.index)


def base_type(col: Column, snapshot: SchemaSnapshot) -> str:
    dom = domain_of(col.type, snapshot.domains)
    if dom is None:
        return col.type
    match = re.search(r"\sAS\s+(.+?)(?:\s+DEFAULT\s|\s+NOT NULL|\s+CONSTRAINT\s|\s+CHECK\s|$)", dom.definition)
    return match[1] if match else "text"
