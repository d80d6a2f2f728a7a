"""Provision Chinook at ``--scale 10`` (or TPC-H SF 0.1 at 1) from a bundle alone, seconds per stage.

    python3 bench/provision_from_bundle.py [--scale 10] [--epochs 2] [--repeats 3]
    python3 bench/provision_from_bundle.py --dataset tpch --time-budget 180 --repeats 1

TPC-H is database ``tpch_sf01`` (made by ``bench/tpch_load.py`` when missing), trained
with the default epochs under ``--time-budget``; its scale defaults to 1.

Loads ``chinook.sql`` (``/work/shared/datasets``, else the copy shipped in the
package) into a scratch source with ``sqlscript.load_sql_script`` and trains a
bundle (``--epochs``), not timed. Then, alternating ``--repeats`` times,
provisions a fresh target from the bundle alone:

* ``api.load_bundle`` (sample every table in memory, privacy verdict from the
  bundle, Alembic + COPY): ``bundle_<stage>_seconds`` for sample and load, and
  ``bundle_total_seconds`` (bundle read included);
* ``api.load_bundle(stream=True)`` (every streamable table sampled and COPYed shard by shard):
  ``stream_total_seconds``.

Medians; target ``bundle_total_seconds`` <= 10.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import dataset, emit, median, scratch_db

from provisioner import api
from provisioner.config import Config, TrainConfig
from provisioner.pg import script as sqlscript


def train(path: Path, epochs: int, name: str = "chinook", budget: float | None = None) -> Path:
    if name == "tpch":
        from _common import admin_url
        from tpch_load import ensure

        source = ensure(admin_url(), "tpch_sf01", 0.1)
        api.train_bundle(Config(source=source, seed=1, train=TrainConfig(time_budget=budget)), path)
        return path
    with scratch_db("chinook_source") as source:
        sqlscript.load_sql_script(source, dataset("chinook.sql"))
        config = Config(source=source, seed=1, train=TrainConfig(epochs=epochs, time_budget=budget))
        api.train_bundle(config, path)  # no privacy gate here: load_bundle accepts a bundle never checked
    return path


def via_api(path: Path, scale: float) -> dict[str, float]:
    with scratch_db("chinook_target") as target:
        started = time.perf_counter()
        result = api.load_bundle(path, Config(target=target, seed=2, scale=scale), stream=False)
        return {**result.seconds, "total": time.perf_counter() - started}


def via_stream(path: Path, scale: float) -> float:
    with scratch_db("chinook_stream") as target:
        started = time.perf_counter()
        api.load_bundle(path, Config(target=target, seed=2, scale=scale), stream=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["chinook", "tpch"], default="chinook")
    parser.add_argument("--time-budget", type=float, default=None, help="train.time_budget in seconds")
    parser.add_argument("--scale", type=float, default=None, help="default 10 (chinook), 1 (tpch)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bundle", type=Path, default=None, help="reuse (or write) this bundle instead of a temporary one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        scale = args.scale or (1.0 if args.dataset == "tpch" else 10.0)
        fresh = args.bundle or Path(tmp) / f"{args.dataset}.bundle"
        path = args.bundle if args.bundle and args.bundle.exists() else train(fresh, args.epochs, args.dataset, args.time_budget)
        emit("train_seconds", time.perf_counter() - started)
        runs, streamed = [], []
        for _ in range(args.repeats):
            runs.append(via_api(path, scale))
            streamed.append(via_stream(path, scale))
    for stage in runs[0]:
        emit(f"bundle_{stage}_seconds", median([r[stage] for r in runs]))
    emit("stream_total_seconds", median(streamed))


if __name__ == "__main__":
    main()
