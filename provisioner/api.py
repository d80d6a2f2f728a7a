"""The public API: every CLI command is one of these functions, config first.

    provision(config)             reflect -> train -> sample -> check -> load
    reflect_source(config)        the snapshot (saved under schemas/)
    train_bundle(config, path)    a model bundle file
    sample_to_files(path, config) synthetic tables from a bundle alone, as files
    check_bundle(path, config)    the privacy gate against the source
    load_bundle(path, config)     sample from a bundle and load the target
    refresh(path, config)         a local database rebuilt from a template database
    diff_bundle(path, config)     what changed between the source and a bundle's snapshot
    init_config(config, path)     a starter provisioner.yaml
    audit_target(config)          a leak scan of the target (and the bundle)
    demo()                        the bundled Chinook on an embedded PostgreSQL
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import URL

from provisioner.config import Config
from provisioner.errors import ConfigError, GateFailed
from provisioner.load import rowcache
from provisioner.load.loader import LoadResult, load, plan
from provisioner.model import bundle as bundle_io
from provisioner.model.bundle import ModelBundle
from provisioner.model.train import RealRows, TrainResult, real_rows, train
from provisioner.pg import connect as db
from provisioner.pg import urls
from provisioner.privacy import gate
from provisioner.privacy.metrics import PrivacyReport
from provisioner.progress import Progress, silent
from provisioner.report.summary import build_report, write_json
from provisioner.schema.reflect import reflect, save_snapshot
from provisioner.schema.snapshot import SchemaSnapshot
from provisioner.synth import shards, sizing
from provisioner.synth.sample import SyntheticTables, sample

T = TypeVar("T")
CHART_ROWS = 5000  # rows per table the HTML report charts of a streamed load
GATE_ROWS = 200_000  # rows per table the gate checks of a streamed provision (a seeded share)


@dataclass(frozen=True)
class ProvisionResult:
    snapshot: SchemaSnapshot
    synthetic_rows: Mapping[str, int]
    privacy: Mapping[str, Any] | None  # PrivacyReport.to_dict()
    load: LoadResult | None
    seconds: Mapping[str, float]
    report: Mapping[str, Any] = field(default_factory=dict)


def _require(value: str | None, what: str, flag: str) -> str:
    if not value:
        raise ConfigError(f"no {what} database given; pass {flag} URL or set it in the config file")
    return value


def bundle_key(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The HMAC key for bundles, from PROVISIONER_BUNDLE_KEY (read at the entry point)."""
    value = (environ if environ is not None else os.environ).get("PROVISIONER_BUNDLE_KEY")
    return value.encode() if value else None


def reflect_source(config: Config, out_dir: str | Path | None = "schemas", progress: Progress = silent) -> tuple[SchemaSnapshot, Path | None]:
    engine = db.source_engine(_require(config.source, "source", "--source"))
    try:
        snapshot = reflect(engine, config.schemas, progress, config.virtual_keys(), config.where)
    finally:
        engine.dispose()
    path = save_snapshot(snapshot, out_dir, engine.url.database or "source") if out_dir else None
    return snapshot, path


def train_bundle(
    config: Config, path: str | Path | None = None, progress: Progress = silent, key: bytes | None = None,
    only_changed: bool = False,
) -> TrainResult:
    """Train a bundle; with ``only_changed``, keep the models of the existing bundle at ``path``
    for tables whose structure (and whose parents' structure) did not change."""
    engine = db.source_engine(_require(config.source, "source", "--source"))
    try:
        progress.stage("reflect")
        snapshot = reflect(engine, config.schemas, progress, config.virtual_keys(), config.where)
        reuse = None
        if only_changed:
            from provisioner.model.train import reusable
            from provisioner.schema.diff import diff

            if not path or not Path(path).exists():
                raise ConfigError("--only-changed needs an existing bundle at --bundle to compare with")
            previous = bundle_io.load(path, key)
            reuse = reusable(previous, snapshot, diff(previous.snapshot, snapshot).retrain)
            progress.info(f"--only-changed: keeping {len(reuse)} of {len(snapshot.tables)} table models")
        warnings = _row_security(engine, snapshot, progress)
        progress.stage("train")
        result = _finish_training(train(engine, snapshot, config, progress, reuse), engine, config, warnings, reuse or {})
    finally:
        engine.dispose()
    if path:
        bundle_io.save(result.bundle, path, key)
    return result


