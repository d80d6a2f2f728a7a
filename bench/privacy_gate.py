"""Time the privacy gate on one large mixed-type table (numpy only, no database).

    python bench/privacy_gate.py [--rows 100000] [--seed 0]

Builds ``rows`` training rows, a quarter as many holdout rows and ``rows``
synthetic rows, all independent draws from one distribution (an ideal
generator, so every metric should pass), with eight mixed columns: integers,
skewed floats with missing values, tz-aware and naive timestamps with NaT,
categoricals of 5 and 40 levels, and a boolean. Prints
``privacy_gate_seconds=...`` (wall clock), the CPU seconds and the metric values.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provisioner.config import PrivacyConfig  # noqa: E402
from provisioner.privacy.metrics import check_table  # noqa: E402

KINDS = {
    "age": "numeric",
    "income": "numeric",
    "balance": "numeric",
    "signup": "datetime",
    "last_login": "datetime",
    "plan": "categorical",
    "country": "categorical",
    "active": "boolean",
}


def population(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    age = rng.integers(18, 90, rows)
    plan = rng.choice(["free", "basic", "pro", "team", "enterprise"], rows, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    income = np.round(rng.lognormal(10 + 0.01 * (age - 18), 0.6), 2)
    income[rng.random(rows) < 0.05] = np.nan
    signup = pd.Timestamp("2015-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 3000 * 86400, rows), unit="s")
    login = signup.tz_localize(None) + pd.to_timedelta(rng.exponential(200, rows), unit="D")
    login = login.where(rng.random(rows) > 0.1)
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "balance": np.round(rng.normal(1000, 400, rows) + (plan == "pro") * 500, 2),
            "signup": signup,
            "last_login": login,
            "plan": plan,
            "country": rng.choice([f"c{i:02d}" for i in range(40)], rows, p=_zipf(40)),
            "active": rng.random(rows) < 0.7,
        }
    )


def _zipf(levels: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, levels + 1)
    return weights / weights.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    train, holdout = population(args.rows, rng), population(args.rows // 4, rng)
    synthetic = population(args.rows, rng)
    start, cpu = time.perf_counter(), time.process_time()
    result = check_table("bench", train, holdout, synthetic, KINDS, PrivacyConfig(), seed=args.seed)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"privacy_gate_seconds={seconds:.2f}")
    print(f"privacy_gate_cpu_seconds={cpu:.2f}  (all threads; compare when the machine is busy)")
    print(f"rows train={len(train)} holdout={len(holdout)} synthetic={len(synthetic)} status={result.status}")
    for metric in result.metrics:
        baseline = "-" if metric.baseline is None else f"{metric.baseline:.4f}"
        print(f"{metric.name}={metric.value:.4f} baseline={baseline} passed={metric.passed}")
    print(f"passed={result.passed}")


if __name__ == "__main__":
    main()
