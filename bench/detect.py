"""Can a classifier tell provisioner's rows from production? Per table, Chinook and Northwind.

    python3 bench/detect.py                       # both datasets, seed 0, default settings
    python3 bench/detect.py --seeds 0 1 2 --datasets chinook
    python3 bench/detect.py --url chinook=postgresql://...   # an already loaded copy

Trains with default settings, samples, and runs the quality stage's classifier test
(:mod:`provisioner.report.fidelity`: gradient boosting on each table's neutral columns with
its parents' neutral columns joined and its child counts added, 5-fold ROC AUC) and TSTR.
Prints ``name=value`` lines:

    <dataset>_<table>_auc            5-fold ROC AUC (0.5: indistinguishable)
    <dataset>_<table>_real_vs_real_auc   the same test between two halves of the real rows, split by
                                     driving parent when it is synthesised (what a fresh sample scores)
    <dataset>_<table>_binned_auc     parents' numbers and datetimes as deciles (a parent's exact value,
                                     repeated over its children, names it: no fresh sample shares it)
    <dataset>_<table>_grouped_auc    the same test with one parent's rows never split between the folds a classifier
                                     learns from and the fold it is tested on (it cannot recognise a parent it saw)
    <dataset>_<table>_giveaway       the feature whose shuffling costs the classifier most, and how much
    <dataset>_<table>_tstr / _trtr   train-on-synthetic vs train-on-real score on the real holdout
    <dataset>_mean_auc               mean over tables of at least 200 source rows (the acceptance figure)
    <dataset>_mean_auc_all           mean over every compared table
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

from bench._common import dataset_db, drop, emit  # noqa: E402
from provisioner.config import Config  # noqa: E402
from provisioner.model.train import train  # noqa: E402
from provisioner.pg.connect import source_engine  # noqa: E402
from provisioner.report import fidelity  # noqa: E402
from provisioner.schema.reflect import reflect  # noqa: E402
from provisioner.synth.sample import sample  # noqa: E402


def run(name: str, url: str, seed: int, importance: bool) -> float | None:
    engine = source_engine(url)
    try:
        snapshot = reflect(engine)
        config = Config(seed=seed)
        started = time.perf_counter()
        trained = train(engine, snapshot, config)
        synthetic = sample(trained.bundle, config)
        made = time.perf_counter() - started
    finally:
        engine.dispose()
    started = time.perf_counter()
    targets = {k: t.target for k, t in config.tables.items() if getattr(t, "target", None)}
    result = fidelity.evaluate(trained.bundle, trained.frames, synthetic.tables, trained.real, targets, seed, importance=importance)
    tag = f"{name}" if seed == 0 else f"{name}_seed{seed}"
    for key, table in result.tables.items():
        label = f"{tag}_{key.rsplit('.', 1)[-1]}"
        if table.detection is None:
            continue
        emit(f"{label}_auc", round(table.detection.auc, 3))
        for what, value in (("real_vs_real_auc", table.baseline), ("binned_auc", table.binned), ("binned_real_vs_real_auc", table.baseline_binned),
                            ("grouped_auc", table.grouped), ("grouped_real_vs_real_auc", table.baseline_grouped)):
            if value is not None:
                emit(f"{label}_{what}", round(value, 3))
        if table.detection.importance:
            feature, drop_ = table.detection.importance[0]
            emit(f"{label}_giveaway", f"{feature}:{drop_:.3f}")
        if table.utility is not None:
            emit(f"{label}_tstr_target", table.utility.target)
            emit(f"{label}_tstr", round(table.utility.synthetic, 3))
            emit(f"{label}_trtr", round(table.utility.real, 3))
    mean = result.mean_auc(fidelity.LARGE_ROWS)
    emit(f"{tag}_mean_auc", round(mean, 3) if mean is not None else "none")
    emit(f"{tag}_mean_auc_all", round(result.mean_auc() or 0.0, 3))
    for what in ("baseline", "binned", "baseline_binned", "grouped", "baseline_grouped"):
        value = result.mean_auc(fidelity.LARGE_ROWS, what)
        emit(f"{tag}_mean_{'real_vs_real' if what == 'baseline' else what}_auc", round(value, 3) if value is not None else "none")
    large = [t.detection.auc for t in result.tables.values() if t.detection and t.source_rows >= fidelity.LARGE_ROWS]
    emit(f"{tag}_max_auc", round(max(large), 3) if large else "none")
    emit(f"{tag}_train_sample_seconds", round(made, 1))
    emit(f"{tag}_detect_seconds", round(time.perf_counter() - started, 1))
    return mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["chinook", "northwind"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--url", action="append", default=[], help="NAME=URL of a database already holding the dataset")
    parser.add_argument("--no-importance", action="store_true", help="skip permutation importance (faster)")
    args = parser.parse_args()
    given = dict(item.split("=", 1) for item in args.url)
    for name in args.datasets:
        url = given.get(name) or dataset_db(name)
        try:
            for seed in args.seeds:
                run(name, url, seed, not args.no_importance)
        finally:
            if name not in given:
                drop(url)


if __name__ == "__main__":
    main()
