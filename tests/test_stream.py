"""Streaming sample+load on Chinook: real PostgreSQL, real SDV (1 epoch), every constraint valid."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from provisioner import api
from provisioner.config import Config, TrainConfig
from provisioner.load.stream import load_streamed, make_plan, shards
from provisioner.model.bundle import ModelBundle
from provisioner.pg import connect as db

from . import dbcheck


@pytest.fixture(scope="module")
def chinook_bundle(chinook_url: str) -> ModelBundle:
    config = Config(source=chinook_url, seed=3, train=TrainConfig(epochs=1))
    return api.train_bundle(config).bundle


def test_streamable_tables_are_planned(chinook_bundle: ModelBundle) -> None:
    plan = make_plan(chinook_bundle, Config(seed=3), min_rows=0)
    assert "invoice_line" in plan.streamed and "invoice" in plan.streamed
    assert "playlist_track" not in plan.streamed  # composite unique key: in memory
    assert plan.kept_columns["invoice"] == ("invoice_id",)


def test_shards_are_deterministic(chinook_bundle: ModelBundle) -> None:
    model, table = chinook_bundle.tables["invoice"], chinook_bundle.snapshot.table("invoice")
    parents = {"customer": pd.DataFrame({"customer_id": range(1, 60)})}
    first = list(shards(table, model, parents, Config(seed=3), 3, 150))
    again = list(shards(table, model, parents, Config(seed=3), 3, 150))
    assert len(first) > 1
    for a, b in zip(first, again):
        pd.testing.assert_frame_equal(a, b)
    ids = pd.concat(first)["invoice_id"]
    assert ids.is_unique


def test_streamed_load_is_valid(chinook_bundle: ModelBundle, fresh_db: Callable[..., str], chinook_url: str) -> None:
    target = fresh_db("stream")
    config = Config(seed=3, scale=2.0)
    engine = db.target_engine(target)
    try:
        result = load_streamed(engine, chinook_bundle, config, chunk_rows=300, min_rows=0)
    finally:
        engine.dispose()
    counts = dbcheck.counts(target)
    assert counts == {k.split(".")[-1]: v for k, v in result.tables.items()} or counts == dict(result.tables)
    assert counts["invoice_line"] > 2 * 1000
    assert dbcheck.all_constraints_valid(target) == []
    assert dbcheck.constraints(target) == dbcheck.constraints(chinook_url)


def test_pool_makes_the_same_shards(chinook_bundle: ModelBundle) -> None:
    """Shards made in worker processes equal those made here, Faker columns included."""
    from provisioner.model.executor import LocalExecutor, sample_shards

    model, table = chinook_bundle.tables["invoice"], chinook_bundle.snapshot.table("invoice")
    parents = {"customer": pd.DataFrame({"customer_id": range(1, 60)})}
    config = Config(seed=3)
    pool = LocalExecutor(workers=2)
    try:
        pooled = list(sample_shards(pool, table, model, parents, config, 150, per_round=2))
    finally:
        pool.close()
    local = list(shards(table, model, parents, config, 3, 150))
    assert len(pooled) == len(local) > 1
    for a, b in zip(pooled, local):
        pd.testing.assert_frame_equal(a, b)
