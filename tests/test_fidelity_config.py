"""Fidelity settings: a Faker provider per column, a TSTR target, HMA refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner import api
from provisioner.config import Config, TableConfig, TrainConfig, load_config
from provisioner.errors import ConfigError
from provisioner.synth.sample import sample


def test_pii_add_takes_a_provider(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("pii:\n  add: [customer.company, {track.composer: name}]\ntables:\n  invoice: {target: billing_country}\n")
    config = load_config(path)
    assert config.pii_add == ("customer.company", "track.composer") and config.pii_providers == {"track.composer": "name"}
    assert config.tables["invoice"].target == "billing_country"
    path.write_text("pii:\n  add: [{track.composer: name, track.name: catch_phrase}]\n")
    with pytest.raises(ConfigError, match="pii.add"):
        load_config(path)


def test_a_provider_fills_the_column(chinook_url: str) -> None:
    config = Config(source=chinook_url, seed=2, pii_add=("track.composer",), pii_providers={"track.composer": "name"})
    trained = api.train_bundle(config)
    (composer,) = [f for f in trained.bundle.tables["track"].fills if f.column == "composer"]
    assert composer.category == "full_name"
    names = sample(trained.bundle, Config(seed=2)).tables["track"]["composer"].dropna()
    assert names.str.fullmatch(r"\S+( \S+)+").mean() > 0.95  # a person's name each, never a list of lorem words
    bad = Config(source=chinook_url, pii_add=("track.composer",), pii_providers={"track.composer": "no_such_provider"})
    with pytest.raises(ConfigError, match="neither a PII category"):
        api.train_bundle(bad)


def test_hma_is_refused_with_the_reason_and_an_unknown_target_too(chinook_url: str) -> None:
    with pytest.raises(ConfigError, match="bundle is data"):
        api.train_bundle(Config(source=chinook_url, train=TrainConfig(relational="hma")))
    with pytest.raises(ConfigError, match="target names column 'nope'"):
        api.train_bundle(Config(source=chinook_url, tables={"invoice": TableConfig(target="nope")}))