def _row_security(engine: Any, snapshot: SchemaSnapshot, progress: Progress) -> tuple[str, ...]:
    """Warnings for tables this role reads filtered by row-level security (the model would learn the filtered rows)."""
    filtered = db.row_security_filtered(engine, [(t.schema, t.name) for t in snapshot.tables])
    warnings = tuple(
        f"row-level security filters {schema}.{name} for this role: the model sees a filtered table (only the rows "
        "this role may read); train as the table's owner or a role with BYPASSRLS to learn every row"
        for schema, name in filtered
    )
    for warning in warnings:
        progress.info("warning: " + warning)
    return warnings


def _finish_training(
    result: TrainResult, engine: Any, config: Config, warnings: tuple[str, ...], reused: Mapping[str, Any] | None = None,
) -> TrainResult:
    """The trained bundle marked with its source's hashed identity, its warnings, and the PII
    columns of copied tables masked (synth/masking.py)."""
    from provisioner.synth.masking import mask_copies

    bundle = mask_copies(result.bundle.with_source(db.identity(engine)), config, skip=tuple(reused or ()))
    if warnings:
        bundle = dataclasses.replace(bundle, settings={**bundle.settings, "warnings": list(warnings)})
    return dataclasses.replace(result, bundle=bundle)


def provision(
    config: Config,
    *,
    bundle_path: str | Path | None = None,
    report_path: str | Path | None = None,
    progress: Progress = silent,
    key: bytes | None = None,
    html_path: str | Path | None = None,
    resample_violations: bool = False,
    stream: bool | None = None,
    replace: bool = False,
    dry_run: bool = False,
) -> ProvisionResult:
    """Every stage; the privacy gate runs before the first write to the target.

    ``dry_run``: reflect and decide every table's method, PII and row count (no model is fitted),
    look at the target with reads only, and return the plan in ``report["plan"]``; nothing is written.

    ``resample_violations``: when the gate names offending rows, redraw their learnt
    columns and re-check (see :mod:`provisioner.privacy.gate`) before giving up.
    ``stream``: None decides by size (tables of ``shards.STREAM_MIN_ROWS`` rows or more are
    sampled and loaded shard by shard); the gate then checks a seeded share of every table's
    rows in a first pass that writes nothing, and the load makes the same rows again.
    ``replace``: drop objects of the target that provisioner did not create but whose names it needs.
    """
    seconds: dict[str, float] = {}
    source = db.source_engine(_require(config.source, "source", "--source"))
    target_url = urls.parse(_require(config.target, "target", "--target"), "target")
    try:
        db.refuse_same_database(source, target_url)
        snapshot = _timed(seconds, "reflect", progress, lambda: reflect(source, config.schemas, progress, config.virtual_keys(), config.where))
        sizing.check_source_rows({t.key: t.row_count for t in snapshot.tables}, config)
        warnings = _row_security(source, snapshot, progress)
        _preflight(target_url, snapshot)
        if dry_run:
            planned = _timed(seconds, "plan", progress, lambda: train(source, snapshot, config, progress, fit=False))
            return _dry_run(planned.bundle, config, target_url, seconds, warnings)
        trained = _timed(seconds, "train", progress, lambda: train(source, snapshot, config, progress))
        trained = _finish_training(trained, source, config, warnings)
    finally:
        source.dispose()
    stream_plan = _stream_plan(trained.bundle, config, stream)
    sizing.check(trained.bundle, config, stream_plan.streamed, what="provision")
    if stream_plan.streamed:
        synthetic = _timed(seconds, "sample", progress, lambda: _gate_sample(trained.bundle, config, stream_plan))
        verdict = _timed(seconds, "check", progress, lambda: gate.run(trained.bundle, trained.real, synthetic, config.privacy, progress))
    else:
        synthetic = _timed(seconds, "sample", progress, lambda: sample(trained.bundle, config, progress))
        verdict = _timed(seconds, "check", progress, lambda: gate.run(
            trained.bundle, trained.real, synthetic, config.privacy, progress, resample_violations))
    model = trained.bundle.with_privacy(verdict.report.to_dict())
    if bundle_path:
        bundle_io.save(model, bundle_path, key)
    fidelity = _fidelity(model, trained, verdict.synthetic, config, seconds, progress) if report_path or html_path else None
    _write_html(html_path, model, verdict.synthetic, verdict.report.to_dict(), trained.real, seconds,
                shards.estimate_rows(model, config) if stream_plan.streamed else None, fidelity)
    if not verdict.passed:
        report = build_report(model, verdict.synthetic.rows, verdict.synthetic.notes + warnings, verdict.report.to_dict(), None,
                              seconds, config.seed, fidelity)
        write_json(report_path, report)
        raise GateFailed("privacy gate failed, nothing was written: " + "; ".join(verdict.report.failures), report)
    rows: shards.RowSource = shards.StreamSource(model, config, stream_plan) if stream_plan.streamed else shards.MemorySource(verdict.synthetic)
    loaded = _load(target_url, model, rows, seconds, progress, tuple(sorted(stream_plan.streamed)), replace=replace)
    report = build_report(model, loaded.tables, loaded.notes + warnings, verdict.report.to_dict(), loaded, seconds, config.seed, fidelity)
    write_json(report_path, report)
    return ProvisionResult(snapshot, loaded.tables, verdict.report.to_dict(), loaded, seconds, report)


