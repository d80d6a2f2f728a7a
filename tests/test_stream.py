"""Streaming sample+load: the same per-table steps as in memory, real PostgreSQL, every constraint valid."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import psycopg
import pytest
from click.testing import CliRunner

from provisioner import api
from provisioner.cli import main
from provisioner.config import Config, TrainConfig
from provisioner.model.bundle import ModelBundle
from provisioner.model.executor import LocalExecutor
from provisioner.pg import script as sqlscript
from provisioner.synth import shards

from . import dbcheck


@pytest.fixture(scope="module")
def chinook_bundle(chinook_url: str) -> ModelBundle:
    config = Config(source=chinook_url, seed=3, train=TrainConfig(epochs=1))
    return api.train_bundle(config).bundle


def test_streamable_tables_are_planned(chinook_bundle: ModelBundle) -> None:
    plan = shards.make_plan(chinook_bundle, Config(seed=3), min_rows=0)
    assert "invoice_line" in plan.streamed and "invoice" in plan.streamed
    assert "playlist_track" not in plan.streamed  # composite unique key: in memory
    assert "invoice_id" in plan.kept_columns["invoice"]
    sized = shards.make_plan(chinook_bundle, Config(seed=3, scale=1.0))
    assert sized.streamed == frozenset()  # nothing near the threshold at scale 1
    assert abs(sized.estimated_rows["invoice_line"] - 2240) / 2240 < 0.2


def _shards(bundle: ModelBundle, chunk: int, executor: LocalExecutor | None = None) -> list[pd.DataFrame]:
    source = shards.StreamSource(bundle, Config(seed=3), shards.make_plan(bundle, Config(seed=3), min_rows=0), chunk, executor)
    out = []
    for key in bundle.order.tables:
        frames = list(source.frames(key))
        if key == "invoice":
            out = frames
    return out


def test_shards_are_deterministic_and_never_clash(chinook_bundle: ModelBundle) -> None:
    first, again = _shards(chinook_bundle, 150), _shards(chinook_bundle, 150)
    assert len(first) > 1
    for a, b in zip(first, again):
        pd.testing.assert_frame_equal(a, b)
    assert pd.concat(first)["invoice_id"].is_unique


def test_pool_makes_the_same_shards(chinook_bundle: ModelBundle) -> None:
    """Shards made in worker processes equal those made here, Faker columns included."""
    pool = LocalExecutor(workers=2)
    try:
        pooled = _shards(chinook_bundle, 150, pool)
    finally:
        pool.close()
    local = _shards(chinook_bundle, 150)
    assert len(pooled) == len(local) > 1
    for a, b in zip(pooled, local):
        pd.testing.assert_frame_equal(a, b)


def test_streamed_load_is_valid(chinook_bundle: ModelBundle, fresh_db: Callable[..., str], chinook_url: str, tmp_path: Path) -> None:
    path = tmp_path / "chinook.bundle"
    from provisioner.model import bundle as bundle_io

    bundle_io.save(chinook_bundle, path)
    target = fresh_db("stream")
    result = api.load_bundle(path, Config(seed=3, scale=2.0, target=target), stream=True)
    counts = dbcheck.counts(target)
    assert counts == dict(result.synthetic_rows)
    assert counts["invoice_line"] > 2 * 1000
    assert set(result.report["streamed"]) >= {"invoice", "invoice_line"}
    assert dbcheck.all_constraints_valid(target) == []
    assert dbcheck.constraints(target) == dbcheck.constraints(chinook_url)


BOOKINGS = """
CREATE TABLE host (host_id serial PRIMARY KEY, city text NOT NULL);
CREATE TABLE booking (
    booking_id serial PRIMARY KEY,
    host_id integer NOT NULL REFERENCES host,
    guests integer NOT NULL CHECK (guests BETWEEN 1 AND 8),
    price numeric(10,2) NOT NULL,
    nights integer NOT NULL,
    CONSTRAINT price_per_guest CHECK (price >= guests * 20),
    CONSTRAINT long_stays CHECK (nights * 10 <= price + 200)
);
INSERT INTO host (city) SELECT (ARRAY['Oslo','Lima','Pune','Kyiv'])[1 + g % 4] FROM generate_series(1, 60) g;
INSERT INTO booking (host_id, guests, price, nights)
SELECT 1 + (g * 7) % 60, 1 + g % 8, (1 + g % 8) * 20 + (g * 37) % 300, 1 + (g * 13) % 20
FROM generate_series(1, 600) g;
"""


def test_cross_column_checks_hold_streamed_and_in_memory(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    """CHECKs spanning two columns (one only PostgreSQL can evaluate) pass with --stream --scale 5 and without,
    and both loads report the same shape."""
    source = fresh_db("bookings_src")
    with psycopg.connect(**sqlscript.connect_kwargs(source), autocommit=True) as conn:
        conn.execute(BOOKINGS)
    bundle = tmp_path / "bookings.bundle"
    runner = CliRunner()
    trained = runner.invoke(main, ["train", "--source", source, "--bundle", str(bundle), "--quiet"])
    assert trained.exit_code == 0, trained.output
    reports = {}
    for mode in ("--stream", "--no-stream"):
        target, report = fresh_db("bookings_dst"), tmp_path / f"{mode}.json"
        run = runner.invoke(main, ["load", "--bundle", str(bundle), "--target", target, "--scale", "5", mode,
                                   "--report", str(report), "--quiet"])
        assert run.exit_code == 0, run.output
        assert dbcheck.all_constraints_valid(target) == []
        assert dbcheck.counts(target)["booking"] > 5 * 500
        reports[mode] = json.loads(report.read_text())
    streamed, memory = reports["--stream"], reports["--no-stream"]
    assert "booking" in streamed["streamed"] and memory["streamed"] == []
    assert set(streamed) == set(memory)
    assert {k: set(v) for k, v in streamed["tables"].items()} == {k: set(v) for k, v in memory["tables"].items()}


def test_frames_ahead_keeps_load_order_and_raises_the_sources_error(chinook_bundle: ModelBundle) -> None:
    from provisioner.load.ahead import frames_ahead
    from provisioner.synth.sample import sample

    synthetic = sample(chinook_bundle, Config(seed=3))
    seen = list(frames_ahead(shards.MemorySource(synthetic), synthetic.order.tables, depth=1))
    assert [k for k, f in seen if f is None] == list(synthetic.order.tables)
    assert all(f is None or f is synthetic.tables[k] for k, f in seen)

    class Broken(shards.MemorySource):
        def frames(self, key: str):  # type: ignore[no-untyped-def]
            if key == synthetic.order.tables[2]:
                raise ValueError(f"cannot make {key}")
            yield from super().frames(key)

    with pytest.raises(ValueError, match="cannot make"):
        list(frames_ahead(Broken(synthetic), synthetic.order.tables))
