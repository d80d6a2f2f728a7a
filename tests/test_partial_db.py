"""Partial databases and apps without declared foreign keys pass the privacy gate at its defaults.

An integer or uuid column named like a key with no declared foreign key (``album.artist_id``
once ``artist`` is not there, every ``*_id`` of a Django or Rails app that declares no FK) is an
external key: new values with the source's frequency profile, never a learnt column, never in
the gate. Before, such columns were learnt as numbers and the gate failed (album without
artist: 156 of 347 rows "copy a training row"; customer without employee: 18 of 59).
Also: one 1 MB text value among short ones costs what its bytes cost in ``train``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.config import Config
from provisioner.model.train import train
from provisioner.pg import connect as db
from provisioner.pg import script as sqlscript
from provisioner.schema.reflect import reflect

from . import dbcheck
from .conftest import DATASETS, REPO

CHINOOK = DATASETS / "chinook.sql" if (DATASETS / "chinook.sql").exists() else REPO / "provisioner" / "data" / "chinook.sql"
NO_FOREIGN_KEYS = """DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
  END LOOP; END $$"""


def _chinook_without(fresh_db: Callable[..., str], statement: str) -> str:
    url = fresh_db("partial_src")
    sqlscript.load_sql_script(url, CHINOOK)
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute(statement)
    return url


@pytest.mark.parametrize(("case", "statement", "external"), [
    ("album without artist", "DROP TABLE artist CASCADE", ("album", "artist_id")),
    ("customer without employee", "DROP TABLE employee CASCADE", ("customer", "support_rep_id")),
    ("no foreign keys at all (an ORM app)", NO_FOREIGN_KEYS, ("invoice_line", "track_id")),
])
def test_partial_databases_pass_the_gate_at_defaults(
    fresh_db: Callable[..., str], tmp_path: Path, case: str, statement: str, external: tuple[str, str],
) -> None:
    source = _chinook_without(fresh_db, statement)
    target = fresh_db("partial_stage")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--report", str(report), "--quiet"])
    assert result.exit_code == 0, f"{case}: {result.output}"
    assert json.loads(report.read_text())["gate"]["passed"] is True
    table, column = external
    real = dbcheck._rows(source, f'SELECT count(*) FROM "{table}" GROUP BY "{column}" ORDER BY 1')
    synthetic = dbcheck._rows(target, f'SELECT count(*) FROM "{table}" GROUP BY "{column}" ORDER BY 1')
    assert abs(len(synthetic) - len(real)) <= 0.1 * len(real) + 1, "the number of distinct external keys follows the source"


def test_init_lists_external_keys(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source = _chinook_without(fresh_db, "DROP TABLE employee CASCADE")
    out = tmp_path / "provisioner.yaml"
    result = CliRunner().invoke(main, ["init", "--source", source, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "customer.support_rep_id" in text and "external key" in text


def test_one_large_value_costs_what_its_bytes_cost(fresh_db: Callable[..., str]) -> None:
    """200 short notes and one 1 MB value (an unbroken run of characters, like a base64 blob):
    `train` used to be killed after 150 s (PII detection was quadratic); bench/large_values.py measures it."""
    url = fresh_db("large_value")
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE note (note_id serial PRIMARY KEY, body text NOT NULL, score integer NOT NULL)")
        conn.execute("INSERT INTO note (body, score) SELECT 'a short note about item ' || g, g % 17 FROM generate_series(1, 200) g")
        conn.execute("INSERT INTO note (body, score) VALUES (repeat('0123456789abcdef', 65536), 3)")
    engine = db.source_engine(url)
    try:
        started = time.perf_counter()
        result = train(engine, reflect(engine), Config(source=url))
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    assert result.bundle.tables["note"].roles["body"] == "text"
    assert seconds < 30, f"train took {seconds:.1f} s with one 1 MB value"


def test_virtual_foreign_keys_are_modelled_not_created(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source = _chinook_without(fresh_db, NO_FOREIGN_KEYS)
    target = fresh_db("virtual_stage")
    config = tmp_path / "provisioner.yaml"
    config.write_text("foreign_keys:\n  - invoice_line.invoice_id -> invoice.invoice_id\n  - invoice_line.(track_id) -> track.(track_id)\n")
    result = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--config", str(config), "--quiet"])
    assert result.exit_code == 0, result.output
    orphans = "SELECT count(*) FROM invoice_line l WHERE NOT EXISTS (SELECT 1 FROM invoice i WHERE i.invoice_id = l.invoice_id)"
    assert dbcheck.scalar(target, orphans) == 0
    assert dbcheck.scalar(target, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'") == 0
    config.write_text("seed: 1\nforeign_keys:\n  - invoice_line.invoice_id -> invoice.total\n")
    bad = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--config", str(config), "--quiet"])
    assert bad.exit_code == 2 and f"{config}:3" in bad.output and "not the primary key or a unique key" in bad.output
