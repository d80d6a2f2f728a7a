"""Command line: parse options, call one API function, print the outcome.

Exit codes: 0 ok, 1 a privacy or quality gate failed (nothing was written),
2 bad input, configuration or connection. Errors are one line on stderr;
``--debug`` shows the traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__, api, urls
from .config import Config, load_config
from .errors import ProvisionerError
from .progress import Progress
from .term import make_progress


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command shares, and the error-to-exit-code mapping."""

    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="YAML config file (see docs/config.md).")
    @click.option("--seed", type=int, help="Random seed: the same seed and bundle give the same rows.")
    @click.option("--quiet", is_flag=True, help="Print nothing but errors.")
    @click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
    @functools.wraps(fn)
    def wrapper(config_path: str | None, seed: int | None, quiet: bool, debug: bool, **kwargs: Any) -> None:
        try:
            config = load_config(config_path).with_overrides(seed=seed)
            progress = make_progress(quiet=quiet)
            fn(config=config, progress=progress, quiet=quiet, **kwargs)
        except ProvisionerError as exc:
            if debug:
                raise
            click.echo(f"error: {urls.mask(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - last line of defence: one line, no traceback
            if debug:
                raise
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            click.echo(f"error: {type(exc).__name__}: {urls.mask(first)} (re-run with --debug for details)", err=True)
            sys.exit(2)

    return wrapper


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        click.echo(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="provisioner")
def main() -> None:
    """Provision realistic, privacy-safe staging databases from a production PostgreSQL.

    \b
    Quick start:
      provisioner demo
      provisioner provision --source postgresql://ro@prod/app --target postgresql://me@localhost/staging
    """


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--target", help="Staging database URL (created/upgraded with Alembic, then loaded).")
@click.option("--schema", "schemas", multiple=True, help="Schema to provision (repeatable; default public).")
@click.option("--scale", type=float, help="Row-count factor for the whole database (default 1).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--bundle", "bundle_path", type=click.Path(dir_okay=False), help="Also save the trained model bundle here.")
@click.option("--epochs", type=int, help="CTGAN epochs per table (default 100).")
@_common
def provision(config: Config, progress: Progress, quiet: bool, source: str | None, target: str | None, schemas: tuple[str, ...],
              scale: float | None, report_path: str | None, bundle_path: str | None, epochs: int | None) -> None:
    """Run every stage: reflect, train, sample, privacy gate, load.

    The privacy gate runs before the first write: if it fails, nothing is
    written and the exit code is 1.

    \b
    Example:
      provisioner provision --source postgresql://ro@prod:5432/shop \\
          --target postgresql://dev@localhost/shop_staging --scale 0.5 --seed 7 --report report.json
    """
    config = config.with_overrides(source=source, target=target, schemas=schemas or None, scale=scale, epochs=epochs)
    result = api.provision(config, bundle_path=bundle_path, report_path=report_path, progress=progress, key=api.bundle_key())
    _say(quiet, f"provisioned {sum(result.synthetic_rows.values())} rows in {len(result.synthetic_rows)} tables into {urls.display(config.target or '')}")
    _say(quiet, "seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--schema", "schemas", multiple=True, help="Schema to reflect (repeatable; default public).")
@click.option("--out", "out_dir", default="schemas", show_default=True, type=click.Path(file_okay=False), help="Folder for the snapshot.")
@_common
def reflect(config: Config, progress: Progress, quiet: bool, source: str | None, schemas: tuple[str, ...], out_dir: str) -> None:
    """Read the source schema and save a snapshot (JSON) under schemas/.

    \b
    Example:
      provisioner reflect --source postgresql://ro@prod/shop --schema public --schema sales
    """
    config = config.with_overrides(source=source, schemas=schemas or None)
    snapshot, path = api.reflect_source(config, out_dir, progress)
    _say(quiet, f"{len(snapshot.tables)} tables reflected; snapshot written to {path} (hash {snapshot.structure_hash[:12]})")


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--bundle", "bundle_path", required=True, type=click.Path(dir_okay=False), help="Where to write the model bundle.")
@click.option("--epochs", type=int, help="CTGAN epochs per table (default 100).")
@click.option("--row-cap", type=int, help="Most source rows read per table for training (default 20000).")
@_common
def train(config: Config, progress: Progress, quiet: bool, source: str | None, bundle_path: str, epochs: int | None, row_cap: int | None) -> None:
    """Fit the per-table models and the relational model into a bundle file.

    PII columns are detected and never trained on. The bundle holds no rows
    of modelled tables; treat it like code (it is checksummed).

    \b
    Example:
      provisioner train --source postgresql://ro@prod/shop --bundle shop.bundle --epochs 50
    """
    config = config.with_overrides(source=source, epochs=epochs, row_cap=row_cap)
    result = api.train_bundle(config, bundle_path, progress, key=api.bundle_key())
    for key, model in result.bundle.tables.items():
        _say(quiet, f"  {key:<28} {model.method:<16} {model.reason}")
    _say(quiet, f"bundle written to {bundle_path} in {result.seconds:.1f}s")


@main.command()
@click.option("--bundle", "bundle_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Model bundle from `provisioner train`.")
@click.option("--scale", type=float, help="Row-count factor (default 1).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for one CSV file per table.")
@_common
def sample(config: Config, progress: Progress, quiet: bool, bundle_path: str, scale: float | None, out_dir: str) -> None:
    """Sample synthetic rows from a bundle alone (no source needed) into CSV files.

    \b
    Example:
      provisioner sample --bundle shop.bundle --scale 2 --seed 1 --out synthetic/
    """
    config = config.with_overrides(scale=scale)
    _, synthetic = api.sample_bundle(bundle_path, config, progress, key=api.bundle_key())
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for key, frame in synthetic.tables.items():
        frame.to_csv(folder / f"{key}.csv", index=False)
    _say(quiet, f"wrote {len(synthetic.tables)} CSV files ({sum(synthetic.rows.values())} rows) to {folder}")


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--bundle", "bundle_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Model bundle to check.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the privacy report (JSON) here.")
@_common
def check(config: Config, progress: Progress, quiet: bool, source: str | None, bundle_path: str, report_path: str | None) -> None:
    """Run the privacy gate for a bundle against the real rows; exit 1 on failure.

    \b
    Example:
      provisioner check --source postgresql://ro@prod/shop --bundle shop.bundle --report privacy.json
    """
    config = config.with_overrides(source=source)
    verdict = api.check_bundle(bundle_path, config, progress, key=api.bundle_key())
    if report_path:
        Path(report_path).write_text(json.dumps(verdict.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    if not verdict.passed:
        click.echo("privacy gate failed: " + "; ".join(verdict.failures), err=True)
        sys.exit(1)
    _say(quiet, f"privacy gate passed for {len(verdict.tables)} tables")


@main.command()
@click.option("--bundle", "bundle_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Model bundle from `provisioner train`.")
@click.option("--target", help="Staging database URL.")
@click.option("--scale", type=float, help="Row-count factor (default 1).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--dry-run", is_flag=True, help="Print the load plan, write nothing.")
@_common
def load(config: Config, progress: Progress, quiet: bool, bundle_path: str, target: str | None, scale: float | None,
         report_path: str | None, dry_run: bool) -> None:
    """Sample from a bundle and load the target: Alembic schema, then COPY in FK order.

    All or nothing: any failure rolls the target back. The bundle's
    training-time privacy verdict is kept in the report.

    \b
    Example:
      provisioner load --bundle shop.bundle --target postgresql://dev@localhost/shop_staging --seed 3
    """
    config = config.with_overrides(target=target, scale=scale)
    result = api.load_bundle(bundle_path, config, report_path=report_path, progress=progress, key=api.bundle_key(), dry_run=dry_run)
    verb = "would load" if dry_run else "loaded"
    _say(quiet, f"{verb} {sum(result.synthetic_rows.values())} rows in {len(result.synthetic_rows)} tables")


@main.command()
@_common
def demo(config: Config, progress: Progress, quiet: bool) -> None:
    """Provision a staging copy of the bundled Chinook database on an embedded PostgreSQL.

    No database needed: an embedded PostgreSQL (from a pip wheel) is started,
    Chinook (MIT licence, shipped with provisioner) is loaded as the
    "production" database, and a staging database is provisioned beside it.

    \b
    Example:
      provisioner demo
    """
    from .demo import run_demo

    result = run_demo(progress=progress)
    for line in result.summary:
        _say(quiet, line)


if __name__ == "__main__":  # pragma: no cover
    main()
