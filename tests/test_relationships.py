"""``relationships:``: foreign keys the database does not declare, modelled like declared ones.

Chinook with every foreign key dropped is what an ORM app looks like. Declared in the config,
the keys are modelled as if the database had them: children per parent (invoices per
customer), valid parents, load order; never created in the target.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.config import Relationship, load_config
from provisioner.errors import ConfigError
from provisioner.pg import connect as db
from provisioner.pg import script as sqlscript
from provisioner.schema.reflect import reflect

from . import dbcheck

RELATIONSHIPS = """relationships:
  - {child: invoice.customer_id, parent: customer.customer_id}
  - {child: invoice_line.invoice_id, parent: invoice.invoice_id}
  - child: invoice_line.(track_id)
    parent: public.track.(track_id)
foreign_keys: [customer.support_rep_id -> employee.employee_id]   # the older spelling still works
"""


def test_relationships_load_with_their_lines(tmp_path: Path) -> None:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(RELATIONSHIPS)
    config = load_config(cfg, environ={})
    assert config.relationships[0] == Relationship("invoice.customer_id", "customer.customer_id")
    assert config.relationships[2] == Relationship("invoice_line.(track_id)", "public.track.(track_id)")
    keys = config.virtual_keys()
    assert keys == {"relationships[0]": "invoice.customer_id -> customer.customer_id",
                    "relationships[1]": "invoice_line.invoice_id -> invoice.invoice_id",
                    "relationships[2]": "invoice_line.(track_id) -> public.track.(track_id)",
                    "foreign_keys[0]": "customer.support_rep_id -> employee.employee_id"}
    assert config.where("relationships[2]") == f"{cfg}:4" and config.where("relationships[2].parent") == f"{cfg}:5"


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("relationships:\n  - invoice.customer_id -> customer.customer_id\n", 2, "must be a mapping {child: table.column"),
    ("relationships:\n  - {child: invoice.customer_id, parent: customer.customer_id, kind: fk}\n", 2, "unknown key 'kind'"),
    ("relationships:\n  - {child: invoice.customer_id}\n", 2, "must be a mapping"),
    ("relationships:\n  - child: invoice.customer_id\n    parent: customer\n", 3, "relationships[0].parent must be written table.column"),
    ("relationships: {child: a.b, parent: c.d}\n", 1, "relationships must be list"),
])
def test_bad_relationships_are_refused_at_load(tmp_path: Path, text: str, line: int, needle: str) -> None:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg, environ={})
    assert f"{cfg}:{line}:" in str(err.value) and needle in str(err.value), str(err.value)


@pytest.mark.parametrize(("entry", "needle"), [
    ("{child: invoice.customer_id, parent: customer.totl}", "has no column 'totl'"),
    ("{child: invoice.customer_id, parent: customer.email}", "not the primary key or a unique key of customer"),
    ("{child: invoice.customer_id, parent: customr.customer_id}", "unknown table 'customr' in relationships"),
    ("{child: 'invoice.(customer_id, total)', parent: customer.customer_id}", "pairs 2 columns with 1"),
    ("{child: invoice.(customer_id, total), parent: customer.customer_id}", "quote a composite key"),
])
def test_relationships_that_do_not_fit_the_schema_exit_2(chinook_nofk_url: str, tmp_path: Path, entry: str, needle: str) -> None:
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(f"seed: 1\nrelationships:\n  - {{child: track.genre_id, parent: genre.genre_id}}\n  - {entry}\n")
    result = CliRunner().invoke(main, ["train", "--config", str(cfg), "--source", chinook_nofk_url, "--bundle", str(tmp_path / "b"), "--quiet"])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"{cfg}:4:" in lines[0] and needle in lines[0], result.stderr


def test_relationships_model_children_per_parent_like_declared_keys(chinook_nofk_url: str, fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source = chinook_nofk_url
    target = fresh_db("nofk_stage")
    cfg = tmp_path / "provisioner.yaml"
    cfg.write_text(RELATIONSHIPS)
    result = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--config", str(cfg), "--quiet"])
    assert result.exit_code == 0, result.output
    orphans = {
        "invoice": "SELECT count(*) FROM invoice i WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.customer_id = i.customer_id)",
        "invoice_line": "SELECT count(*) FROM invoice_line l WHERE NOT EXISTS (SELECT 1 FROM invoice i WHERE i.invoice_id = l.invoice_id)",
        "track": "SELECT count(*) FROM invoice_line l WHERE NOT EXISTS (SELECT 1 FROM track t WHERE t.track_id = l.track_id)",
        "employee": "SELECT count(*) FROM customer c WHERE c.support_rep_id IS NOT NULL AND NOT EXISTS "
                    "(SELECT 1 FROM employee e WHERE e.employee_id = c.support_rep_id)",
    }
    assert {k: dbcheck.scalar(target, q) for k, q in orphans.items()} == dict.fromkeys(orphans, 0)
    per_customer = [r[0] for r in dbcheck._rows(target, "SELECT count(i.invoice_id) FROM customer c LEFT JOIN invoice i USING (customer_id) GROUP BY c.customer_id")]
    real = [r[0] for r in dbcheck._rows(source, "SELECT count(i.invoice_id) FROM customer c LEFT JOIN invoice i USING (customer_id) GROUP BY c.customer_id")]
    assert sorted(set(real)) == [6, 7]  # Chinook: 7 invoices for every customer but one
    assert len(per_customer) == len(real)
    assert sum(1 for n in per_customer if n in (6, 7)) >= 0.9 * len(per_customer), sorted(per_customer)
    assert dbcheck.scalar(target, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'") == 0


def test_init_proposes_the_relationships_the_values_support(chinook_nofk_url: str, tmp_path: Path) -> None:
    out = tmp_path / "provisioner.yaml"
    result = CliRunner().invoke(main, ["init", "--source", chinook_nofk_url, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "  - {child: invoice.customer_id, parent: customer.customer_id}" in text
    assert "# 59 of 59 values found in customer.customer_id" in text
    config = load_config(out, environ={"PROD_DATABASE_URL": "postgresql://x/y"})
    proposed = {(r.child, r.parent) for r in config.relationships}
    assert {("invoice.customer_id", "customer.customer_id"), ("invoice_line.invoice_id", "invoice.invoice_id"),
            ("invoice_line.track_id", "track.track_id"), ("track.album_id", "album.album_id"),
            ("album.artist_id", "artist.artist_id"), ("track.genre_id", "genre.genre_id"),
            ("track.media_type_id", "media_type.media_type_id"), ("playlist_track.playlist_id", "playlist.playlist_id"),
            ("playlist_track.track_id", "track.track_id")} == proposed
    assert "customer.support_rep_id" in text  # named like no table: left as an external key to review
    engine = db.source_engine(chinook_nofk_url)
    try:  # the proposals are valid foreign keys of the schema
        snapshot = reflect(engine, config.schemas, foreign_keys=config.virtual_keys(), where=config.where)
    finally:
        engine.dispose()
    assert sum(len(t.foreign_keys) for t in snapshot.tables) == len(proposed)


def test_init_comments_out_a_relationship_some_values_break(fresh_db: Callable[..., str], tmp_path: Path) -> None:
    source = fresh_db("init_src")
    with psycopg.connect(**sqlscript.connect_kwargs(source), autocommit=True) as conn:
        conn.execute("CREATE TABLE customers (id int PRIMARY KEY); INSERT INTO customers SELECT generate_series(1, 20);"
                     "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, \"TagId\" text);"
                     "INSERT INTO orders SELECT g, CASE WHEN g = 20 THEN 99 ELSE g END FROM generate_series(1, 20) g;")
    out = tmp_path / "provisioner.yaml"
    result = CliRunner().invoke(main, ["init", "--source", source, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "  # - {child: orders.customer_id, parent: customers.id}" in text and "# 19 of 20 values found in customers.id" in text
    assert load_config(out, environ={"PROD_DATABASE_URL": "postgresql://x/y"}).relationships == ()
