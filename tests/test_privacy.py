"""The privacy gate on real numpy data: ideal generators pass, memorising ones fail."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from provisioner.config import PrivacyConfig
from provisioner.privacy.distances import nearest
from provisioner.privacy.metrics import (
    Metric,
    TablePrivacy,
    check_table,
    exempt,
    report,
)

SENTINEL = "zz-sentinel-secret-7f3a"
KINDS = {
    "age": "numeric",
    "amount": "numeric",
    "created": "datetime",
    "seen": "datetime",
    "plan": "categorical",
    "city": "categorical",
    "flag": "boolean",
}
CONFIG = PrivacyConfig()
Split = tuple[pd.DataFrame, pd.DataFrame]


def population(rows: int, rng: np.random.Generator, sentinel: bool = False) -> pd.DataFrame:
    age = rng.integers(18, 90, rows)
    amount = np.round(rng.lognormal(4 + 0.02 * (age - 18), 0.7), 2)
    amount[rng.random(rows) < 0.1] = np.nan
    created = pd.Timestamp("2020-01-01", tz="Europe/Berlin") + pd.to_timedelta(rng.integers(0, 10**8, rows), unit="s")
    seen = pd.Series(created.tz_localize(None) + pd.to_timedelta(rng.exponential(30, rows), unit="D"))
    seen[rng.random(rows) < 0.1] = pd.NaT
    cities = np.array(["north", "south", "east", "west", "centre", "harbour", "hill", "lake"])
    city = rng.choice(cities, rows).astype(object)
    city[rng.random(rows) < 0.05] = None
    if sentinel:
        city[:: max(rows // 10, 1)] = SENTINEL
    return pd.DataFrame(
        {
            "age": age,
            "amount": amount,
            "created": created,
            "seen": seen,
            "plan": rng.choice(["free", "pro", "team"], rows, p=[0.6, 0.3, 0.1]),
            "city": city,
            "flag": pd.Series(rng.random(rows) < 0.3, dtype=object).where(rng.random(rows) > 0.05, None),
        }
    )


def split(rows: int, seed: int, sentinel: bool = False) -> Split:
    real = population(rows, np.random.default_rng(seed), sentinel)
    cut = rows * 2 // 3
    return real.iloc[:cut].reset_index(drop=True), real.iloc[cut:].reset_index(drop=True)


def copier(train: pd.DataFrame, rows: int, share: float, seed: int, sentinel: bool = False) -> pd.DataFrame:
    """A generator that memorises: ``share`` of its rows are training rows, the rest fresh draws."""
    rng = np.random.default_rng(seed)
    fresh = population(rows, rng, sentinel)
    picked = rng.choice(len(train), int(rows * share), replace=False)
    slots = rng.choice(rows, len(picked), replace=False)
    fresh.iloc[slots] = train.iloc[picked].to_numpy()
    return fresh


@pytest.fixture(scope="module")
def real() -> Split:
    return split(3000, seed=1)


@pytest.fixture(scope="module")
def good(real: Split) -> TablePrivacy:
    train, holdout = real
    return check_table("good", train, holdout, population(2000, np.random.default_rng(2)), KINDS, CONFIG, seed=3)


@pytest.fixture(scope="module")
def leaky(real: Split) -> TablePrivacy:
    train, holdout = real
    return check_table("leaky", train, holdout, copier(train, 2000, 0.3, seed=4), KINDS, CONFIG, seed=3)


def metric(result: TablePrivacy, name: str) -> Metric:
    return next(m for m in result.metrics if m.name == name)


def test_fresh_samples_from_the_same_distribution_pass_every_metric(good: TablePrivacy) -> None:
    assert good.status == "checked"
    assert [m.name for m in good.metrics] == ["exact_copies", "dcr_share", "nndr", "identifiability"]
    assert good.passed, report([good]).failures
    assert good.driving_columns == ()
    assert metric(good, "nndr").baseline == pytest.approx(0.05, abs=0.02)
    assert abs(metric(good, "dcr_share").value - 0.5) < 0.05


def test_copying_thirty_percent_of_training_rows_fails_and_names_rows(leaky: TablePrivacy, real: Split) -> None:
    train, _ = real
    assert not leaky.passed
    assert not metric(leaky, "exact_copies").passed
    assert metric(leaky, "exact_copies").value == pytest.approx(0.3, abs=0.02)
    assert not metric(leaky, "nndr").passed
    assert 0 < len(leaky.offending_rows) <= 100
    synthetic = copier(train, 2000, 0.3, seed=4)
    for syn_row, train_row in leaky.offending_rows[:20]:
        assert synthetic.iloc[syn_row].equals(train.iloc[train_row])
    assert 1 <= len(leaky.driving_columns) <= 3
    assert set(leaky.driving_columns) <= set(KINDS)
    lines = report([leaky]).failures
    assert any(line.startswith("table leaky: exact-copy rate gap") for line in lines)
    assert any(line.startswith("table leaky: NNDR violation share") for line in lines)


def test_identifiability_with_negative_threshold_always_fails(real: Split) -> None:
    train, holdout = real
    config = replace(CONFIG, identifiability_gap_max=-2.0)
    result = check_table("invoice", train, holdout, population(500, np.random.default_rng(5)), KINDS, config)
    ident = metric(result, "identifiability")
    assert not ident.passed and not result.passed
    line = next(line for line in report([result]).failures if "identifiability" in line)
    assert line.startswith("table invoice: identifiability gap ")
    assert "> threshold -2.000" in line and "I(train)=" in line and "I(holdout)=" in line
    assert ident.baseline is not None and 0 <= ident.baseline <= 1


def test_small_table_with_a_copy_of_a_unique_row_fails(real: Split) -> None:
    train, holdout = real[0].iloc[:30].reset_index(drop=True), real[1].iloc[:10].reset_index(drop=True)
    synthetic = population(20, np.random.default_rng(6))
    synthetic.iloc[7] = train.iloc[12].to_numpy()
    result = check_table("tiny", train, holdout, synthetic, KINDS, CONFIG)
    assert result.status == "small"
    assert [m.name for m in result.metrics] == ["exact_copies"]
    assert not result.passed
    assert result.offending_rows == ((7, 12),)


def test_small_table_without_copies_passes(real: Split) -> None:
    train, holdout = real[0].iloc[:30].reset_index(drop=True), real[1].iloc[:10].reset_index(drop=True)
    result = check_table("tiny", train, holdout, population(20, np.random.default_rng(7)), KINDS, CONFIG)
    assert result.status == "small" and result.passed
    assert "min_rows" in result.reason
    assert result.offending_rows == ()


def test_strict_mode_fails_on_any_copy(real: Split) -> None:
    train, holdout = real
    synthetic = population(1000, np.random.default_rng(8))
    synthetic.iloc[3] = train.iloc[5].to_numpy()
    lenient = check_table("t", train, holdout, synthetic, KINDS, CONFIG)
    strict = check_table("t", train, holdout, synthetic, KINDS, replace(CONFIG, strict=True))
    assert metric(lenient, "exact_copies").passed
    assert not metric(strict, "exact_copies").passed
    assert (3, 5) in strict.offending_rows


def test_copies_are_found_after_rounding_to_the_stored_precision(real: Split) -> None:
    train, holdout = real[0].iloc[:30].reset_index(drop=True), real[1].iloc[:10].reset_index(drop=True)
    synthetic = population(20, np.random.default_rng(9))
    synthetic.iloc[2] = train.iloc[4].to_numpy()
    synthetic["age"] = synthetic["age"].astype(float)
    synthetic.loc[2, "age"] = train.loc[4, "age"] + 1e-7
    result = check_table("t", train, holdout, synthetic, KINDS, CONFIG)
    assert result.offending_rows == ((2, 4),)


def test_missing_values_and_loose_types_are_coerced() -> None:
    rng = np.random.default_rng(10)
    frames = []
    for rows in (600, 300, 600):
        frame = population(rows, rng)
        frame["created"] = [None if i % 17 == 0 else d.date() for i, d in enumerate(frame["created"])]
        frame.loc[frame.index % 23 == 0, "created"] = dt.date(9999, 12, 31)  # beyond pandas' timestamps
        frame["amount"] = frame["amount"].astype(object).where(rng.random(rows) > 0.1, None)
        frame["plan"] = frame["plan"].astype(object).where(rng.random(rows) > 0.1, np.nan)
        frame.loc[frame.index % 5 == 0, "plan"] = 3  # mixed objects in a categorical column
        frames.append(frame)
    result = check_table("loose", frames[0], frames[1], frames[2], KINDS, CONFIG, seed=1)
    assert result.status == "checked"
    assert result.passed, report([result]).failures
    assert all(np.isfinite(m.value) for m in result.metrics)


def test_all_missing_columns_and_times_of_day_do_not_break_the_gate() -> None:
    rng = np.random.default_rng(11)
    frames = []
    for rows in (200, 100, 200):
        seconds = rng.integers(0, 86400, rows)
        frames.append(
            pd.DataFrame(
                {
                    "empty": [None] * rows,
                    "at": [dt.time(s // 3600, s // 60 % 60, s % 60) for s in seconds],
                    "x": rng.normal(size=rows),
                }
            )
        )
    kinds = {"empty": "numeric", "at": "datetime", "x": "numeric"}
    result = check_table("odd", frames[0], frames[1], frames[2], kinds, CONFIG)
    assert result.status == "checked" and len(result.metrics) == 4
    assert all(np.isfinite(m.value) for m in result.metrics)
    assert metric(result, "exact_copies").passed and metric(result, "nndr").passed


def test_same_inputs_and_seed_give_the_same_report(real: Split) -> None:
    train, holdout = real
    synthetic = copier(train, 1500, 0.1, seed=12)
    first = check_table("t", train, holdout, synthetic, KINDS, CONFIG, seed=5)
    second = check_table("t", train.copy(), holdout.copy(), synthetic.copy(), KINDS, CONFIG, seed=5)
    assert first.to_dict() == second.to_dict()


def test_report_is_json_and_holds_no_data_values() -> None:
    train, holdout = split(1500, seed=13, sentinel=True)
    synthetic = copier(train, 1000, 0.3, seed=14, sentinel=True)
    result = check_table("secret", train, holdout, synthetic, KINDS, CONFIG)
    assert not result.passed and result.offending_rows
    full = report([result, exempt("lookup", "lookup table copied verbatim", 12)])
    text = json.dumps(full.to_dict())
    assert SENTINEL not in text
    loaded = json.loads(text)
    assert loaded["passed"] is False
    assert loaded["failures"] == list(full.failures)
    assert loaded["tables"]["lookup"]["status"] == "exempt" and loaded["tables"]["lookup"]["passed"]
    assert all(SENTINEL not in line for line in full.failures)


def test_no_columns_and_exempt_tables_pass() -> None:
    empty = pd.DataFrame(index=range(10))
    result = check_table("keys_only", empty, empty, empty, {}, CONFIG)
    assert result.status == "no_columns" and result.passed and result.metrics == ()
    assert exempt("lookup", "copied verbatim", 5).passed
    assert report([result, exempt("lookup", "copied verbatim", 5)]).passed


def test_mismatched_columns_and_duplicate_tables_are_refused(real: Split) -> None:
    train, holdout = real
    with pytest.raises(ValueError, match="synthetic columns differ"):
        check_table("t", train, holdout, train.drop(columns=["age"]), KINDS, CONFIG)
    with pytest.raises(ValueError, match="checked twice"):
        report([exempt("a", "x", 1), exempt("a", "y", 1)])


def test_nearest_is_exact_against_brute_force() -> None:
    rng = np.random.default_rng(15)
    is_cat = np.array([False, True, False])
    weights = np.array([0.5, 2.0, 1.0])

    def draw(rows: int) -> np.ndarray:
        return np.column_stack([rng.random(rows), rng.integers(-1, 4, rows), rng.random(rows)]).astype(np.float32)

    queries, refs = draw(200), draw(9000)
    brute = sum(
        weights[j] * ((queries[:, j, None] != refs[:, j]) if is_cat[j] else np.abs(queries[:, j, None] - refs[:, j]))
        for j in range(3)
    )
    exclude = rng.integers(-1, len(refs), len(queries))
    rows = np.flatnonzero(exclude >= 0)
    brute[rows, exclude[rows]] = np.inf
    dist, idx = nearest(queries, refs, is_cat, k=2, weights=weights, exclude=exclude)
    np.testing.assert_allclose(dist, np.sort(brute, axis=1)[:, :2], atol=1e-5)
    np.testing.assert_allclose(brute[np.arange(len(queries)), idx[:, 0]], dist[:, 0], atol=1e-5)


def test_non_string_column_labels_are_reported_as_text() -> None:
    rng = np.random.default_rng(16)
    frames = [pd.DataFrame({0: rng.normal(size=n), 1: rng.choice(["a", "b"], n)}) for n in (200, 100, 200)]
    result = check_table("numbered", frames[0], frames[1], frames[2], {"0": "numeric", "1": "categorical"}, CONFIG)
    assert result.columns == ("0", "1")
    json.dumps(result.to_dict())


def test_identifiability_noise_on_small_holdouts_does_not_fail_good_generators() -> None:
    """With 100 holdout rows the gap has sd ~0.07: a bare 0.05 threshold fails ~25% of ideal generators."""
    gaps, failed = [], []
    for s in range(20):
        train, holdout = split(300, seed=100 + s)
        result = check_table("t", train, holdout, population(300, np.random.default_rng(200 + s)), KINDS, CONFIG, seed=s)
        ident = metric(result, "identifiability")
        gaps.append(ident.value)
        failed.append(not ident.passed)
        assert "with z " in ident.detail
    assert sum(g > CONFIG.identifiability_gap_max for g in gaps) >= 3  # the bare threshold would have failed these
    assert sum(failed) == 0


def test_identifiability_z_min_zero_falls_back_to_the_bare_threshold(real: Split) -> None:
    train, holdout = real
    synthetic = copier(train, 2000, 0.6, seed=21)
    config = replace(CONFIG, identifiability_z_min=0.0)
    ident = metric(check_table("t", train, holdout, synthetic, KINDS, config, seed=3), "identifiability")
    assert ident.value > CONFIG.identifiability_gap_max and not ident.passed
