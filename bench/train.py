"""Training time for Chinook and Northwind, per table and in all.

    python3 bench/train.py [--datasets chinook northwind] [--epochs N] [--torch-threads 1 2] [--repeats 1]

Loads each dataset (``/work/shared/datasets/<name>.sql``, else the packaged
copy) into a scratch source and trains a bundle with the default settings
(``train.epochs`` 100) unless ``--epochs`` is given. With several
``--torch-threads`` values the runs alternate between them in one process.
Prints ``train_seconds_<dataset>_threads<k>`` (median) and the slowest tables.

Not done yet (issue 5): ``--time-budget`` / ``train.time_budget`` and quality at
1/3/10 minutes.
"""

from __future__ import annotations

import argparse
import time

import torch

from _common import dataset, emit, median, scratch_db

from provisioner import api, sqlscript
from provisioner.config import Config, TrainConfig


def train_once(source: str, epochs: int | None, threads: int) -> tuple[float, dict[str, float]]:
    torch.set_num_threads(threads)
    train = TrainConfig(epochs=epochs) if epochs else TrainConfig()
    started = time.perf_counter()
    result = api.train_bundle(Config(source=source, seed=1, train=train))
    return time.perf_counter() - started, {k: m.seconds for k, m in result.bundle.tables.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["chinook", "northwind"])
    parser.add_argument("--epochs", type=int, default=None, help="default: the config default (100)")
    parser.add_argument("--torch-threads", type=int, nargs="+", default=[torch.get_num_threads()])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    for name in args.datasets:
        with scratch_db(f"train_{name}") as source:
            sqlscript.load_sql_script(source, dataset(f"{name}.sql"))
            seconds: dict[int, list[float]] = {t: [] for t in args.torch_threads}
            tables: dict[str, float] = {}
            for _ in range(args.repeats):
                for threads in args.torch_threads:
                    total, tables = train_once(source, args.epochs, threads)
                    seconds[threads].append(total)
        for threads, values in seconds.items():
            emit(f"train_seconds_{name}_threads{threads}", median(values))
        for key, value in sorted(tables.items(), key=lambda kv: -kv[1])[:3]:
            emit(f"table_seconds_{name}_{key}", value)


if __name__ == "__main__":
    main()