def _dry_run(model: ModelBundle, config: Config, target_url: URL, seconds: dict[str, float], notes: tuple[str, ...]) -> ProvisionResult:
    """The plan of a provision: tables, methods, rows, PII, and what the target would undergo."""
    from provisioner.load.migrate import preview

    rows = shards.estimate_rows(model, config)
    target = db.target_engine(target_url)
    try:
        with target.connect() as conn:
            changes = preview(conn, model.snapshot)
    finally:
        target.dispose()
    tables = {
        key: {"method": tm.method, "reason": tm.reason, "source_rows": tm.source_rows, "rows": int(rows.get(key, 0)),
              "pii_columns": list(tm.pii_columns),
              "generated_text": [f.column for f in tm.fills if f.category == "text"] if tm.method != "copy" else []}
        for key, tm in model.tables.items()
    }
    plan_report = {"dry_run": True, "tables": tables, "target": changes.describe(), "notes": list(notes),
                   "streamed": sorted(shards.make_plan(model, config).streamed), "written": False}
    return ProvisionResult(model.snapshot, {k: v["rows"] for k, v in tables.items()}, None, None, seconds, {"plan": plan_report})


def _preflight(target_url: URL, snapshot: SchemaSnapshot) -> None:
    """The target's server has every extension the source uses (exit 2 before training otherwise)."""
    from sqlalchemy import create_engine

    from provisioner.load.loader import preflight

    probe = create_engine(target_url, connect_args={"application_name": "provisioner-target"})
    try:
        preflight(probe, snapshot)
    finally:
        probe.dispose()


FIDELITY_ROWS = 5000  # rows per side the report's classifier test compares


def _fidelity(
    model: ModelBundle, trained: TrainResult, synthetic: SyntheticTables, config: Config, seconds: dict[str, float], progress: Progress,
) -> dict[str, Any]:
    """The classifier test and TSTR of every table (report/fidelity.py) while the source rows are at hand."""
    from provisioner.report import fidelity

    targets = {k: t.target for k, t in config.tables.items() if t.target}
    return _timed(seconds, "fidelity", progress, lambda: fidelity.evaluate(
        model, trained.frames, synthetic.tables, trained.real, targets, config.seed, max_rows=FIDELITY_ROWS, baselines=False,
    ).to_dict())


