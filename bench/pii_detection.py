"""Benchmark PII detection against the hand-labelled Chinook and Northwind columns.

Reflects both sample databases, samples up to 2,000 rows per table, runs
``provisioner.model.pii.detect`` and compares with ``tests/pii_labels.yaml``.
Prints ``pii_recall=...``, ``pii_precision=...`` and a fill timing line.

    PROVISIONER_BENCH_PG=postgresql://postgres@127.0.0.1:5432 python bench/pii_detection.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd
import yaml
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provisioner.model.pii import PiiColumn, detect  # noqa: E402
from provisioner.pg.connect import source_engine  # noqa: E402
from provisioner.schema.reflect import reflect  # noqa: E402
from provisioner.schema.snapshot import SchemaSnapshot  # noqa: E402
from provisioner.synth.fake import fill  # noqa: E402

LABELS = ROOT / "tests" / "pii_labels.yaml"
SAMPLE_ROWS = 2000


def samples(engine: Engine, snapshot: SchemaSnapshot, limit: int = SAMPLE_ROWS) -> dict[str, pd.DataFrame]:
    with engine.connect() as conn:
        return {
            t.key: pd.read_sql(text(f"SELECT * FROM {t.sql_name} ORDER BY random() LIMIT {int(limit)}"), conn)
            for t in snapshot.tables
        }


def labelled(database: str) -> dict[tuple[str, str], str | None]:
    """(table, column) -> expected category, or None where the column is not PII."""
    tables = yaml.safe_load(LABELS.read_text(encoding="utf-8"))[database]
    return {(t, c): (v["category"] if v["pii"] else None) for t, cols in tables.items() for c, v in cols.items()}


def score(found: tuple[PiiColumn, ...], labels: dict[tuple[str, str], str | None]) -> dict[str, int]:
    flagged = {(p.table, p.column): p.category for p in found}
    truth = {k for k, v in labels.items() if v}
    return {
        "tp": len(truth & flagged.keys()),
        "fn": len(truth - flagged.keys()),
        "fp": len(flagged.keys() - truth),
        "category_ok": sum(flagged.get(k) == labels[k] for k in truth),
    }


def run(base_url: str) -> None:
    total = {"tp": 0, "fn": 0, "fp": 0, "category_ok": 0}
    for database in ("chinook", "northwind"):
        engine = source_engine(f"{base_url.rstrip('/')}/{database}")
        snapshot = reflect(engine)
        started = time.perf_counter()
        found = detect(snapshot, samples(engine, snapshot))
        labels = labelled(database)
        missing = {(t.key, c.name) for t in snapshot.tables for c in t.columns} - labels.keys()
        if missing:
            print(f"warning: {len(missing)} {database} columns are not labelled", file=sys.stderr)
        counts = score(found, labels)
        print(f"{database}: flagged={len(found)} tp={counts['tp']} fn={counts['fn']} fp={counts['fp']} "
              f"detect_s={time.perf_counter() - started:.2f}")
        for key in counts:
            total[key] += counts[key]
        if database == "chinook":
            time_fill(snapshot, found)
        engine.dispose()
    recall = total["tp"] / max(total["tp"] + total["fn"], 1)
    precision = total["tp"] / max(total["tp"] + total["fp"], 1)
    print(f"pii_recall={recall:.3f}")
    print(f"pii_precision={precision:.3f}")
    print(f"pii_category_accuracy={total['category_ok'] / max(total['tp'], 1):.3f}")


def time_fill(snapshot: SchemaSnapshot, found: tuple[PiiColumn, ...], rows: int = 100_000) -> None:
    table = snapshot.table("customer")
    countries = ["USA", "Germany", "France", "Brazil", "Canada", "India", "Norway", "Chile"]
    frame = pd.DataFrame({"customer_id": range(rows), "country": [countries[i % 8] for i in range(rows)]})
    started = time.perf_counter()
    fill(table, frame, [p for p in found if p.table == "customer"], seed=7)
    print(f"pii_fill_100k_customer_s={time.perf_counter() - started:.2f}")


if __name__ == "__main__":
    run(os.environ.get("PROVISIONER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
