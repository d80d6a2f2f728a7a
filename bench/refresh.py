"""Time ``provisioner refresh``: the first run (template built) and a repeat (template cloned).

    python bench/refresh.py [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Loads Chinook (``/work/shared/datasets/chinook.sql``, else the bundled copy)
into a new database, trains a bundle with ``train.epochs: 1``, then refreshes a
target twice. Prints ``refresh_first_seconds=`` and ``refresh_second_seconds=``
(target for the second: at most 3 s). Everything it creates is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provisioner import api  # noqa: E402
from provisioner.api import refresh  # noqa: E402
from provisioner.cli.term import LineProgress  # noqa: E402
from provisioner.config import Config, TrainConfig  # noqa: E402
from provisioner.devkit.refresh import template_name  # noqa: E402
from provisioner.pg import script as sqlscript  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = (Path("/work/shared/datasets/chinook.sql"), ROOT / "provisioner" / "data" / "chinook.sql")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=os.environ.get("PROVISIONER_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    admin = args.admin_url
    pid = os.getpid()
    source_db, target_db = f"bench_refresh_src_{pid}", f"bench_refresh_dev_{pid}"
    script = next(p for p in SCRIPTS if p.exists())
    try:
        source = sqlscript.create_database(admin, source_db)
        sqlscript.load_sql_script(source, script)
        with tempfile.TemporaryDirectory() as tmp:
            bundle = Path(tmp) / "chinook.bundle"
            started = time.perf_counter()
            api.train_bundle(Config(source=source, seed=7, train=TrainConfig(epochs=1)), bundle)
            print(f"train_seconds={time.perf_counter() - started:.2f}")
            config = Config(target=sqlscript.database_url(admin, target_db), seed=7)
            progress = LineProgress()  # timestamped stages on stderr
            first = refresh(bundle, config, admin_url=admin, progress=progress)
            second = refresh(bundle, config, admin_url=admin, progress=progress)
            assert first.rebuilt_template and not second.rebuilt_template
            print(f"refresh_first_seconds={first.seconds:.2f}")
            print(f"refresh_second_seconds={second.seconds:.2f}")
            print(f"rows_invoice={sqlscript.table_row_counts(config.target)['invoice']}")
    finally:
        for name in (target_db, template_name(target_db), source_db):
            sqlscript.drop_database(admin, name)


if __name__ == "__main__":
    main()
