"""Checks pandas cannot evaluate (regular expressions, functions), evaluated by PostgreSQL.

Inside the load transaction, before a table is copied, the columns a check names
are copied into a temporary table (domain columns as their base type, so the
COPY itself cannot fail) and PostgreSQL returns the rows for which the check is
FALSE. Those rows take the values of the check's non-key columns from a row that
passes, a few rounds at most. What still fails is an error naming the table,
the check and the way out; no row is ever dropped.
"""

from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from provisioner.errors import LoadError
from provisioner.pg.copyfmt import copy_sql, to_csv
from provisioner.schema.snapshot import Column, SchemaSnapshot, Table
from provisioner.synth.repair import domain_of, unevaluable

ROUNDS = 3
_TEMP = "_prov_check"


def conform(conn: Connection, snapshot: SchemaSnapshot, key: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every row passing the table's unevaluable checks (raises LoadError otherwise)."""
    table = snapshot.table(key)
    checks = unevaluable(table, snapshot.domains)
    if frame.empty or not checks:
        return frame
    out = frame.copy()
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    for name, definition in checks:
        cols = [c.name for c in table.columns if c.name in out and re.search(rf'(?<![\w"]){re.escape(c.name)}(?![\w"])|"{re.escape(c.name)}"', definition)]
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
        if bad.any():
            raise LoadError(
                f"table {table.key}: {int(bad.sum())} synthetic rows break check {name} on {', '.join(cols)}, which provisioner "
                f"cannot evaluate before the load; set tables.{table.key}.model to copy, or pii.add/pii.remove for those columns"
            )
    return out


def _failing(conn: Connection, snapshot: SchemaSnapshot, table: Table, frame: pd.DataFrame, cols: list[str], definition: str) -> pd.Series:
    defs = ", ".join(f'"{c}" {_base_type(table.column(c), snapshot)}' for c in cols)
    conn.execute(text(f"DROP TABLE IF EXISTS {_TEMP}"))
    conn.execute(text(f"CREATE TEMP TABLE {_TEMP} (_row bigint, {defs}) ON COMMIT DROP"))
    sub = frame[cols].reset_index(drop=True)
    sub.insert(0, "_row", np.arange(len(sub), dtype=np.int64))
    proxy = Table(table.schema, table.name, (Column("_row", "bigint", "bigint"),) + tuple(table.column(c) for c in cols))
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(copy_sql(_TEMP, list(sub.columns))) as copy:  # type: ignore[union-attr]
        copy.write(to_csv(sub, proxy))
    expr = re.sub(r"^CHECK\s*", "", definition.replace(" NOT VALID", ""))
    rows = conn.execute(text(f"SELECT _row FROM {_TEMP} WHERE NOT {expr}".replace(":", r"\:"))).scalars().all()
    bad = np.zeros(len(frame), dtype=bool)
    bad[np.asarray(rows, dtype=np.int64)] = True
    return pd.Series(bad, index=frame.index)


def _base_type(col: Column, snapshot: SchemaSnapshot) -> str:
    dom = domain_of(col.type, snapshot.domains)
    if dom is None:
        return col.type
    match = re.search(r"\sAS\s+(.+?)(?:\s+DEFAULT\s|\s+NOT NULL|\s+CONSTRAINT\s|\s+CHECK\s|$)", dom.definition)
    return match[1] if match else "text"
