"""Quasi-identifier risk (singling out, linkability, inference) on numpy data, and its config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from provisioner.config import PrivacyConfig, load_config
from provisioner.errors import ConfigError
from provisioner.privacy.risk import quasi_identifier_metrics, wilson

from .test_privacy import KINDS, copier, population, split

QUASI = ("age", "amount", "created", "city")
CONFIG = PrivacyConfig()


def test_fresh_samples_carry_no_quasi_identifier_risk() -> None:
    train, holdout = split(3000, seed=31)
    metrics = quasi_identifier_metrics(train, holdout, population(2000, np.random.default_rng(32)), KINDS, QUASI, CONFIG, seed=1)
    assert [m.name for m in metrics] == ["singling_out", "linkability", "inference"]
    assert all(m.passed for m in metrics), [m.detail for m in metrics]
    assert all("lower 95% bound" in m.detail for m in metrics)


def test_memorised_rows_are_singled_out_and_their_secrets_inferred() -> None:
    train, holdout = split(3000, seed=33)
    synthetic = copier(train, 2000, 0.5, seed=34)
    metrics = {m.name: m for m in quasi_identifier_metrics(train, holdout, synthetic, KINDS, QUASI, CONFIG, seed=1)}
    assert not metrics["inference"].passed and metrics["inference"].value > 0.1
    assert not metrics["singling_out"].passed or not metrics["linkability"].passed
    assert "secret" in metrics["inference"].detail


def test_wilson_interval_brackets_the_rate() -> None:
    low, high = wilson(10, 100)
    assert 0.05 < low < 0.1 < high < 0.18
    assert wilson(0, 0) == (0.0, 1.0)


def test_quasi_identifiers_config(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("privacy:\n  quasi_identifiers:\n    customer: [age, zip]\n  quasi_identifier_risk_max: 0.1\n")
    config = load_config(path, environ={})
    assert config.privacy.quasi_identifiers == {"customer": ("age", "zip")}
    assert config.privacy.quasi_identifier_risk_max == 0.1
    path.write_text("privacy:\n  quasi_identifiers: [age]\n")
    with pytest.raises(ConfigError, match="quasi_identifiers must map table names"):
        load_config(path, environ={})
    assert replace(CONFIG, quasi_identifiers={}).quasi_identifiers == {}