def _stream_plan(model: ModelBundle, config: Config, stream: bool | None) -> shards.StreamPlan:
    """Which tables stream: by size (None), every streamable one (True), none (False)."""
    if stream is False:
        return shards.StreamPlan(frozenset(), {}, shards.estimate_rows(model, config))
    return shards.make_plan(model, config, 0 if stream else shards.STREAM_MIN_ROWS)


def _gate_sample(model: ModelBundle, config: Config, stream_plan: shards.StreamPlan) -> SyntheticTables:
    """A seeded share of every table's rows, made as the streamed load will make them; nothing is written."""
    keeping = shards.Keeping(shards.StreamSource(model, config, stream_plan), stream_plan.estimated_rows, GATE_ROWS, config.seed)
    return keeping.drain()


def _load(
    target_url: URL, model: ModelBundle, rows: shards.RowSource, seconds: dict[str, float], progress: Progress,
    streamed: tuple[str, ...] = (), replace: bool = False, recorder: rowcache.Recorder | None = None,
) -> LoadResult:
    target = db.target_engine(target_url)
    try:
        db.refuse_bundle_source(model.source, target, "target")
        return _timed(seconds, "load", progress, lambda: load(target, model.snapshot, rows, progress, streamed=streamed,
                                                              replace=replace, recorder=recorder))
    finally:
        target.dispose()


def sample_bundle(path: str | Path, config: Config, progress: Progress = silent, key: bytes | None = None) -> tuple[ModelBundle, SyntheticTables]:
    """Synthetic tables from a bundle alone, in memory."""
    model = bundle_io.load(path, key)
    sizing.check(model, config, what="sampling")
    return model, sample(model, config, progress)


def sample_to_files(
    path: str | Path, config: Config, out_dir: str | Path, fmt: str = "csv", progress: Progress = silent, key: bytes | None = None,
) -> tuple[SyntheticTables, list[Path]]:
    """``provisioner sample``: synthetic tables from a bundle alone, written as CSV, Parquet or one SQL script."""
    from provisioner.load.export import export

    model, synthetic = sample_bundle(path, config, progress, key)
    return synthetic, export(synthetic, model.snapshot, out_dir, fmt)


def check_bundle(
    path: str | Path, config: Config, progress: Progress = silent, key: bytes | None = None, store: bool = True,
) -> PrivacyReport:
    """Re-read the source (same seeded split as training) and gate a fresh sample, as ``provision`` does.

    With ``store`` (the default) the verdict is written into the bundle (re-signed with ``key``), so that
    ``load`` and ``refresh`` reports carry it and a bundle that failed is never loaded."""
    return check_with_report(path, config, progress, key, store)[0]


def check_with_report(
    path: str | Path, config: Config, progress: Progress = silent, key: bytes | None = None, store: bool = True,
) -> tuple[PrivacyReport, dict[str, Any]]:
    """:func:`check_bundle`, and the report ``check`` ends with (rows sampled, method and verdict per table)."""
    model = bundle_io.load(path, key)
    sizing.check(model, config, what="check")
    engine = db.source_engine(_require(config.source, "source", "--source"))
    try:
        snapshot = reflect(engine, model.snapshot.schemas, progress, config.virtual_keys(), config.where)
        if snapshot.structure_hash != model.schema_hash:
            bundle_io.load(path, key, expect_schema=snapshot.structure_hash)
        _row_security(engine, snapshot, progress)
        real = real_rows(engine, model, config, progress)
    finally:
        engine.dispose()
    synthetic = sample(model, config, progress)
    report = gate.run(model, real, synthetic, config.privacy, progress).report
    if store:
        bundle_io.save(model.with_privacy(report.to_dict()), path, key)
    return report, build_report(model, synthetic.rows, (), report.to_dict(), None, {}, config.seed)


