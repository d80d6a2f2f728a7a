"""Sample 1M rows of a one-table CTGAN bundle and stream them into PostgreSQL.

    python3 bench/sample_and_load.py [--rows 1000000] [--repeats 3] [--chunk-rows 100000]

Trains a bundle of one table (``events``: timestamp, numeric, boolean, integer
and categorical columns; 5000 source rows, CTGAN, 2 epochs) on a scratch
source, not timed. Then, alternating, ``--repeats`` times each:

* sample only: ``shards.StreamSource`` for every row, nothing loaded -> ``sample_rows_per_s``;
* sample + load: ``load.loader.load`` of a ``StreamSource`` into a fresh database (Alembic schema,
  shards COPYed while the next is sampled, one transaction) -> wall seconds;
* ``psql \\copy`` of the very same rows (dumped to a CSV file beforehand, not
  timed) into a fresh table of the same definition -> seconds.

Prints medians and ``sample_load_vs_copy`` = sample+load wall / \\copy seconds (target <= 3).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from _bundles import events_bundle, rows_config
from _common import emit, median, scratch_db

from provisioner.load.loader import load
from provisioner.model import bundle as bundle_io
from provisioner.model.executor import LocalExecutor
from provisioner.pg import connect as db
from provisioner.pg import script as sqlscript
from provisioner.synth import shards


def sample_only(model: bundle_io.ModelBundle, rows: int, chunk_rows: int) -> float:
    config = rows_config(None, rows)
    started = time.perf_counter()
    source = shards.StreamSource(model, config, shards.make_plan(model, config, 0), chunk_rows)
    count = sum(len(f) for f in source.frames("events"))
    assert count == rows, count
    return time.perf_counter() - started


def sample_and_load(model: bundle_io.ModelBundle, url: str, rows: int, chunk_rows: int, workers: int = 0) -> float:
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public; CHECKPOINT")
    engine = db.target_engine(url)
    try:
        started = time.perf_counter()
        pool = LocalExecutor(workers) if workers else None
        try:
            config = rows_config(url, rows)
            load(engine, model.snapshot, shards.StreamSource(model, config, shards.make_plan(model, config, 0), chunk_rows, pool))
        finally:
            if pool is not None:
                pool.close()
        return time.perf_counter() - started
    finally:
        engine.dispose()


def dump_rows(url: str, csv_path: Path) -> str:
    """The loaded rows as CSV, and the table's definition (psql's \\d is not needed: we know it)."""
    subprocess.run(["psql", "-X", "-q", "-d", url, "-c", f"\\copy events TO '{csv_path}' WITH (FORMAT csv)"], check=True)
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        cols = conn.execute(
            "SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum) "
            "FROM pg_attribute WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped"
        ).fetchone()
    return f"CREATE TABLE events ({cols[0]}, PRIMARY KEY (id))"


def psql_copy(url: str, ddl: str, csv_path: Path) -> float:
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(ddl)
        conn.execute("CHECKPOINT")
    started = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c",
                    f"\\copy events FROM '{csv_path}' WITH (FORMAT csv)"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=0, help="also time sample+load with shards made by a pool of this many processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_db("sample_load") as url:
        model = bundle_io.load(events_bundle(Path(tmp) / "events.bundle"))
        csv_path = Path(tmp) / "events.csv"
        sampled, streamed, copied, pooled = [], [], [], []
        for i in range(args.repeats):
            sampled.append(sample_only(model, args.rows, args.chunk_rows))
            streamed.append(sample_and_load(model, url, args.rows, args.chunk_rows))
            if args.workers:
                pooled.append(sample_and_load(model, url, args.rows, args.chunk_rows, args.workers))
            if i == 0:
                ddl = dump_rows(url, csv_path)
            copied.append(psql_copy(url, ddl, csv_path))
    emit("rows", args.rows)
    emit("sample_seconds", median(sampled))
    emit("sample_rows_per_s", args.rows / median(sampled))
    emit("sample_load_seconds", median(streamed))
    emit("psql_copy_seconds", median(copied))
    emit("sample_load_vs_copy", median(streamed) / median(copied))
    if pooled:
        emit(f"pool{args.workers}_sample_load_seconds", median(pooled))
        emit(f"pool{args.workers}_sample_load_vs_copy", median(pooled) / median(copied))


if __name__ == "__main__":
    main()
