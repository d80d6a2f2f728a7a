"""Provision TPC-H (loaded by bench/tpch_load.py) at --scale 1 and time every stage.

    python bench/tpch.py        # generates TPC-H SF 0.1 into database tpch_sf01 first if it is missing
    python bench/tpch.py --source postgresql://postgres@127.0.0.1:5432/tpch_sf01

Training reads at most ``--row-cap`` rows per table (20000, the default) and runs
within ``--time-budget`` (180 s: rows and epochs per CTGAN table shrink to fit, see
``provisioner/budget.py``); sampling, the privacy gate and the load work on the full
row counts.
Prints wall seconds and the process's peak RSS (getrusage maxrss) after every
stage, the total, and the rows loaded per table.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provisioner import api  # noqa: E402
from provisioner.config import load_config  # noqa: E402
from provisioner.errors import GateFailed  # noqa: E402
from provisioner.pg import script as sqlscript  # noqa: E402
from provisioner.progress import Progress  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class StageClock(Progress):
    """Prints each stage as it ends, with the peak memory so far."""

    def done(self, name: str, seconds: float, detail: str = "") -> None:
        print(f"  {name:<8} {seconds:8.1f} s   peak RSS so far {peak_mib():8.0f} MiB", flush=True)


def _ensure_source(args: argparse.Namespace) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(args.source).database or "tpch_sf01"
    if sqlscript.database_exists(args.admin, name):
        return
    try:
        from tpch_load import ensure
    except ImportError as exc:
        raise SystemExit(f"database {name} is missing and TPC-H cannot be generated ({exc}); "
                         "pip install duckdb==1.5.5 duckdb-extension-tpch==1.5.5") from None
    ensure(args.admin, name, 0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="postgresql://postgres@127.0.0.1:5432/tpch_sf01")
    parser.add_argument("--admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--target-db", default="tpch_sf01_stage")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--row-cap", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--time-budget", default="180s", help="train.time_budget ('' for none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--identifiability-gap-max", type=float, help="Override privacy.identifiability_gap_max (default 0.05).")
    args = parser.parse_args()
    _ensure_source(args)
    target = sqlscript.create_database(args.admin, args.target_db, replace=True)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as cfg:
        cfg.write(f"seed: {args.seed}\ntrain:\n  row_cap: {args.row_cap}\n  epochs: {args.epochs}\n")
        if args.time_budget:
            cfg.write(f"  time_budget: {args.time_budget}\n")
        if args.identifiability_gap_max is not None:
            cfg.write(f"privacy:\n  identifiability_gap_max: {args.identifiability_gap_max}\n")
    config = load_config(cfg.name).with_overrides(source=args.source, target=target, scale=args.scale)
    print(f"TPC-H provision: scale {args.scale}, train.row_cap {args.row_cap}, epochs {args.epochs}, "
          f"time budget {args.time_budget or 'none'}", flush=True)
    started = time.perf_counter()
    try:
        result = api.provision(config, progress=StageClock())
    except GateFailed as exc:
        print(f"  gate failed after {time.perf_counter() - started:.1f} s, peak RSS {peak_mib():.0f} MiB: {exc}")
        raise SystemExit(1) from None
    total = time.perf_counter() - started
    print(f"  total    {total:8.1f} s   peak RSS {peak_mib():8.0f} MiB")
    for key, rows in result.synthetic_rows.items():
        method = result.report["tables"][key]["method"]
        print(f"  {key:<10} {rows:>8} rows  ({method})")
    print(f"tpch_total_seconds={total:.1f} tpch_peak_rss_mib={peak_mib():.0f}")


if __name__ == "__main__":
    main()