def load_bundle(
    path: str | Path, config: Config, *, report_path: str | Path | None = None, progress: Progress = silent,
    key: bytes | None = None, dry_run: bool = False, html_path: str | Path | None = None, stream: bool | None = None,
    replace: bool = False, cache_dir: str | Path | None = None,
) -> ProvisionResult:
    """Provision from a bundle alone (no source): sample while loading, in one transaction.

    ``cache_dir``: keep the rows sent there, and send the kept ones instead of sampling when the
    bundle, seed, sizes and code are the same (:mod:`provisioner.load.rowcache`; not for streamed loads);
    the HTML report then charts a seeded sample of the rows read back from the target.

    Tables of ``shards.STREAM_MIN_ROWS`` rows or more are sampled and COPYed shard by shard, so
    memory stays flat however many rows are asked for; ``stream`` True streams every table
    that can be, False none.
    """
    seconds: dict[str, float] = {}
    model, digest = bundle_io.load_with_digest(path, key)
    target_url = urls.parse(_require(config.target, "target", "--target"), "target")
    verdict = model.privacy  # the training-time verdict travels with the bundle
    if verdict is not None and not verdict.get("passed", False):
        raise GateFailed("this bundle failed the privacy gate when it was trained; retrain it before loading")
    stream_plan = _stream_plan(model, config, stream)
    if dry_run:
        progress.info(plan(model.snapshot, model.order, stream_plan.estimated_rows).describe())
        return ProvisionResult(model.snapshot, dict(stream_plan.estimated_rows), verdict, None, seconds)
    sizing.check(model, config, stream_plan.streamed, what="the load")
    keeping = shards.Keeping(shards.StreamSource(model, config, stream_plan), stream_plan.estimated_rows, CHART_ROWS, config.seed)
    cache = rowcache.open_for(digest, config, key, cache_dir, bool(stream_plan.streamed), progress)
    loaded = rowcache.through(cache, model.snapshot, model.order, keeping, lambda rows, recorder: _load(
        target_url, model, rows, seconds, progress, tuple(sorted(stream_plan.streamed)), replace, recorder), progress)
    warnings = tuple(model.settings.get("warnings", ()))
    report = build_report(model, loaded.tables, loaded.notes + warnings, verdict, loaded, seconds, config.seed)
    write_json(report_path, report)
    charted = keeping.synthetic() if keeping.kept or not html_path else rowcache.read_back(target_url, model, loaded.tables, CHART_ROWS, config.seed)
    _write_html(html_path, model, charted, verdict, None, seconds, loaded.tables)
    return ProvisionResult(model.snapshot, loaded.tables, verdict, loaded, seconds, report)


def refresh(
    bundle_path: str | Path, config: Config, *, admin_url: str | None = None, force: bool = False,
    progress: Progress = silent, key: bytes | None = None, rebuild: bool = False, replace: bool = False,
) -> Any:
    """Make ``config.target`` a fresh copy of the bundle's synthetic database (a ``RefreshResult``).

    Refused (exit 2): a target that is the bundle's source database; a target holding tables
    provisioner did not create (unless ``replace``); other sessions connected to the target
    (unless ``force``, which ends them and names them). ``rebuild`` rebuilds the template
    even when it is up to date. Concurrent refreshes of one target wait for each other.
    """
    from provisioner.devkit import refresh as templates

    target = _require(config.target, "target", "--target")
    started = time.perf_counter()
    admin, template, target_db = templates.names(target, admin_url)
    source = bundle_io.source_identity(bundle_path, key)
    with templates.hold(admin, f"refresh of {target_db}", progress):
        templates.check_target(admin, target, target_db, source, replace=replace, progress=progress)
        rebuilt = ensure_template(bundle_path, config, admin, template, force=rebuild, progress=progress, key=key, replace=replace)
        templates.end_or_refuse_sessions(admin, target_db, force=force, progress=progress)
        progress.stage("clone", f"{template} -> {target_db}")
        cloning = time.perf_counter()
        templates.clone(admin, template, target_db, force=force, progress=progress)
        progress.done("clone", time.perf_counter() - cloning)
    return templates.RefreshResult(urls.display(target), template, rebuilt, time.perf_counter() - started)


