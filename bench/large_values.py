"""What one large text value costs `train`: 200 short rows, with and without one 1 MB value.

Trains the same one-table database twice per repeat, alternating (without, with the large
value), and prints the medians; also times PII detection on one 40 KB value, which the
unbounded e-mail pattern made quadratic (5.5 s before).

    python3 bench/large_values.py [--repeats 3] [--megabytes 1]

Prints ``train_seconds_short=...``, ``train_seconds_large=...``, ``large_value_added_seconds=...``,
``pii_detect_40kb_seconds=...``.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from _common import emit, median, scratch_db

from provisioner.config import Config
from provisioner.model import pii
from provisioner.model.train import train
from provisioner.pg import connect as db
from provisioner.pg import script as sqlscript
from provisioner.schema.reflect import reflect
from provisioner.schema.snapshot import Column, SchemaSnapshot, Table

SCHEMA = """
CREATE TABLE note (
    note_id serial PRIMARY KEY,
    body text NOT NULL,
    score integer NOT NULL,
    created_on date NOT NULL
);
INSERT INTO note (body, score, created_on)
SELECT 'a short note about item ' || g || ' and what followed', g % 17, date '2024-01-01' + g FROM generate_series(1, 200) g;
"""


def train_seconds(url: str) -> float:
    engine = db.source_engine(url)
    try:
        snapshot = reflect(engine)
        started = time.perf_counter()
        train(engine, snapshot, Config(source=url))
        return time.perf_counter() - started
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--megabytes", type=float, default=1.0)
    args = parser.parse_args()
    short, large = [], []
    with scratch_db("short") as short_url, scratch_db("large") as large_url:
        for url in (short_url, large_url):
            with sqlscript_connection(url) as conn:
                conn.execute(SCHEMA)
        with sqlscript_connection(large_url) as conn:
            size = int(args.megabytes * 1_000_000)
            conn.execute("INSERT INTO note (body, score, created_on) VALUES (repeat('0123456789abcdef', %s), 3, '2024-06-01')",
                         (size // 16,))  # one unbroken run, like a base64 blob
        for _ in range(args.repeats):
            short.append(train_seconds(short_url))
            large.append(train_seconds(large_url))
    emit("train_seconds_short", median(short))
    emit("train_seconds_large", median(large))
    emit("large_value_added_seconds", median(large) - median(short))
    table = Table("public", "t", (Column("body", "text", "text"),))
    frame = pd.DataFrame({"body": ["x" * 40_000] + [f"plain note {i}" for i in range(20)]})
    started = time.perf_counter()
    pii.detect(SchemaSnapshot(("public",), (table,)), {"t": frame})
    emit("pii_detect_40kb_seconds", time.perf_counter() - started)


def sqlscript_connection(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True)


if __name__ == "__main__":
    main()
