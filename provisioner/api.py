"""The public API: every CLI command is one of these functions, config first.

    provision(config)            reflect -> train -> sample -> check -> load
    reflect_source(config)       the snapshot (saved under schemas/)
    train_bundle(config, path)   a model bundle file
    sample_bundle(path, config)  synthetic tables from a bundle alone
    check_bundle(path, config)   the privacy gate against the source
    load_bundle(path, config)    sample from a bundle and load the target
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.config import Config
from provisioner.errors import ConfigError, GateFailed
from provisioner.load.loader import LoadResult, load
from provisioner.model import bundle as bundle_io
from provisioner.model.bundle import ModelBundle
from provisioner.model.train import TrainResult, train
from provisioner.pg import connect as db
from provisioner.pg import urls
from provisioner.privacy import gate
from provisioner.privacy.metrics import PrivacyReport
from provisioner.progress import Progress, silent
from provisioner.schema.reflect import reflect, save_snapshot
from provisioner.schema.snapshot import SchemaSnapshot
from provisioner.synth.sample import SyntheticTables, sample


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
        snapshot = reflect(engine, config.schemas, progress)
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
        snapshot = reflect(engine, config.schemas, progress)
        reuse = None
        if only_changed:
            from provisioner.model.train import reusable
            from provisioner.schema.diff import diff

            if not path or not Path(path).exists():
                raise ConfigError("--only-changed needs an existing bundle at --bundle to compare with")
            previous = bundle_io.load(path, key)
            reuse = reusable(previous, snapshot, diff(previous.snapshot, snapshot).retrain)
            progress.info(f"--only-changed: keeping {len(reuse)} of {len(snapshot.tables)} table models")
        progress.stage("train")
        result = train(engine, snapshot, config, progress, reuse)
    finally:
        engine.dispose()
    if path:
        bundle_io.save(result.bundle, path, key)
    return result


def provision(
    config: Config,
    *,
    bundle_path: str | Path | None = None,
    report_path: str | Path | None = None,
    progress: Progress = silent,
    key: bytes | None = None,
    html_path: str | Path | None = None,
    resample_violations: bool = False,
) -> ProvisionResult:
    """Every stage; the privacy gate runs before the first write to the target.

    ``resample_violations``: when the gate names offending rows, redraw their learnt
    columns and re-check (see :mod:`provisioner.privacy.resample`) before giving up.
    """
    seconds: dict[str, float] = {}
    source = db.source_engine(_require(config.source, "source", "--source"))
    target_url = urls.parse(_require(config.target, "target", "--target"), "target")
    try:
        db.refuse_same_database(source, target_url)
        snapshot = _timed(seconds, "reflect", progress, lambda: reflect(source, config.schemas, progress))
        trained = _timed(seconds, "train", progress, lambda: train(source, snapshot, config, progress))
    finally:
        source.dispose()
    synthetic = _timed(seconds, "sample", progress, lambda: sample(trained.bundle, config, progress))
    from provisioner.privacy.resample import checked

    gated = _timed(seconds, "check", progress, lambda: checked(
        trained.bundle, trained.real, synthetic, config.privacy, progress, resample_violations))
    synthetic, verdict = gated.synthetic, gated.verdict
    model = trained.bundle.with_privacy(verdict.to_dict())
    if bundle_path:
        bundle_io.save(model, bundle_path, key)
    _write_html(html_path, model, synthetic, verdict.to_dict(), trained.real, seconds)
    if not verdict.passed:
        report = build_report(model, synthetic, verdict.to_dict(), None, seconds)
        _write_report(report_path, report)
        raise GateFailed("privacy gate failed, nothing was written: " + "; ".join(verdict.failures), report)
    target = db.target_engine(target_url)
    try:
        loaded = _timed(seconds, "load", progress, lambda: load(target, snapshot, synthetic, progress))
    finally:
        target.dispose()
    report = build_report(model, synthetic, verdict.to_dict(), loaded, seconds)
    _write_report(report_path, report)
    return ProvisionResult(snapshot, synthetic.rows, verdict.to_dict(), loaded, seconds, report)


def sample_bundle(path: str | Path, config: Config, progress: Progress = silent, key: bytes | None = None) -> tuple[ModelBundle, SyntheticTables]:
    model = bundle_io.load(path, key)
    return model, sample(model, config, progress)


def check_bundle(path: str | Path, config: Config, progress: Progress = silent, key: bytes | None = None) -> PrivacyReport:
    """Re-read the source (same seeded split as training) and gate a fresh sample."""
    model = bundle_io.load(path, key)
    engine = db.source_engine(_require(config.source, "source", "--source"))
    try:
        snapshot = reflect(engine, model.snapshot.schemas, progress)
        if snapshot.structure_hash != model.schema_hash:
            bundle_io.load(path, key, expect_schema=snapshot.structure_hash)
        from provisioner.model.train import real_rows

        real = real_rows(engine, model, config, progress)
    finally:
        engine.dispose()
    synthetic = sample(model, config, progress)
    return gate.check(model, real, synthetic, config.privacy, progress)


def load_bundle(
    path: str | Path, config: Config, *, report_path: str | Path | None = None, progress: Progress = silent,
    key: bytes | None = None, dry_run: bool = False, html_path: str | Path | None = None, stream: bool = False,
) -> ProvisionResult:
    """Provision from a bundle alone (no source): sample, then load.

    ``stream``: tables asked for 200k+ rows are sampled and COPYed shard by shard in the
    same transaction, so memory stays flat however many rows are asked for (stream.py).
    """
    seconds: dict[str, float] = {}
    model = bundle_io.load(path, key)
    target_url = urls.parse(_require(config.target, "target", "--target"), "target")
    if stream and not dry_run:
        return _load_streamed(model, config, target_url, report_path, progress)
    synthetic = _timed(seconds, "sample", progress, lambda: sample(model, config, progress))
    verdict = model.privacy  # the training-time verdict travels with the bundle
    if verdict is not None and not verdict.get("passed", False):
        raise GateFailed("this bundle failed the privacy gate when it was trained; retrain it before loading")
    if dry_run:
        from provisioner.load.loader import plan

        progress.info(plan(model.snapshot, synthetic).describe())
        return ProvisionResult(model.snapshot, synthetic.rows, verdict, None, seconds)
    target = db.target_engine(target_url)
    try:
        loaded = _timed(seconds, "load", progress, lambda: load(target, model.snapshot, synthetic, progress))
    finally:
        target.dispose()
    report = build_report(model, synthetic, verdict, loaded, seconds)
    _write_report(report_path, report)
    _write_html(html_path, model, synthetic, verdict, None, seconds)
    return ProvisionResult(model.snapshot, synthetic.rows, verdict, loaded, seconds, report)


def _load_streamed(
    model: ModelBundle, config: Config, target_url: Any, report_path: str | Path | None, progress: Progress
) -> ProvisionResult:
    from provisioner.load.stream import load_streamed

    verdict = model.privacy
    if verdict is not None and not verdict.get("passed", False):
        raise GateFailed("this bundle failed the privacy gate when it was trained; retrain it before loading")
    seconds: dict[str, float] = {}
    target = db.target_engine(target_url)
    try:
        loaded = _timed(seconds, "sample+load", progress, lambda: load_streamed(target, model, config, progress))
    finally:
        target.dispose()
    report = {"gate": {"passed": verdict.get("passed") if verdict else None,
                       "failures": list(verdict.get("failures", [])) if verdict else []},
              "tables": {k: {"rows": n, "method": model.tables[k].method} for k, n in loaded.tables.items()},
              "seconds": seconds, "streamed": True, "schema_hash": model.schema_hash}
    _write_report(report_path, report)
    return ProvisionResult(model.snapshot, dict(loaded.tables), verdict, loaded, seconds, report)


def _write_html(
    path: str | Path | None, model: ModelBundle, synthetic: SyntheticTables, verdict: Mapping[str, Any] | None,
    real: Mapping[str, Any] | None, seconds: Mapping[str, float],
) -> None:
    if path:
        from provisioner.report.html import write_html_report

        write_html_report(path, model, synthetic, verdict, real, seconds)
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


def _timed(seconds: dict[str, float], stage: str, progress: Progress, fn: Any) -> Any:
    progress.stage(stage)
    started = time.perf_counter()
    value = fn()
    seconds[stage] = round(time.perf_counter() - started, 3)
    progress.done(stage, seconds[stage])
    return value


def build_report(
    model: ModelBundle, synthetic: SyntheticTables, verdict: Mapping[str, Any] | None, loaded: LoadResult | None,
    seconds: Mapping[str, float],
) -> dict[str, Any]:
    """The ``--report`` JSON. ``verdict`` is PrivacyReport.to_dict(), from now or from training time."""
    privacy_tables = verdict.get("tables", {}) if verdict else {}
    tables = {
        key: {
            "rows": len(synthetic.tables[key]),
            "source_rows": tm.source_rows,
            "method": tm.method,
            "reason": tm.reason,
            "train_rows": tm.train_rows,
            "epochs_trained": tm.synthesizer.epochs if tm.synthesizer is not None else None,
            "pii_columns": list(tm.pii_columns),
            "privacy": privacy_tables.get(key, {"status": "from bundle"}),
        }
        for key, tm in model.tables.items()
    }
    gate_part = {"passed": verdict.get("passed"), "failures": list(verdict.get("failures", []))} if verdict else {"passed": None, "failures": []}
    return {
        "gate": gate_part,
        "tables": tables,
        "seconds": dict(seconds),
        "notes": list(synthetic.notes),
        "seed": synthetic.seed,
        "schema_hash": model.schema_hash,
        "loaded": loaded is not None,
        "migration": loaded.migration.__dict__ if loaded else None,
    }


def _write_report(path: str | Path | None, report: Mapping[str, Any]) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
