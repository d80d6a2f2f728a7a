"""Provisioner's load path against ``psql \\copy`` on one mixed 1M-row table.

    python3 bench/load_vs_copy.py [--rows 1000000] [--repeats 3] [--profile out.html]

Creates a scratch database with a parent table (1000 rows) and a mixed table
(int PK, int FK, timestamp, text, numeric(10,2), boolean, several nullable
columns). The frame has the dtypes ``sample`` produces. Each repeat loads it
into a freshly created table twice, alternating: (A) provisioner's path,
``copyio.copy_frame`` (``copytext.to_copy_text`` + COPY, as ``load`` does), and (B)
``psql \\copy`` from a COPY text file written beforehand (not timed). Prints the
median seconds and rows/s of each and ``load_vs_copy_ratio`` (A's throughput
over B's; target >= 0.8). ``--profile`` runs pyinstrument on one A run.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
from _common import emit, median, scratch_db

from provisioner.load.copyio import copy_frame
from provisioner.load.copytext import to_copy_text
from provisioner.pg import script as sqlscript
from provisioner.pg.connect import target_engine
from provisioner.schema.reflect import reflect
from provisioner.schema.snapshot import Table

DDL = """
CREATE TABLE bench_rows (
    id integer PRIMARY KEY,
    parent_id integer NOT NULL REFERENCES bench_parent(id),
    created_at timestamp NOT NULL,
    updated_at timestamp,
    name text NOT NULL,
    note text,
    amount numeric(10,2) NOT NULL,
    discount numeric(10,2),
    active boolean NOT NULL,
    flagged boolean,
    quantity integer
)
"""


def mixed_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Rows in the dtypes ``sample`` hands to ``load`` (FKs as object, ints as Int64)."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000 * 86400, rows), unit="s")
    updated = pd.Series(created + pd.to_timedelta(rng.exponential(30, rows), unit="D")).where(rng.random(rows) > 0.3)
    words = np.array(["alpha", "beta", "gamma", "delta, inc.", 'say "hi"', "zeta", "eta theta", "iota"])
    note = pd.Series(words[rng.integers(0, len(words), rows)], dtype=object).where(rng.random(rows) > 0.5, None)
    quantity = pd.Series(rng.integers(1, 100, rows)).astype("Int64").where(rng.random(rows) > 0.2)
    return pd.DataFrame({
        "id": pd.array(np.arange(1, rows + 1), dtype="Int64"),
        "parent_id": rng.integers(1, 1001, rows).astype(object),
        "created_at": created,
        "updated_at": updated,
        "name": pd.Series(words[rng.integers(0, len(words), rows)], dtype=object) + " " + rng.integers(0, 10**6, rows).astype(str),
        "note": note,
        "amount": np.round(rng.lognormal(3, 1, rows), 2),
        "discount": pd.Series(np.round(rng.random(rows) * 10, 2)).where(rng.random(rows) > 0.4),
        "active": rng.random(rows) < 0.7,
        "flagged": pd.Series(rng.random(rows) < 0.1, dtype=object).where(rng.random(rows) > 0.5, None),
        "quantity": quantity,
    })


def fresh_table(url: str) -> None:
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_rows")
        conn.execute(DDL)
        conn.execute("CHECKPOINT")


def load_provisioner(url: str, table: Table, frame: pd.DataFrame) -> float:
    fresh_table(url)
    started = time.perf_counter()
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        copy_frame(conn, table, frame)
        conn.commit()
    return time.perf_counter() - started


def load_psql(url: str, csv_path: Path, columns: list[str]) -> float:
    fresh_table(url)
    cols = ", ".join(columns)
    command = f"\\copy bench_rows ({cols}) FROM '{csv_path}'"
    started = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command], check=True)
    return time.perf_counter() - started


def setup(url: str) -> Table:
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_parent (id integer PRIMARY KEY)")
        conn.execute("INSERT INTO bench_parent SELECT generate_series(1, 1000)")
    fresh_table(url)
    engine = target_engine(url)
    try:
        return reflect(engine).table("bench_rows")
    finally:
        engine.dispose()


def profile(url: str, table: Table, frame: pd.DataFrame, out: str) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002)
    profiler.start()
    load_provisioner(url, table, frame)
    profiler.stop()
    Path(out).write_text(profiler.output_html(), encoding="utf-8")
    print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", default=None, help="write a pyinstrument HTML profile of one provisioner load")
    args = parser.parse_args()
    frame = mixed_frame(args.rows)
    with scratch_db("load_vs_copy") as url, tempfile.TemporaryDirectory() as tmp:
        table = setup(url)
        csv_path = Path(tmp) / "rows.csv"
        csv_path.write_bytes(to_copy_text(frame, table))  # written beforehand, not timed
        if args.profile:
            profile(url, table, frame, args.profile)
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(load_provisioner(url, table, frame))
            theirs.append(load_psql(url, csv_path, list(frame.columns)))
    emit("rows", args.rows)
    emit("provisioner_load_seconds", median(ours))
    emit("psql_copy_seconds", median(theirs))
    emit("provisioner_rows_per_s", args.rows / median(ours))
    emit("psql_copy_rows_per_s", args.rows / median(theirs))
    emit("load_vs_copy_ratio", median(theirs) / median(ours))


if __name__ == "__main__":
    main()
