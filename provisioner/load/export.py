"""``provisioner sample --format``: write synthetic tables as CSV, Parquet or one psql script.

The SQL script is self-contained: ``psql -v ON_ERROR_STOP=1 -1 -f synthetic.sql``
into an empty database creates the schema, COPYs every table, then adds the
foreign keys (so no load order or cycle handling is needed), resets sequences,
refreshes materialized views and turns on row-level security with its policies.
Part columns (a range's bounds, a composite's attributes) are written into their
column, never as columns of their own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from provisioner import files
from provisioner.errors import ConfigError
from provisioner.load import casefold
from provisioner.load.copytext import column_text, copy_statement, to_copy_text
from provisioner.schema import ddl
from provisioner.schema.snapshot import SchemaSnapshot
from provisioner.synth import parts
from provisioner.synth.sample import SyntheticTables

FORMATS = ("csv", "parquet", "sql")


def export(synthetic: SyntheticTables, snapshot: SchemaSnapshot, out_dir: str | Path, fmt: str = "csv") -> list[Path]:
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {key: stored(frame, snapshot, key) for key, frame in synthetic.tables.items()}
    if fmt == "csv":
        return [files.write_with(folder / f"{key}.csv", lambda p, f=frame, k=key: _dated(f, snapshot, k).to_csv(p, index=False))
                for key, frame in tables.items()]
    if fmt == "parquet":
        _need_parquet()
        return [files.write_with(folder / f"{key}.parquet", lambda p, f=frame: _plain_objects(f).to_parquet(p, index=False))
                for key, frame in tables.items()]
    if fmt == "sql":
        path = folder / "synthetic.sql"
        return [files.write_bytes(path, sql_script(synthetic, snapshot))]
    raise ConfigError(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")


def stored(frame: pd.DataFrame, snapshot: SchemaSnapshot, key: str) -> pd.DataFrame:
    """The frame's columns PostgreSQL stores (part columns left out), in the table's order."""
    table = snapshot.table(key)
    frame = casefold.conform(parts.records(frame, table), table)  # lower(email) unique without a database
    return frame[[c.name for c in table.stored_columns if c.name in frame.columns]]


def _dated(frame: pd.DataFrame, snapshot: SchemaSnapshot, key: str) -> pd.DataFrame:
    """Date columns as dates on every row: a column mixing dates with special-value text ('9999-01-01',
    'infinity') is held as objects, which pandas would write as '1997-05-02 00:00:00'. Structured values
    (json, arrays, hstore) as PostgreSQL reads them: a copied table holds Python dicts, which pandas would
    write as {'en': ...}, not JSON."""
    table, out = snapshot.table(key), frame
    for name in frame.columns:
        kind = table.column(name).kind
        if kind == "date" and frame[name].dtype == object:
            out = out.copy() if out is frame else out
            out[name] = frame[name].map(lambda v: v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else v)
        elif kind in STRUCTURED and frame[name].dtype == object:
            out = out.copy() if out is frame else out
            out[name] = column_text(frame[name], table.column(name))
    return out


STRUCTURED = frozenset({"json", "jsonb", "array", "hstore"})


def _plain_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing values and special-value text ('infinity', 'NaN') as text, which Parquet can hold."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object and out[name].map(type).nunique() > 1:
            out[name] = out[name].map(lambda v: None if not isinstance(v, str) and pd.isna(v) else str(v))
    return out


def _need_parquet() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ConfigError("--format parquet needs pyarrow: pip install pyarrow (or use --format csv)") from None


def sql_script(synthetic: SyntheticTables, snapshot: SchemaSnapshot) -> bytes:
    statements = ddl.create_statements(snapshot)
    foreign = ddl.foreign_key_adds(snapshot)
    parts = ["-- synthetic data from provisioner; load with: psql -v ON_ERROR_STOP=1 -1 -f synthetic.sql\n".encode()]
    parts += [f"{s};\n".encode() for s in statements if s not in foreign]
    parts += [f"{s};\n".encode() for s in ddl.pre_load_statements(snapshot)]
    for key in synthetic.order.tables:
        table, frame = snapshot.table(key), stored(synthetic.tables[key], snapshot, key)
        if frame.empty:
            continue
        parts.append(f"\n{copy_statement(table.ident, list(frame.columns)).as_string(None)};\n".encode())
        parts.append(to_copy_text(frame, table) + b"\\.\n")
    parts += [f"{s};\n".encode() for s in foreign]
    parts += [f"{s.as_string(None)};\n".encode() for s in ddl.sequence_resets(snapshot)]
    parts += [f"{s};\n".encode() for s in ddl.post_load_statements(snapshot)[0]]
    return b"".join(parts)
