"""Peak memory of provisioning one big table from a bundle, streamed.

    python3 bench/memory.py [--rows 1000000 3000000] [--model gaussian_copula] [--in-memory]

Trains a bundle of one table (``events``, see ``_bundles.py``; a Gaussian
copula by default, because CTGAN samples at a few thousand rows/s on this
2-core machine and 10M rows would take about an hour), then, for each
``--rows``, provisions a fresh database from the bundle in a *child process*
with ``api.load_bundle(stream=True)`` and reads the child's peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``). ``--in-memory`` also measures
the pre-streaming path (``sample`` the whole frame, then ``load``) at the
smallest size. Prints ``peak_rss_mib_<rows>=...`` and ``seconds_<rows>=...``
(target: <= 1536 MiB and flat).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bundles import events_bundle, rows_config
from _common import emit, scratch_db


def child(bundle_path: str, rows: int, url: str, mode: str) -> None:
    from provisioner import api

    started = time.perf_counter()
    config = rows_config(url, rows)
    api.load_bundle(bundle_path, config, stream=mode == "stream")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mib": peak_kib / 1024, "seconds": time.perf_counter() - started}))


def measure(bundle_path: Path, rows: int, mode: str) -> dict[str, float]:
    with scratch_db(f"memory_{mode}") as url:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(bundle_path), str(rows), url, mode],
            check=True, capture_output=True, text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 3_000_000])
    parser.add_argument("--model", default="gaussian_copula", choices=["gaussian_copula", "ctgan"])
    parser.add_argument("--in-memory", action="store_true", help="also measure sample-everything-then-load at the smallest size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bundle_path = events_bundle(Path(tmp) / "events.bundle", model=args.model)
        for rows in args.rows:
            result = measure(bundle_path, rows, "stream")
            emit(f"peak_rss_mib_{rows}", result["peak_mib"])
            emit(f"seconds_{rows}", result["seconds"])
        if args.in_memory:
            rows = min(args.rows)
            result = measure(bundle_path, rows, "in_memory")
            emit(f"in_memory_peak_rss_mib_{rows}", result["peak_mib"])
            emit(f"in_memory_seconds_{rows}", result["seconds"])


if __name__ == "__main__":
    main()
