"""Does the privacy gate pass at default settings, seed after seed? Chinook and Northwind.

    python3 bench/gate_seeds.py                      # seeds 0-9, both datasets
    python3 bench/gate_seeds.py --seeds 5 --datasets northwind
    python3 bench/gate_seeds.py --url chinook=postgresql://...

Trains and samples with ``Config(seed=s)`` and runs the gate as ``provision`` does without
``--resample-violations`` (:func:`provisioner.privacy.gate.run`). Prints
``<dataset>_seed<s>_gate=pass|fail``, the failures, the exempt tables with their reason, and
``<dataset>_gate_passed=<k>/<n>``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

from bench._common import dataset_db, drop, emit  # noqa: E402
from provisioner.config import Config  # noqa: E402
from provisioner.model.train import train  # noqa: E402
from provisioner.pg.connect import source_engine  # noqa: E402
from provisioner.privacy import gate  # noqa: E402
from provisioner.schema.reflect import reflect  # noqa: E402
from provisioner.synth.sample import sample  # noqa: E402


def run(name: str, url: str, seeds: list[int], verbose: bool) -> None:
    engine = source_engine(url)
    passed = 0
    try:
        snapshot = reflect(engine)
        for seed in seeds:
            config = Config(seed=seed)
            trained = train(engine, snapshot, config)
            verdict = gate.run(trained.bundle, trained.real, sample(trained.bundle, config), config.privacy)
            passed += verdict.passed
            emit(f"{name}_seed{seed}_gate", "pass" if verdict.passed else "fail")
            for failure in verdict.report.failures:
                print(f"  {failure}")
            if verbose and seed == seeds[0]:
                for key, table in verdict.report.tables.items():
                    if table.status == "exempt":
                        print(f"  exempt {key}: {table.reason}")
    finally:
        engine.dispose()
    emit(f"{name}_gate_passed", f"{passed}/{len(seeds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["chinook", "northwind"])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(10)))
    parser.add_argument("--url", action="append", default=[], help="NAME=URL of a database already holding the dataset")
    parser.add_argument("--quiet", action="store_true", help="do not list the exempt tables")
    args = parser.parse_args()
    given = dict(item.split("=", 1) for item in args.url)
    for name in args.datasets:
        url = given.get(name) or dataset_db(name)
        try:
            run(name, url, args.seeds, not args.quiet)
        finally:
            if name not in given:
                drop(url)


if __name__ == "__main__":
    main()
