"""train.time_budget: parsing, the shares, and a real CTGAN stopped by its deadline."""

from __future__ import annotations

import pytest

from provisioner import api, config
from provisioner.config import Config, TableConfig, TrainConfig
from provisioner.errors import ConfigError
from provisioner.model import budget


@pytest.mark.parametrize(("given", "seconds"), [(300, 300.0), ("90s", 90.0), ("5m", 300.0), ("1.5h", 5400.0), ("45", 45.0), (None, None)])
def test_durations(given: object, seconds: float | None) -> None:
    assert config.parse_duration(given) == seconds


@pytest.mark.parametrize("given", ["five minutes", "-3m", "5 days"])
def test_bad_durations_name_the_key(given: str) -> None:
    with pytest.raises(ConfigError, match="train.time_budget"):
        config.parse_duration(given)


def test_a_generous_budget_keeps_rows_and_epochs() -> None:
    (share,) = budget.allot([("t", 5000, 100, 20)], remaining=10_000, workers=2)
    assert (share.rows, share.epochs, share.fits) == (5000, 100, True)


def test_a_tight_budget_cuts_rows_before_epochs_then_falls_back_to_the_copula() -> None:
    work = [("big", 200_000, 100, 30), ("small", 20_000, 100, 30)]
    big, small = budget.allot(work, remaining=120, workers=1)
    assert big.rows < 200_000 and big.epochs >= budget.MIN_EPOCHS  # rows went first
    assert big.seconds > small.seconds  # shares follow the work
    assert big.seconds <= 120 and small.seconds <= 120
    both = budget.allot(work, remaining=120, workers=2 * 4)  # a worker each: each may use all of it
    assert [a.seconds for a in both] == [budget.usable_seconds(120)] * 2
    five = budget.allot([(f"t{i}", 10_000 * (i + 1), 100, 30) for i in range(5)], remaining=100, workers=2)
    assert budget._makespan([a.seconds for a in five], 2) <= budget.usable_seconds(100) + 1e-6  # they pack onto 2 workers
    (starved,) = budget.allot([("t", 50_000, 100, 30)], remaining=0.05, workers=1)
    assert not starved.fits  # the table gets the cheapest model


def test_the_deadline_stops_ctgan_and_the_bundle_records_it(chinook_url: str) -> None:
    """invoice_line and track as CTGAN with 2000 epochs asked: a 20 s budget must stop them early."""
    config = Config(
        source=chinook_url, seed=2,
        train=TrainConfig(epochs=2000, gan_min_rows=2000, time_budget=20, executor="serial", choose="rule"),
        tables={"invoice": TableConfig(model="gaussian_copula")},
    )
    bundle = api.train_bundle(config).bundle
    for key in ("invoice_line", "track"):
        model = bundle.tables[key]
        assert model.method == "ctgan", model.reason
        assert 1 <= model.synthesizer.epochs < 2000, model.reason
        assert "time budget" in model.reason and f"trained {model.synthesizer.epochs} epochs" in model.reason
    unbudgeted = api.train_bundle(Config(source=chinook_url, seed=2, train=TrainConfig(epochs=1, gan_min_rows=2000, choose="rule")))
    assert unbudgeted.bundle.tables["track"].synthesizer.epochs == 1
