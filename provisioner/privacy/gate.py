"""Stage 4, check: the privacy gate over every table, before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from provisioner.config import PrivacyConfig
from provisioner.model.bundle import ModelBundle, TableModel
from provisioner.model.train import RealRows, table_seed
from provisioner.privacy import metrics as privacy
from provisioner.privacy import risk
from provisioner.progress import Progress, silent
from provisioner.schema.snapshot import Table, family
from provisioner.synth.sample import SyntheticTables


def check(
    bundle: ModelBundle,
    real: Mapping[str, RealRows],
    synthetic: SyntheticTables,
    config: PrivacyConfig,
    progress: Progress = silent,
    max_offending: int | None = privacy.MAX_OFFENDING,
) -> privacy.PrivacyReport:
    """The gate over every table; ``max_offending`` caps the rows each table names (None: all)."""
    results = []
    for key in progress.iter(bundle.order.tables, "privacy gate", unit="table"):
        model = bundle.tables[key]
        table = bundle.snapshot.table(key)
        results.append(_check_table(table, model, real.get(key), synthetic, config, bundle.seed, max_offending))
    return privacy.report(results)


def _check_table(
    table: Table, model: TableModel, real: RealRows | None, synthetic: SyntheticTables, config: PrivacyConfig, seed: int,
    max_offending: int | None = privacy.MAX_OFFENDING,
) -> privacy.TablePrivacy:
    rows = len(synthetic.tables[table.key])
    if model.method == "copy":
        return privacy.exempt(table.key, f"lookup table copied verbatim ({model.reason})", rows)
    columns = list(model.model_columns)
    if real is None or not columns:
        why = "no column was learnt from source rows (keys, PII and free text are generated)"
        return privacy.exempt(table.key, why if model.method != "generate" else model.reason, rows)
    kinds = {c: "categorical" if model.roles.get(c) == "lookup" else family(table.column(c).kind) for c in columns}
    if all(k in ("categorical", "boolean") for k in kinds.values()):
        why = (f"only categories were learnt ({', '.join(columns)}): a synthetic row is a cell of their frequency "
               "table, not a record, so copy and distance metrics carry no signal (every identifying column is PII "
               "or free text, which Faker replaces)")
        return privacy.exempt(table.key, why, rows)
    frames = (real.train[columns], real.holdout[columns], synthetic.tables[table.key][columns].reset_index(drop=True))
    result = privacy.check_table(
        table.key, *frames, kinds, config, seed=table_seed(seed, table.key, "privacy"), max_offending=max_offending,
    )
    quasi = config.quasi_identifiers.get(table.key)
    if quasi and result.status == "checked":
        extra = risk.quasi_identifier_metrics(*frames, kinds, quasi, config, seed=table_seed(seed, table.key, "risk"))
        result = replace(result, metrics=result.metrics + extra)
    return result
