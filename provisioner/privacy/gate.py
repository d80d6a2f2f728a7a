"""Stage 4, check: the privacy gate over every table, before anything is written.

First, any PII or free-text value that equals a source value of its column by chance is
drawn again (:mod:`provisioner.privacy.leaks`). Then:

:func:`run` is the one entry ``provision``, ``check`` and the streamed load use,
with one policy: run every table's metrics (:func:`check`); when failures are
confined to tables under ``privacy.min_rows`` (where a chance collision with a
unique real row is likely) or ``resample_violations`` is asked for, redraw the
offending rows' learnt columns (:mod:`provisioner.privacy.resample`) and check
again, up to ``rounds`` times. Metrics that name no rows (DCR share,
identifiability) cannot be repaired that way; their failures stand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from provisioner.config import PrivacyConfig
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.train import RealRows, table_seed
from provisioner.privacy import exemptions, leaks, metrics, resample, risk
from provisioner.progress import Progress, silent
from provisioner.schema.snapshot import Table, family
from provisioner.synth.sample import SyntheticTables

DEFAULT_ROUNDS = 3


@dataclass(frozen=True)
class Verdict:
    """What the gate decided, and the synthetic tables it decided on (redrawn rows included)."""

    synthetic: SyntheticTables
    report: metrics.PrivacyReport
    redrawn: Mapping[str, int]  # rows redrawn per table, all rounds together
    rounds: int

    @property
    def passed(self) -> bool:
        return self.report.passed


def run(
    bundle: ModelBundle, real: Mapping[str, RealRows], synthetic: SyntheticTables, config: PrivacyConfig,
    progress: Progress = silent, resample_violations: bool = False, rounds: int = DEFAULT_ROUNDS,
) -> Verdict:
    """The gate as every command runs it (see the module docstring)."""
    synthetic = leaks.replace_real(bundle, real, synthetic)
    report = check(bundle, real, synthetic, config, progress)
    failing = [t for t in report.tables.values() if not t.passed]
    small_only = bool(failing) and all(t.status == "small" for t in failing)
    if report.passed or not (resample_violations or small_only):
        return Verdict(synthetic, report, {}, 0)
    return _repair(bundle, real, synthetic, report, config, progress, rounds)


def _repair(
    bundle: ModelBundle, real: Mapping[str, RealRows], synthetic: SyntheticTables, report: metrics.PrivacyReport,
    config: PrivacyConfig, progress: Progress, rounds: int,
) -> Verdict:
    """Redraw offending rows and re-check until the gate passes or nothing is left to redraw."""
    tables = dict(synthetic.tables)
    redrawn: dict[str, int] = {}
    done = 0
    if any(len(t.offending_rows) >= metrics.MAX_OFFENDING for t in report.tables.values() if not t.passed):
        report = check(bundle, real, synthetic, config, progress, max_offending=None)  # name every row
    while not report.passed and done < rounds:
        offenders = resample.offending(bundle, report)
        if not offenders:
            break
        done += 1
        for key, rows in offenders.items():
            seed = table_seed(synthetic.seed, key, f"resample:{done}")
            tables[key] = resample.redraw(bundle, key, tables[key], rows, seed, tables)
            redrawn[key] = redrawn.get(key, 0) + len(rows)
            progress.info(f"{key}: {len(rows)} offending rows redrawn (round {done})")
        synthetic = replace(synthetic, tables=dict(tables))
        report = check(bundle, real, synthetic, config, progress, max_offending=None)
    notes = tuple(f"{key}: {n} synthetic rows redrawn by the privacy gate (learnt columns only)" for key, n in redrawn.items())
    return Verdict(replace(synthetic, notes=synthetic.notes + notes), trim(report), redrawn, done)


def trim(report: metrics.PrivacyReport, cap: int = metrics.MAX_OFFENDING) -> metrics.PrivacyReport:
    """The report as the gate writes it: at most ``cap`` offending rows per table."""
    return metrics.report(replace(t, offending_rows=t.offending_rows[:cap]) for t in report.tables.values())


def check(
    bundle: ModelBundle,
    real: Mapping[str, RealRows],
    synthetic: SyntheticTables,
    config: PrivacyConfig,
    progress: Progress = silent,
    max_offending: int | None = metrics.MAX_OFFENDING,
) -> metrics.PrivacyReport:
    """Every table's metrics once; ``max_offending`` caps the rows each table names (None: all)."""
    results = []
    for key in progress.iter(bundle.order.tables, "privacy gate", unit="table"):
        model = bundle.tables[key]
        table = bundle.snapshot.table(key)
        results.append(_check_table(table, model, real.get(key), synthetic, config, bundle.seed, max_offending, bundle))
    return metrics.report(results)


def _check_table(
    table: Table, model: TableModel, real: RealRows | None, synthetic: SyntheticTables, config: PrivacyConfig, seed: int,
    max_offending: int | None = metrics.MAX_OFFENDING, bundle: ModelBundle | None = None,
) -> metrics.TablePrivacy:
    rows = len(synthetic.tables[table.key])
    if model.method == "copy":
        return metrics.exempt(table.key, f"lookup table copied verbatim ({model.reason})", rows)
    columns = list(model.model_columns)
    if real is None or not columns:
        why = "no column was learnt from source rows (keys, PII and free text are generated)"
        return metrics.exempt(table.key, why if model.method != "generate" else model.reason, rows)
    reference = exemptions.reference_data(table, model, real, bundle)
    if reference:
        return metrics.exempt(table.key, reference, rows)
    kinds = {c: "categorical" if model.roles.get(c) == "lookup" else family(table.column(c).kind) for c in columns}
    if all(k in ("categorical", "boolean") for k in kinds.values()):
        why = (f"only categories were learnt ({', '.join(columns)}): a synthetic row is a cell of their frequency "
               "table, not a record, so copy and distance metrics carry no signal (every identifying column is PII "
               "or free text, which Faker replaces)")
        return metrics.exempt(table.key, why, rows)
    frames = (real.train[columns], real.holdout[columns], synthetic.tables[table.key][columns].reset_index(drop=True))
    result = metrics.check_table(
        table.key, *frames, kinds, config, seed=table_seed(seed, table.key, "privacy"), max_offending=max_offending,
    )
    quasi = config.quasi_identifiers.get(table.key)
    if quasi and result.status == "checked":
        extra = risk.quasi_identifier_metrics(*frames, kinds, quasi, config, seed=table_seed(seed, table.key, "risk"))
        result = replace(result, metrics=result.metrics + extra)
    return result


def offending_rows(verdict: Verdict) -> dict[str, np.ndarray]:
    """Synthetic row numbers the report names, per table."""
    return {k: np.array([r for r, _ in t.offending_rows], dtype=np.int64) for k, t in verdict.report.tables.items() if t.offending_rows}
