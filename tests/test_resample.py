"""--resample-violations: a memorising output fails the gate, names its rows, and is repaired."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from provisioner import api
from provisioner.cli import main
from provisioner.config import Config, TrainConfig
from provisioner.model.train import TrainResult
from provisioner.privacy import gate
from provisioner.synth.sample import SyntheticTables, sample

from . import dbcheck

TABLE = "invoice"


@pytest.fixture(scope="module")
def trained(chinook_url: str) -> TrainResult:
    config = Config(source=chinook_url, seed=3, train=TrainConfig(epochs=1))
    return api.train_bundle(config)


def _leaky(trained: TrainResult, synthetic: SyntheticTables, share: float) -> tuple[SyntheticTables, np.ndarray]:
    """Overwrite ``share`` of the table's learnt columns with training rows (keys untouched)."""
    frame = synthetic.tables[TABLE].copy()
    learnt = list(trained.bundle.tables[TABLE].model_columns)
    train = trained.real[TABLE].train
    rng = np.random.default_rng(0)
    slots = np.sort(rng.choice(len(frame), int(len(frame) * share), replace=False))
    picked = rng.choice(len(train), len(slots), replace=False)
    for name in learnt:
        column = frame[name].astype(object)
        column.iloc[slots] = train[name].iloc[picked].to_numpy(dtype=object)
        frame[name] = column.astype(frame[name].dtype) if frame[name].dtype != object else column
    tables = dict(synthetic.tables)
    tables[TABLE] = frame
    return replace(synthetic, tables=tables), slots


def test_copied_rows_fail_are_named_and_resampling_repairs_them(trained: TrainResult) -> None:
    config = Config(seed=3)
    assert trained.bundle.tables[TABLE].synthesizer is not None and trained.bundle.tables[TABLE].model_columns
    synthetic, slots = _leaky(trained, sample(trained.bundle, config), 0.3)
    verdict = gate.check(trained.bundle, trained.real, synthetic, config.privacy)
    table = verdict.tables[TABLE]
    assert not table.passed and not verdict.passed
    named = {row for row, _ in table.offending_rows}
    # The overwritten rows are what the gate names; a generator may also make a rare chance
    # copy of its own (below the holdout's rate), which may be named too.
    assert named and len(named & set(slots.tolist())) >= 0.95 * len(named)
    fixed = gate.run(trained.bundle, trained.real, synthetic, config.privacy, resample_violations=True)
    assert fixed.report.passed, fixed.report.failures
    assert 1 <= fixed.rounds <= gate.DEFAULT_ROUNDS
    assert fixed.redrawn[TABLE] >= int(0.3 * len(synthetic.tables[TABLE])) * 0.8
    assert len(fixed.report.tables[TABLE].offending_rows) <= 100
    before, after = synthetic.tables[TABLE], fixed.synthetic.tables[TABLE]
    keys = [c for c in before.columns if c not in trained.bundle.tables[TABLE].model_columns]
    pd.testing.assert_frame_equal(before[keys], after[keys])  # keys, PII and FKs untouched
    assert any("redrawn" in note for note in fixed.synthetic.notes)


def test_strict_resample_cli_provisions(chinook_url: str, fresh_db: Callable[..., str], tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("seed: 7\ntrain:\n  epochs: 2\n")
    target = fresh_db("strict")
    result = CliRunner().invoke(main, ["provision", "--source", chinook_url, "--target", target, "--config", str(config),
                                       "--strict", "--resample-violations", "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert dbcheck.all_constraints_valid(target) == []


def test_quasi_identifier_risk_runs_in_the_gate(trained: TrainResult) -> None:
    assert set(trained.bundle.tables[TABLE].model_columns) >= {"invoice_date", "total", "billing_country"}
    privacy = replace(Config().privacy, quasi_identifiers={TABLE: ("invoice_date", "total")})
    synthetic = sample(trained.bundle, Config(seed=3))
    leaky, _ = _leaky(trained, synthetic, 0.5)
    fresh = gate.check(trained.bundle, trained.real, synthetic, privacy).tables[TABLE]
    assert {m.name for m in fresh.metrics} >= {"singling_out", "linkability", "inference"}
    copied = gate.check(trained.bundle, trained.real, leaky, privacy).tables[TABLE]
    risky = [m for m in copied.metrics if m.name in ("singling_out", "linkability", "inference") and not m.passed]
    assert risky, [m.detail for m in copied.metrics]


def test_redrawn_child_rows_keep_their_parents_conditioning(trained: TrainResult) -> None:
    """A redrawn invoice is drawn given its customer's columns, as when it was made: its billing
    country is still its customer's country, and its total still the sum of its lines."""
    config = Config(seed=3)
    synthetic, slots = _leaky(trained, sample(trained.bundle, config), 0.3)
    fixed = gate.run(trained.bundle, trained.real, synthetic, config.privacy, resample_violations=True)
    invoices = fixed.synthetic.tables[TABLE]
    redrawn = (invoices["invoice_date"] != synthetic.tables[TABLE]["invoice_date"]).to_numpy()  # the leaked rows keep what _leaky wrote
    assert redrawn.sum() >= 0.5 * len(slots)
    joined = invoices[redrawn].merge(fixed.synthetic.tables["customer"][["customer_id", "country"]], on="customer_id")
    assert (joined["billing_country"] == joined["country"]).all()
    lines = fixed.synthetic.tables["invoice_line"]
    sums = (lines["quantity"].astype(float) * lines["unit_price"].astype(float)).groupby(lines["invoice_id"].astype(int)).sum().round(2)
    assert np.allclose(invoices["total"].astype(float), invoices["invoice_id"].astype(int).map(sums).fillna(0.0), atol=0.005)


def test_redrawn_rows_never_repeat_a_unique_set(trained: TrainResult) -> None:
    """A redraw draws the learnt columns again, unique sets or not: a five-row currency table's code came
    back as another row's and the load failed at UNIQUE (name) (tests/sql/unseen_erp.sql). Rows whose draws
    repeat a set keep their values from before (the gate's next round draws them again)."""
    from provisioner.privacy import resample

    synthetic = sample(trained.bundle, Config(seed=3))
    frame = synthetic.tables[TABLE].drop_duplicates("invoice_date").reset_index(drop=True)
    snapshot = trained.bundle.snapshot
    table = replace(snapshot.table(TABLE), primary_key=("invoice_date",))  # one invoice a day
    bundle = replace(trained.bundle, snapshot=replace(snapshot, tables=tuple(table if t.key == TABLE else t for t in snapshot.tables)))
    redrawn = resample.redraw(bundle, TABLE, frame, np.arange(len(frame)), 5, synthetic.tables)
    assert len(frame) >= 100 and not redrawn["invoice_date"].duplicated().any()
    assert (redrawn["invoice_date"] != frame["invoice_date"]).any()  # the rows that repeat nothing are redrawn
