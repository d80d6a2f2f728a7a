"""Quality of provisioner vs SDV's HMA, measured in one run.

    python3 bench/quality.py            # Chinook and Northwind, default settings

Prints ``name=value`` lines: overall SDMetrics quality, its four properties and
the diagnostic score per database, then the two subsets that SDV's HMA accepts
(album/track/genre/media_type and invoice/invoice_line), each scored for
provisioner and for HMASynthesizer with SDV's defaults on the same data and
the same metadata.

Every score is on **neutral columns** (report/quality.py ``neutral_columns``): the columns
whose role, decided from the source alone, is ``model`` or ``lookup``: never a key (except
as SDMetrics' relationship ids), a PII column or free text. ``<db>_neutral_quality_200`` is
the mean of SDMetrics' single-table QualityReport (column shapes and pair trends) over the
synthesised (not copied) tables of 200 source rows or more (the tables bench/detect.py's
acceptance covers), ``<db>_neutral_quality_50`` the same from 50 rows (``privacy.min_rows``;
on smaller tables the score is noise on both sides).
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")


from bench._common import dataset_db, drop  # noqa: E402
from provisioner.columns.base import quiet  # noqa: E402
from provisioner.config import Config  # noqa: E402
from provisioner.model.train import train  # noqa: E402
from provisioner.pg.connect import source_engine  # noqa: E402
from provisioner.report.quality import (  # noqa: E402
    evaluate,
    metadata,
    neutral_score,
    per_table,
    scored_frame,
)
from provisioner.schema.reflect import reflect  # noqa: E402
from provisioner.synth.sample import sample  # noqa: E402

SUBSETS = {"chinook": [("album", "track", "genre", "media_type"), ("invoice", "invoice_line")]}


def ours(engine, snapshot, config):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    trained = train(engine, snapshot, config)
    synthetic = sample(trained.bundle, config)
    return trained, synthetic.tables, time.perf_counter() - started


def hma(trained, frames):  # type: ignore[no-untyped-def]
    """SDV's HMASynthesizer with defaults on the same tables and scored columns."""
    from sdv.metadata import Metadata
    from sdv.multi_table import HMASynthesizer

    meta, _ = metadata(trained.bundle, list(frames))
    snapshot = trained.bundle.snapshot
    data = {k: scored_frame(frames[k], snapshot.table(k), meta["tables"][k]["columns"]) for k in frames}
    roots = [k for k in data if not any(r["child_table_name"] == k for r in meta["relationships"])]
    main_table = max(roots, key=lambda k: len(data[k]))
    started = time.perf_counter()
    with quiet(), contextlib.redirect_stderr(io.StringIO()):
        synth = HMASynthesizer(Metadata.load_from_dict(meta))
        synth.fit(data)
        out = synth.sample(num_rows=len(data[main_table]), main_table_name=main_table)
    return out, time.perf_counter() - started


def report(prefix: str, result, seconds: float) -> None:  # type: ignore[no-untyped-def]
    print(f"{prefix}_quality={result.score:.3f}")
    for prop, value in result.properties.items():
        print(f"{prefix}_{prop.lower().replace(' ', '_')}={value:.3f}")
    print(f"{prefix}_diagnostic={result.diagnostic:.3f}")
    print(f"{prefix}_seconds={seconds:.1f}")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", default=[], help="NAME=URL of a database already holding the dataset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-hma", action="store_true", help="skip the HMA subsets (minutes)")
    args = parser.parse_args()
    given = dict(item.split("=", 1) for item in args.url)
    config = Config(seed=args.seed)
    for name in ("chinook", "northwind"):
        url = given.get(name) or dataset_db(name)
        try:
            engine = source_engine(url)
            snapshot = reflect(engine)
            trained, synthetic, seconds = ours(engine, snapshot, config)
            report(name, evaluate(trained.bundle, trained.frames, synthetic), seconds)
            singles = per_table(trained.bundle, trained.frames, synthetic)
            for rows in (50, 200):
                value = neutral_score(trained.bundle, singles, rows)
                print(f"{name}_neutral_quality_{rows}={value:.3f}" if value is not None else f"{name}_neutral_quality_{rows}=none")
            for key, value in singles.items():
                print(f"{name}_{key}_table_quality={value:.3f}")
            for tables in [] if args.no_hma else SUBSETS.get(name, []):
                sub = snapshot.subset(list(tables))
                label = f"{name}_{'_'.join(tables)}"
                trained, synthetic, seconds = ours(engine, sub, config)
                mine = evaluate(trained.bundle, trained.frames, synthetic)
                frames = {k: trained.frames[k] for k in sub.table_keys}
                theirs, hma_seconds = hma(trained, frames)
                baseline = evaluate(trained.bundle, trained.frames, theirs)
                print(f"{label}_provisioner_quality={mine.score:.3f}")
                print(f"{label}_hma_quality={baseline.score:.3f}")
                print(f"{label}_margin={mine.score - baseline.score:.3f}")
                print(f"{label}_provisioner_seconds={seconds:.1f}")
                print(f"{label}_hma_seconds={hma_seconds:.1f}")
            engine.dispose()
        finally:
            if name not in given:
                drop(url)


if __name__ == "__main__":
    main()
