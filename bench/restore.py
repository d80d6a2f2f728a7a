"""Provisioning from a bundle against restoring a dump of the same rows (what users compare us with).

    python3 bench/restore.py [--dataset chinook|tpch] [--scale 10] [--repeats 3] [--bundle PATH]

Trains a bundle (Chinook by default, 1 epoch: only the copula is used at Chinook's size), then
per repeat, alternating A and B into fresh databases: (A) ``provisioner load`` from the bundle
(``api.load_bundle``: Alembic schema, sampling, COPY, one transaction) and (B) ``pg_restore`` of a
custom-format ``pg_dump`` of A's result, taken once beforehand (not timed). Prints the medians and
``bundle_vs_restore`` = A / B (target <= 1.5 for Chinook x10).

Also the paths a CI job or a developer who reloads the same fixtures takes: (C) ``provisioner
refresh`` from the same bundle, whose template database is built once (not timed) and then
cloned (``CREATE DATABASE ... TEMPLATE``), timed alternating with B: ``refresh_vs_restore``; and
(D) ``provisioner load --cache-dir`` into a fresh database, whose rows cache was written once (not
timed): Alembic schema and COPY of the kept rows, no sampling: ``cached_vs_restore``.
``bundle_vs_restore`` is the cold load (A), sampling included.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from _common import admin_url, dataset, emit, median, scratch_db

from provisioner import api
from provisioner.config import Config, TrainConfig
from provisioner.devkit import refresh as templates
from provisioner.pg import script as sqlscript


def train(path: Path, name: str) -> Path:
    if name == "tpch":
        from tpch_load import ensure

        api.train_bundle(Config(source=ensure(admin_url(), "tpch_sf01", 0.1), seed=1, train=TrainConfig(time_budget=180)), path)
        return path
    with scratch_db(f"{name}_source") as source:
        sqlscript.load_sql_script(source, dataset(f"{name}.sql"))
        api.train_bundle(Config(source=source, seed=1, train=TrainConfig(epochs=1)), path)
    return path


def provision(bundle: Path, target: str, scale: float, cache: Path | None = None) -> tuple[float, int]:
    started = time.perf_counter()
    result = api.load_bundle(bundle, Config(target=target, seed=2, scale=scale), cache_dir=cache)
    return time.perf_counter() - started, sum(result.synthetic_rows.values())


def refresh(bundle: Path, target: str, scale: float) -> float:
    started = time.perf_counter()
    api.refresh(bundle, Config(target=target, seed=2, scale=scale), admin_url=admin_url(), force=True, replace=True)
    return time.perf_counter() - started


def restore(dump: Path, target: str) -> float:
    started = time.perf_counter()
    subprocess.run(["pg_restore", "--no-owner", "-d", target, str(dump)], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["chinook", "northwind", "tpch"], default="chinook")
    parser.add_argument("--scale", type=float, default=None, help="default 10 (chinook, northwind), 1 (tpch)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bundle", type=Path, default=None, help="reuse (or write) this bundle")
    args = parser.parse_args()
    scale = args.scale or (1.0 if args.dataset == "tpch" else 10.0)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = args.bundle if args.bundle and args.bundle.exists() else train(args.bundle or Path(tmp) / "b.bundle", args.dataset)
        dump = Path(tmp) / "rows.dump"
        with scratch_db("restore_seed") as seed_db:
            _, rows = provision(bundle, seed_db, scale)
            subprocess.run(["pg_dump", "-Fc", "-f", str(dump), seed_db], check=True)
        ours, theirs, cloned, cached = [], [], [], []
        cache = Path(tmp) / "rows-cache"
        with scratch_db("refresh_c") as target:
            refresh(bundle, target, scale)  # builds the template once
            with scratch_db("restore_d") as fresh:
                provision(bundle, fresh, scale, cache)  # writes the rows cache once
            for i in range(args.repeats):
                with scratch_db(f"restore_a{i}") as fresh:
                    ours.append(provision(bundle, fresh, scale)[0])
                with scratch_db(f"restore_b{i}") as fresh:
                    theirs.append(restore(dump, fresh))
                cloned.append(refresh(bundle, target, scale))
                with scratch_db(f"restore_d{i}") as fresh:
                    cached.append(provision(bundle, fresh, scale, cache)[0])
            sqlscript.drop_database(admin_url(), templates.names(target, admin_url())[1])
    emit("dataset", args.dataset)
    emit("rows", rows)
    emit("bundle_load_seconds", median(ours))
    emit("pg_restore_seconds", median(theirs))
    emit("bundle_vs_restore", median(ours) / median(theirs))
    emit("refresh_seconds", median(cloned))
    emit("refresh_vs_restore", median(cloned) / median(theirs))
    emit("cached_load_seconds", median(cached))
    emit("cached_vs_restore", median(cached) / median(theirs))


if __name__ == "__main__":
    main()