def ensure_template(
    bundle_path: str | Path, config: Config, admin_url: str, template: str, *, force: bool = False,
    progress: Progress = silent, key: bytes | None = None, replace: bool = False,
) -> bool:
    """Build the template database unless it exists with the same key. True when it was (re)built.
    A database of that name that provisioner did not label as its template is refused unless ``replace``."""
    from provisioner.devkit import refresh as templates
    from provisioner.pg import script

    wanted = templates.template_key(bundle_path, config)
    with templates.hold(admin_url, f"template {template}", progress):
        if not force and templates.label(admin_url, template) == templates.LABEL_PREFIX + wanted:
            progress.info(f"template {template} is up to date (key {wanted[:12]})")
            return False
        templates.check_template(admin_url, template, bundle_io.source_identity(bundle_path, key), replace=replace)
        progress.info(f"building template {template} (key {wanted[:12]})")
        url = script.create_database(admin_url, template, replace=True)
        templates.mark_building(admin_url, template)
        try:
            load_bundle(bundle_path, config.with_overrides(target=url), progress=progress, key=key)
        except BaseException:
            script.drop_database(admin_url, template)
            raise
        templates.finish(admin_url, template, wanted)
    return True


def diff_bundle(bundle_path: str | Path, config: Config, key: bytes | None = None) -> Any:
    """Reflect the source and compare it with the bundle's snapshot (a ``SchemaDiff``)."""
    from provisioner.schema.diff import diff

    model = bundle_io.load(bundle_path, key)
    engine = db.source_engine(_require(config.source, "source", "--source"))
    try:
        now = reflect(engine, model.snapshot.schemas, foreign_keys=config.virtual_keys(), where=config.where)
    finally:
        engine.dispose()
    return diff(model.snapshot, now)


def init_config(config: Config, out_path: str | Path, force: bool = False, progress: Progress = silent) -> Path:
    """A commented starter provisioner.yaml from the source: detected PII, lookup tables, and every table's
    method and rows as ``train`` decides them (its own code, run without fitting)."""
    from provisioner.model.starter import write_starter

    return write_starter(config, out_path, force=force, progress=progress)


def audit_target(config: Config, bundle_path: str | Path | None = None, key: bytes | None = None) -> Any:
    """Leak scan of the target (and the bundle file) for source PII and free text: an ``audit.AuditReport``."""
    from provisioner.privacy import audit

    source = db.source_engine(_require(config.source, "source", "--source"))
    target = db.target_engine(urls.parse(_require(config.target, "target", "--target"), "target"))
    try:
        tables = audit.columns_of_bundle(bundle_io.load(bundle_path, key)) if bundle_path else audit.columns_of_source(source, config)
        return audit.audit(source, target, tables, bundle_path)
    finally:
        source.dispose()
        target.dispose()


def demo(progress: Progress = silent, workdir: Path | None = None, *, seed: int = 0, keep_running: bool = True) -> Any:
    """Provision ``chinook_demo_staging`` from ``chinook_demo_source`` on an embedded server (a ``DemoResult``)."""
    from provisioner.devkit import demo as demokit

    server, source_url, target_url = demokit.prepare(progress, workdir, keep_running=keep_running)
    result = provision(demokit.demo_config(source_url, target_url, seed), progress=progress)
    rows = {str(table): int(count) for table, count in (result.load.tables if result.load else {}).items()}
    return demokit.result(server, source_url, target_url, rows, keep_running=keep_running)


def _timed(seconds: dict[str, float], stage: str, progress: Progress, fn: Callable[[], T]) -> T:
    progress.stage(stage)
    started = time.perf_counter()
    value = fn()
    seconds[stage] = round(time.perf_counter() - started, 3)
    progress.done(stage, seconds[stage])
    return value


def _write_html(
    path: str | Path | None, model: ModelBundle, synthetic: SyntheticTables, verdict: Mapping[str, Any] | None,
    real: Mapping[str, RealRows] | None, seconds: Mapping[str, float], rows: Mapping[str, int] | None = None,
    fidelity: Mapping[str, Any] | None = None,
) -> None:
    if path:
        from provisioner.report.html import write_html_report

        write_html_report(path, model, synthetic, verdict, real, seconds, rows, fidelity)
