"""``provisioner sample --format``: write synthetic tables as CSV, Parquet or one psql script.

The SQL script is self-contained: ``psql -v ON_ERROR_STOP=1 -1 -f synthetic.sql``
into an empty database creates the schema, COPYs every table, then adds the
foreign keys (so no load order or cycle handling is needed) and resets sequences.
"""

from __future__ import annotations

from pathlib import Path

from provisioner import files
from provisioner.errors import ConfigError
from provisioner.load.copytext import copy_statement, to_copy_text
from provisioner.schema import ddl
from provisioner.schema.snapshot import SchemaSnapshot
from provisioner.synth.sample import SyntheticTables

FORMATS = ("csv", "parquet", "sql")


def export(synthetic: SyntheticTables, snapshot: SchemaSnapshot, out_dir: str | Path, fmt: str = "csv") -> list[Path]:
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return [files.write_with(folder / f"{key}.csv", lambda p, f=frame: f.to_csv(p, index=False)) for key, frame in synthetic.tables.items()]
    if fmt == "parquet":
        _need_parquet()
        return [files.write_with(folder / f"{key}.parquet", lambda p, f=frame: f.to_parquet(p, index=False)) for key, frame in synthetic.tables.items()]
    if fmt == "sql":
        path = folder / "synthetic.sql"
        return [files.write_bytes(path, sql_script(synthetic, snapshot))]
    raise ConfigError(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")


def _need_parquet() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ConfigError("--format parquet needs pyarrow: pip install pyarrow (or use --format csv)") from None


def sql_script(synthetic: SyntheticTables, snapshot: SchemaSnapshot) -> bytes:
    statements = ddl.create_statements(snapshot)
    foreign = [s for s in statements if s.startswith("ALTER TABLE") and " FOREIGN KEY " in s]
    parts = ["-- synthetic data from provisioner; load with: psql -v ON_ERROR_STOP=1 -1 -f synthetic.sql\n".encode()]
    parts += [f"{s};\n".encode() for s in statements if s not in foreign]
    for key in synthetic.order.tables:
        table, frame = snapshot.table(key), synthetic.tables[key]
        if frame.empty:
            continue
        parts.append(f"\n{copy_statement(table.ident, list(frame.columns)).as_string(None)};\n".encode())
        parts.append(to_copy_text(frame, table) + b"\\.\n")
    parts += [f"{s};\n".encode() for s in foreign]
    parts += [f"{s.as_string(None)};\n".encode() for s in ddl.sequence_resets(snapshot)]
    return b"".join(parts)
