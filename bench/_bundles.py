"""Bundles the benches sample from: one CTGAN table, trained once on a scratch source."""

from __future__ import annotations

from pathlib import Path

import psycopg
from _common import scratch_db

from provisioner import api
from provisioner.config import Config, TableConfig, TrainConfig
from provisioner.model import bundle
from provisioner.pg import script as sqlscript

EVENTS = """
CREATE TABLE events (
    id integer PRIMARY KEY,
    created_at timestamp NOT NULL,
    amount numeric(10,2) NOT NULL,
    discount numeric(10,2),
    active boolean NOT NULL,
    quantity integer,
    category text NOT NULL,
    channel text
);
INSERT INTO events
SELECT i,
       timestamp '2020-01-01' + (random() * 1000) * interval '1 day',
       round((exp(random() * 6))::numeric, 2),
       CASE WHEN random() < 0.6 THEN round((random() * 10)::numeric, 2) END,
       random() < 0.7,
       CASE WHEN random() < 0.8 THEN (random() * 100)::int END,
       (ARRAY['books', 'games', 'music', 'films', 'toys'])[1 + (random() * 4)::int],
       CASE WHEN random() < 0.5 THEN (ARRAY['web', 'shop', 'phone'])[1 + (random() * 2)::int] END
FROM generate_series(1, %s) AS i;
"""


def events_bundle(path: Path, source_rows: int = 5000, epochs: int = 2, seed: int = 0, model: str = "ctgan") -> Path:
    """A bundle of one table, ``events``, modelled by ``model`` (CTGAN: ``epochs`` epochs)."""
    with scratch_db("events_source") as url:
        with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
            conn.execute(EVENTS % int(source_rows))
            conn.execute("ANALYZE events")
        config = Config(source=url, seed=seed, train=TrainConfig(epochs=epochs, model=model))
        trained = api.train_bundle(config)
    return bundle.save(trained.bundle, path)


def rows_config(target: str | None, rows: int, seed: int = 0) -> Config:
    """Ask for ``rows`` rows of ``events``."""
    return Config(target=target, seed=seed, tables={"events": TableConfig(rows=rows)})
