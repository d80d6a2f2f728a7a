"""What holds on every source row holds on the synthetic rows (issue 13): measured on Chinook and Northwind.

Each rule is the one a QA engineer checks first; the mechanisms that keep them are general
(columns/rules.py, model/relations/*, model/agreement.py), these tests only measure.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from provisioner import api
from provisioner.config import Config
from provisioner.model.train import TrainResult
from provisioner.privacy import gate
from provisioner.synth.sample import sample

Tables = dict[str, pd.DataFrame]


@pytest.fixture(scope="module")
def chinook(chinook_url: str) -> tuple[TrainResult, Tables]:
    trained = api.train_bundle(Config(source=chinook_url, seed=1))
    return trained, sample(trained.bundle, Config(seed=1)).tables


@pytest.fixture(scope="module")
def northwind(northwind_url: str) -> tuple[TrainResult, Tables]:
    trained = api.train_bundle(Config(source=northwind_url, seed=1))
    return trained, sample(trained.bundle, Config(seed=1)).tables


def _ascii(text: object) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower())


def test_datetimes_keep_their_resolution_and_weekly_rhythm(chinook, northwind) -> None:  # type: ignore[no-untyped-def]
    invoices = pd.to_datetime(chinook[1]["invoice"]["invoice_date"])
    assert (invoices == invoices.dt.normalize()).all()  # the source's invoices are all at midnight
    orders = northwind[1]["orders"]
    for column in ("order_date", "required_date", "shipped_date"):
        assert (pd.to_datetime(orders[column]).dropna().dt.dayofweek < 5).all(), column  # weekdays only, as in the source
    shipped = orders.dropna(subset=["shipped_date"])
    assert (pd.to_datetime(shipped["shipped_date"]) > pd.to_datetime(shipped["order_date"])).all()


def test_discrete_numbers_keep_the_source_set(chinook, northwind) -> None:  # type: ignore[no-untyped-def]
    for (trained, synthetic), table, column in ((chinook, "invoice_line", "unit_price"), (chinook, "track", "unit_price"),
                                                (northwind, "order_details", "discount")):
        allowed = set(np.round(trained.frames[table][column].dropna().astype(float), 6))
        assert set(np.round(synthetic[table][column].dropna().astype(float), 6)) <= allowed, (table, column)


def test_a_parent_total_is_the_sum_of_its_lines(chinook) -> None:  # type: ignore[no-untyped-def]
    trained, synthetic = chinook
    assert any(type(r).__name__ == "Aggregate" for r in trained.bundle.tables["invoice"].rules)
    lines = synthetic["invoice_line"].assign(amount=lambda d: d["quantity"].astype(float) * d["unit_price"].astype(float))
    sums = lines.groupby(lines["invoice_id"].astype(int))["amount"].sum().round(2)
    invoices = synthetic["invoice"]
    assert np.allclose(invoices["total"].astype(float), invoices["invoice_id"].astype(int).map(sums).fillna(0.0), atol=0.005)


def test_copied_pii_and_names_agree(chinook) -> None:  # type: ignore[no-untyped-def]
    _, synthetic = chinook
    joined = synthetic["invoice"].merge(synthetic["customer"], on="customer_id")
    for child, parent in (("billing_address", "address"), ("billing_city", "city"), ("billing_state", "state")):
        same = joined[child].fillna("\0null").astype(str) == joined[parent].fillna("\0null").astype(str)
        assert same.mean() == 1.0, child
    people = synthetic["customer"].dropna(subset=["email"])
    local = people["email"].str.split("@").str[0].map(_ascii)
    named = [a[:3] in m or b[:3] in m for m, a, b in zip(local, people["first_name"].map(_ascii), people["last_name"].map(_ascii))]
    assert np.mean(named) > 0.8  # the source: every e-mail holds the person's name


def test_a_managers_title_comes_from_the_level_above(chinook) -> None:  # type: ignore[no-untyped-def]
    trained, synthetic = chinook
    def pairs(e: pd.DataFrame) -> set[tuple[object, object]]:
        boss = e.set_index(e["employee_id"].astype(str))["title"]
        return set(zip(e["title"], e["reports_to"].astype(str).map(boss)))
    assert pairs(synthetic["employee"]) <= pairs(trained.frames["employee"])


def test_free_text_is_shaped_like_its_column_and_never_real(chinook) -> None:  # type: ignore[no-untyped-def]
    trained, synthetic = chinook
    for column in ("name", "composer"):
        real = trained.frames["track"][column].dropna().astype(str)
        fake = synthetic["track"][column].dropna().astype(str)
        assert abs(fake.str.split().str.len().mean() - real.str.split().str.len().mean()) < 1.0, column
    composers = synthetic["track"]["composer"].dropna().astype(str)
    assert composers.str.match(r"^[A-Z][a-z]+ [A-Z]").mean() > 0.9  # people's names, not lorem
    verdict = gate.run(trained.bundle, trained.real, sample(trained.bundle, Config(seed=1)), Config().privacy)
    real_names = set(trained.frames["track"]["name"].dropna().astype(str))
    assert not verdict.synthetic.tables["track"]["name"].astype(str).isin(real_names).any()


def test_the_gate_passes_at_default_settings(chinook, northwind) -> None:  # type: ignore[no-untyped-def]
    for trained, synthetic in (chinook, northwind):
        sampled = sample(trained.bundle, Config(seed=1))
        verdict = gate.run(trained.bundle, trained.real, sampled, Config().privacy)
        assert verdict.passed and verdict.rounds == 0, verdict.report.failures


def test_classifier_cannot_tell_the_tables_without_parents_apart(chinook) -> None:  # type: ignore[no-untyped-def]
    """The quality stage's classifier test: tables whose giveaways were rules (midnight dates, video
    tracks' size) are now close to indistinguishable; the JSON shape is what the report carries."""
    from provisioner.report import fidelity

    trained, synthetic = chinook
    result = fidelity.evaluate(trained.bundle, trained.frames, synthetic, trained.real, seed=1, baselines=False)
    assert result.tables["invoice"].detection.auc < 0.7 and result.tables["track"].detection.auc < 0.75
    data = result.to_dict()
    assert set(data["tables"]["invoice"]["detection"]) >= {"auc", "auc_folds", "giveaways"}
    assert data["tables"]["invoice"]["utility"]["target"] and data["mean_auc"] is not None
