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
from typing import Any

import click

from provisioner import __version__, files
from provisioner.cli import guard, jsonout
from provisioner.cli.term import make_progress
from provisioner.config import Config, load_config
from provisioner.pg import urls
from provisioner.progress import Progress


class _Api:
    """:mod:`provisioner.api`, imported when a command runs: ``--help`` stays fast (no pandas, SDV or torch)."""

    def __getattr__(self, name: str) -> Any:
        from provisioner import api as module

        return getattr(module, name)


api = _Api()


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command shares, and the error-to-exit-code mapping (:mod:`provisioner.cli.guard`)."""

    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="YAML config file (see docs/config.md).")
    @click.option("--seed", type=int, help="Random seed (0 or more): the same seed and bundle give the same rows.")
    @click.option("--json", "as_json", is_flag=True, help='Print one JSON object on stdout instead of text (errors too: {"error": ..., "exit_code": n}).')
    @click.option("--quiet", is_flag=True, help="Print nothing but errors.")
    @click.option("--debug", is_flag=True, help="Show tracebacks on errors (passwords masked; the exit code stays 0/1/2).")
    @functools.wraps(fn)
    def wrapper(config_path: str | None, seed: int | None, quiet: bool, debug: bool, as_json: bool, **kwargs: Any) -> None:
        try:
            config = load_config(config_path).with_overrides(seed=seed)
            progress = make_progress(quiet=quiet)
            fn(config=config, progress=progress, quiet=quiet or as_json, as_json=as_json, **kwargs)
        except KeyboardInterrupt:
            guard.interrupted(as_json=as_json)
        except Exception as exc:  # noqa: BLE001 - last line of defence: one line (or JSON), the right exit code
            guard.fail(exc, debug=debug, as_json=as_json)

    return wrapper


def _json(payload: dict[str, Any]) -> None:
    guard.emit_json(payload)


def _plan_text(plan: dict[str, Any]) -> str:
    from provisioner.report.summary import render_plan

    return render_plan(plan)


def _summary(report: dict[str, Any], verb: str) -> str:
    from provisioner.report.summary import render_text

    return render_text(report, verb)


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        click.echo(urls.mask(text))


_replace_option = click.option(
    "--replace", is_flag=True,
    help="Drop objects of the target that provisioner did not create but whose names it needs (it refuses otherwise).")
_max_rows_option = click.option(
    "--max-rows", type=int, help="Refuse to start when the run would make more rows than this in all tables (default 1000000000).")


class _Main(click.Group):
    """The command group: usage errors are masked, and printed as JSON under ``--json``."""

    def main(self, args: Any = None, *rest: Any, **extra: Any) -> Any:
        if args is None:
            sys._provisioner_cli = True  # type: ignore[attr-defined]  # the real process: guard may cut a hung exit short
        self._raw_args = list(sys.argv[1:] if args is None else args)
        return super().main(args, *rest, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            exc.message = urls.mask(exc.message)
            if "--json" in getattr(self, "_raw_args", ()):
                guard.emit_json({"error": urls.mask(exc.format_message()), "exit_code": exc.exit_code})
                sys.exit(exc.exit_code)
            raise


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@click.option("--time-budget", help="Wall-clock budget for training, e.g. 300, 90s, 5m, 1h: rows and epochs per GAN table shrink to fit.")
@click.option("--report-html", "html_path", type=click.Path(dir_okay=False), help="Write a self-contained HTML report (charts) here.")
@click.option("--strict", is_flag=True, default=None, help="Privacy gate: any exact copy of a unique training row fails.")
@click.option("--resample-violations", is_flag=True, help="Redraw rows the privacy gate names, then re-check (3 rounds at most).")
@click.option("--executor", type=click.Choice(["auto", "serial", "local", "ray"]), help="Where table models are fitted (default auto: a process pool for 2+ GANs).")
@click.option("--ray-address", help="With --executor ray: the Ray cluster address (default: start a local Ray).")
@click.option("--stream/--no-stream", default=None, help="Sample and COPY every table that can be shard by shard (flat memory), or none; default: tables of 200k+ rows.")
@click.option("--dry-run", is_flag=True, help="Print the plan (tables, methods, rows, PII, what the target would undergo); fit and write nothing.")
@_replace_option
@_max_rows_option
@_common
def provision(config: Config, progress: Progress, quiet: bool, source: str | None, target: str | None, schemas: tuple[str, ...],
              scale: float | None, report_path: str | None, bundle_path: str | None, epochs: int | None, html_path: str | None,
              as_json: bool, strict: bool | None = None, resample_violations: bool = False, executor: str | None = None,
              ray_address: str | None = None, time_budget: str | None = None, stream: bool | None = None,
              replace: bool = False, max_rows: int | None = None, dry_run: bool = False) -> None:
    """Run every stage: reflect, train, sample, privacy gate, load.

    The privacy gate runs before the first write: if it fails, nothing is
    written and the exit code is 1. --resample-violations redraws the rows
    the gate names and re-checks; --strict fails on any copied row.

    \b
    Example:
      provisioner provision --source postgresql://ro@prod:5432/shop \\
          --target postgresql://dev@localhost/shop_staging --scale 0.5 --seed 7 --report report.json
      provisioner provision --source postgresql://ro@prod:5432/shop --target postgresql://dev@localhost/shop_staging --dry-run
    """
    config = config.with_overrides(source=source, target=target, schemas=schemas or None, scale=scale, epochs=epochs,
                                   strict=strict or None, executor=executor, ray_address=ray_address, time_budget=time_budget,
                                   max_rows=max_rows)
    result = api.provision(config, bundle_path=bundle_path, report_path=report_path, progress=progress, key=api.bundle_key(),
                           html_path=html_path, resample_violations=resample_violations, stream=stream, replace=replace,
                           dry_run=dry_run)
    if dry_run:
        return _json(result.report["plan"]) if as_json else _say(quiet, _plan_text(result.report["plan"]))
    if as_json:
        return _json(jsonout.provision_json(result, config.target, "provision"))
    _say(quiet, _summary(result.report, f"provisioned into {urls.display(config.target or '')}:"))
    _say(quiet, "seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--schema", "schemas", multiple=True, help="Schema to reflect (repeatable; default public).")
@click.option("--out", "out_dir", default="schemas", show_default=True, type=click.Path(file_okay=False), help="Folder for the snapshot.")
@_common
def reflect(config: Config, progress: Progress, quiet: bool, as_json: bool, source: str | None, schemas: tuple[str, ...], out_dir: str) -> None:
    """Read the source schema and save a snapshot (JSON) under schemas/.

    \b
    Example:
      provisioner reflect --source postgresql://ro@prod/shop --schema public --schema sales
    """
    config = config.with_overrides(source=source, schemas=schemas or None)
    snapshot, path = api.reflect_source(config, out_dir, progress)
    if as_json:
        return _json({"command": "reflect", "ok": True, "tables": len(snapshot.tables), "snapshot": str(path),
                      "schema_hash": snapshot.structure_hash})
    _say(quiet, f"{len(snapshot.tables)} tables reflected; snapshot written to {path} (hash {snapshot.structure_hash[:12]})")


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--bundle", "bundle_path", required=True, type=click.Path(dir_okay=False), help="Where to write the model bundle.")
@click.option("--epochs", type=int, help="CTGAN epochs per table (default 100).")
@click.option("--row-cap", type=int, help="Most source rows read per table for training (default 20000).")
@click.option("--time-budget", help="Wall-clock budget for training, e.g. 300, 90s, 5m, 1h: rows and epochs per GAN table shrink to fit.")
@click.option("--only-changed", is_flag=True, help="Retrain only tables whose schema changed since the bundle at --bundle (see `diff`).")
@click.option("--executor", type=click.Choice(["auto", "serial", "local", "ray"]), help="Where table models are fitted (default auto: a process pool for 2+ GANs).")
@click.option("--ray-address", help="With --executor ray: the Ray cluster address (default: start a local Ray).")
@_common
def train(config: Config, progress: Progress, quiet: bool, source: str | None, bundle_path: str, epochs: int | None, row_cap: int | None,
          as_json: bool, only_changed: bool = False, executor: str | None = None, ray_address: str | None = None,
          time_budget: str | None = None) -> None:
    """Fit the per-table models and the relational model into a bundle file.

    PII columns are detected and never trained on. The bundle holds no rows
    of modelled tables; treat it like code (it is checksummed).

    \b
    Example:
      provisioner train --source postgresql://ro@prod/shop --bundle shop.bundle --epochs 50
      provisioner train --source postgresql://ro@prod/shop --bundle shop.bundle --time-budget 5m
    """
    config = config.with_overrides(source=source, epochs=epochs, row_cap=row_cap, executor=executor, ray_address=ray_address,
                                   time_budget=time_budget)
    result = api.train_bundle(config, bundle_path, progress, key=api.bundle_key(), only_changed=only_changed)
    if as_json:
        return _json(jsonout.train_json(result, bundle_path))
    for key, model in result.bundle.tables.items():
        _say(quiet, f"  {key:<28} {model.method:<16} {model.reason}")
    _say(quiet, f"bundle written to {bundle_path} in {result.seconds:.1f}s")


@main.command()
@click.option("--bundle", "bundle_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Model bundle from `provisioner train`.")
@click.option("--scale", type=float, help="Row-count factor (default 1).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for one CSV file per table.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "sql"]), default="csv", show_default=True,
              help="csv/parquet: one file per table; sql: one script for psql (schema, COPY, foreign keys).")
@_max_rows_option
@_common
def sample(config: Config, progress: Progress, quiet: bool, as_json: bool, bundle_path: str, scale: float | None, out_dir: str, fmt: str,
           max_rows: int | None = None) -> None:
    """Sample rows from a bundle alone (no source needed) into CSV, Parquet or SQL files.

    \b
    Example:
      provisioner sample --bundle shop.bundle --scale 2 --seed 1 --out synthetic/
      provisioner sample --bundle shop.bundle --format sql --out dump/ && psql -1 -f dump/synthetic.sql
    """
    config = config.with_overrides(scale=scale, max_rows=max_rows)
    synthetic, written = api.sample_to_files(bundle_path, config, out_dir, fmt, progress, key=api.bundle_key())
    if as_json:
        return _json({"command": "sample", "ok": True, "format": fmt, "files": [str(p) for p in written], "rows": synthetic.rows})
    _say(quiet, f"wrote {len(written)} {fmt} file(s) ({sum(synthetic.rows.values())} rows) to {out_dir}")


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--bundle", "bundle_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Model bundle to check.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the privacy report (JSON) here.")
@click.option("--no-store", is_flag=True, help="Do not write the verdict into the bundle (by default load and refresh reports carry it).")
@_max_rows_option
@_common
def check(config: Config, progress: Progress, quiet: bool, as_json: bool, source: str | None, bundle_path: str, report_path: str | None,
          no_store: bool = False, max_rows: int | None = None) -> None:
    """Run the privacy gate for a bundle against the real rows; exit 1 on failure.

    The verdict is stored in the bundle (signed again with PROVISIONER_BUNDLE_KEY when set):
    load and refresh reports carry it, and a bundle that failed is never loaded.

    \b
    Example:
      provisioner check --source postgresql://ro@prod/shop --bundle shop.bundle --report privacy.json
    """
    config = config.with_overrides(source=source, max_rows=max_rows)
    verdict, report = api.check_with_report(bundle_path, config, progress, key=api.bundle_key(), store=not no_store)
    if report_path:
        files.write_text(report_path, json.dumps(verdict.to_dict(), indent=2, default=str) + "\n")
    if as_json:
        _json({"command": "check", "ok": verdict.passed, **({} if verdict.passed else {"exit_code": 1}), "privacy": verdict.to_dict()})
        sys.exit(0 if verdict.passed else 1)
    _say(quiet, _summary(report, "checked"))
    if not verdict.passed:
        click.echo("privacy gate failed: " + "; ".join(verdict.failures), err=True)
        sys.exit(1)


@main.command()
@click.option("--bundle", "bundle_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Model bundle from `provisioner train`.")
@click.option("--target", help="Staging database URL.")
@click.option("--scale", type=float, help="Row-count factor (default 1).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--dry-run", is_flag=True, help="Print the load plan, write nothing.")
@click.option("--stream/--no-stream", default=None, help="Sample and COPY every table that can be shard by shard (flat memory), or none; default: tables of 200k+ rows.")
@click.option("--report-html", "html_path", type=click.Path(dir_okay=False), help="Write a self-contained HTML report (charts) here.")
@click.option("--cache-dir", type=click.Path(file_okay=False), envvar="PROVISIONER_CACHE_DIR",
              help="Keep the rows sent in this folder and COPY them from there next time (same bundle, seed and sizes): "
                   "no sampling. Checked by checksum, signed like the bundle; not for streamed loads. Env: PROVISIONER_CACHE_DIR.")
@_replace_option
@_max_rows_option
@_common
def load(config: Config, progress: Progress, quiet: bool, bundle_path: str, target: str | None, scale: float | None,
         report_path: str | None, dry_run: bool, html_path: str | None, as_json: bool, stream: bool | None = None,
         replace: bool = False, max_rows: int | None = None, cache_dir: str | None = None) -> None:
    """Sample from a bundle and load the target: Alembic schema, then COPY in FK order.

    All or nothing: any failure rolls the target back. The bundle's
    training-time privacy verdict is kept in the report. With --cache-dir,
    a second load of the same bundle, seed and sizes skips sampling.

    \b
    Example:
      provisioner load --bundle shop.bundle --target postgresql://dev@localhost/shop_staging --seed 3
      provisioner load --bundle shop.bundle --target postgresql://ci@localhost/app_test --cache-dir .provisioner-cache
    """
    config = config.with_overrides(target=target, scale=scale, max_rows=max_rows)
    result = api.load_bundle(bundle_path, config, report_path=report_path, progress=progress, key=api.bundle_key(), dry_run=dry_run,
                             html_path=html_path, stream=stream, replace=replace, cache_dir=cache_dir)
    if as_json:
        return _json(jsonout.provision_json(result, config.target, "load"))
    if dry_run:
        _say(quiet, f"would load {sum(result.synthetic_rows.values())} rows in {len(result.synthetic_rows)} tables")
    else:
        _say(quiet, _summary(result.report, "loaded"))


@main.command()
@click.option("--bundle", "bundle_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Model bundle from `provisioner train`.")
@click.option("--target", help="Local database URL to rebuild (dropped and re-created).")
@click.option("--scale", type=float, help="Row-count factor (default 1).")
@click.option("--admin-url", help="URL of a database on the same server for DROP/CREATE DATABASE (default: its postgres database).")
@click.option("--force", is_flag=True, help="End other sessions connected to the target (they are named); without it a refresh refuses.")
@click.option("--rebuild-template", "rebuild", is_flag=True, help="Rebuild the template even if it is up to date.")
@click.option("--replace", is_flag=True,
              help="Drop and re-create the target even when it holds tables provisioner did not create (it refuses otherwise).")
@_max_rows_option
@_common
def refresh(config: Config, progress: Progress, quiet: bool, as_json: bool, bundle_path: str, target: str | None, scale: float | None,
            admin_url: str | None, force: bool, rebuild: bool = False, replace: bool = False, max_rows: int | None = None) -> None:
    """Rebuild a local database from a bundle; repeat refreshes take seconds.

    The first run loads the bundle into a template database
    (<target>_provisioner_template), keyed by the bundle checksum, seed and
    scale. Later runs drop the target and re-create it from the template.
    It refuses (exit 2) a target that is the bundle's source database, one
    holding tables provisioner did not create (--replace overrides) and one
    other sessions are connected to (--force ends them).

    \b
    Example:
      provisioner refresh --bundle shop.bundle --target postgresql://me@localhost/shop_dev
    """
    config = config.with_overrides(target=target, scale=scale, max_rows=max_rows)
    result = api.refresh(bundle_path, config, admin_url=admin_url, force=force, progress=progress, key=api.bundle_key(),
                         rebuild=rebuild, replace=replace)
    how = "template rebuilt" if result.rebuilt_template else "template reused"
    if as_json:
        return _json({"command": "refresh", "ok": True, "target": result.target, "template": result.template,
                      "rebuilt_template": result.rebuilt_template, "seconds": round(result.seconds, 3)})
    _say(quiet, f"refreshed {result.target} from {result.template} in {result.seconds:.1f}s ({how})")


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--bundle", "bundle_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Model bundle to compare with.")
@click.option("--exit-code", "exit_code", is_flag=True, help="Exit 1 when the schema moved (as git diff --exit-code), 0 when it did not.")
@_common
def diff(config: Config, progress: Progress, quiet: bool, source: str | None, bundle_path: str, as_json: bool,
         exit_code: bool = False) -> None:
    """Compare the source schema with a bundle's snapshot; list the tables to retrain.

    \b
    Example:
      provisioner diff --source postgresql://ro@prod/shop --bundle shop.bundle
      provisioner diff --source postgresql://ro@prod/shop --bundle shop.bundle --exit-code || provisioner train ...
    """
    result = api.diff_bundle(bundle_path, config.with_overrides(source=source), key=api.bundle_key())
    if as_json:
        _json(result.to_dict())
    else:
        _say(quiet, result.describe())
    if exit_code and not result.identical:
        sys.exit(1)


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--out", "out_path", default="provisioner.yaml", show_default=True, type=click.Path(dir_okay=False), help="Where to write the config.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_common
def init(config: Config, progress: Progress, quiet: bool, as_json: bool, source: str | None, out_path: str, force: bool) -> None:
    """Write a starter provisioner.yaml to review: PII, lookup tables, each table's method and rows.

    \b
    Example:
      provisioner init --source postgresql://ro@prod/shop --out provisioner.yaml
    """
    path = api.init_config(config.with_overrides(source=source), out_path, force=force, progress=progress)
    if as_json:
        return _json({"command": "init", "ok": True, "config": str(path)})
    _say(quiet, f"wrote {path}; review it, then: provisioner provision --config {path}")


@main.command()
@click.option("--source", help="Production database URL (opened read-only).")
@click.option("--target", help="Staging database URL to scan (only read).")
@click.option("--bundle", "bundle_path", type=click.Path(exists=True, dir_okay=False), help="Model bundle: its roles are used, and its bytes scanned too.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the audit report (JSON, no source values) here.")
@_common
def audit(config: Config, progress: Progress, quiet: bool, as_json: bool, source: str | None, target: str | None,
          bundle_path: str | None, report_path: str | None) -> None:
    """Scan the target (and bundle) for every source value of PII and free-text columns; exit 1 on a leak.

    Chance collisions (a common first name Faker also draws, a short code) are
    listed but do not fail. Hits are named by column and a SHA-256 prefix, never by value.

    \b
    Example:
      provisioner audit --source postgresql://ro@prod/shop --target postgresql://dev@localhost/shop_staging --bundle shop.bundle
    """
    config = config.with_overrides(source=source, target=target)
    result = api.audit_target(config, bundle_path, key=api.bundle_key())
    if report_path:
        files.write_text(report_path, json.dumps(result.to_dict(), indent=2) + "\n")
    if as_json:
        _json({"command": "audit", "ok": result.passed, **({} if result.passed else {"exit_code": 1}), "audit": result.to_dict()})
        sys.exit(0 if result.passed else 1)
    if not result.passed:
        click.echo("audit failed: " + result.summary(), err=True)
        sys.exit(1)
    _say(quiet, "audit passed: " + result.summary())


@main.command()
@_common
def demo(config: Config, progress: Progress, quiet: bool, as_json: bool) -> None:
    """Provision a staging copy of the bundled Chinook database on an embedded PostgreSQL.

    No database needed: an embedded PostgreSQL (from a pip wheel) is started,
    Chinook (MIT licence, shipped with provisioner) is loaded as the
    "production" database, and a staging database is provisioned beside it.

    \b
    Example:
      provisioner demo
    """
    result = api.demo(progress=progress, seed=config.seed)
    if as_json:
        return _json({"command": "demo", "ok": True, "summary": list(result.summary)})
    for line in result.summary:
        _say(quiet, line)


if __name__ == "__main__":  # pragma: no cover
    main()
