"""A Rails 7 app on PostgreSQL (tests/sql/unseen_rails.sql), provisioned with the relationships ``init`` proposes:
schema_migrations and ar_internal_metadata, bigserial / identity ids, associations with no declared foreign
key, a polymorphic association, single-table inheritance, counter caches, an integer enum, jsonb settings,
UNIQUE (lower(email)), bcrypt hashes, Active Storage and Action Text, a join table without an id.

Regressions, each failing before its fix:
* ``comments.commentable_id`` / ``active_storage_attachments.record_id`` were external keys pointing at no
  row of the type their ``*_type`` names (model/relations/polymorphic.py), so ``posts.comments_count``
  counted comments that were not there (aggregate.learn_polymorphic); a has_one (Action Text's UNIQUE
  (record_type, record_id, name)) gets a different record per row, or the load would stop;
* an 'Admin' had a customer's company name or no admin_level, a 'Customer' no loyalty points, a post of
  status 0 a published_at (columns/nullsets.py, agreement._null_category);
* 150 schema_migrations rows are more than a lookup table: synthetic versions ('00044009728249') made
  ``rails db:migrate`` re-run migrations whose tables exist (train.migration_log);
* ``sample --format sql`` repeated a fake e-mail under UNIQUE (lower(email)): psql stopped (load/casefold.py).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.pg import script as sqlscript

from . import dbcheck
from .conftest import FORMULA_ROWS_PRIVACY, provisioned_script, unique_name

SCRIPT = Path(__file__).parent / "sql" / "unseen_rails.sql"
UNDECLARED = {("comments.user_id", "users.id"), ("posts.user_id", "users.id"), ("posts_tags.post_id", "posts.id")}
POLYMORPHIC = {  # child, type column, id column, {type: table}
    ("comments", "commentable_type", "commentable_id", (("Post", "posts"), ("Photo", "photos"))),
    ("active_storage_attachments", "record_type", "record_id", (("Photo", "photos"), ("User", "users"))),
    ("action_text_rich_texts", "record_type", "record_id", (("Post", "posts"),)),  # UNIQUE (record_type, record_id, name)
}
QUERIES = {  # what a QA engineer checks first, each 0 on the source
    "admin with a customer's column": "SELECT count(*) FROM users WHERE type = 'Admin' AND (loyalty_points IS NOT NULL OR company_name IS NOT NULL)",
    "admin without admin_level": "SELECT count(*) FROM users WHERE type = 'Admin' AND admin_level IS NULL",
    "customer with admin_level or no points": "SELECT count(*) FROM users WHERE type = 'Customer' AND (admin_level IS NOT NULL OR loyalty_points IS NULL)",
    "published_at not with status 1": "SELECT count(*) FROM posts WHERE (published_at IS NULL) <> (status <> 1)",
    "comments_count": "SELECT count(*) FROM posts p WHERE comments_count <> "
                      "(SELECT count(*) FROM comments c WHERE c.commentable_type = 'Post' AND c.commentable_id = p.id)",
    "posts_count": "SELECT count(*) FROM users u WHERE posts_count <> (SELECT count(*) FROM posts p WHERE p.user_id = u.id)",
    "lower(email) repeats": "SELECT count(*) - count(DISTINCT lower(email)) FROM users",
    "bcrypt format": r"SELECT count(*) FROM users WHERE encrypted_password !~ '^\$2a\$12\$[./A-Za-z0-9]{53}$'",
    "checksum format": "SELECT count(*) FROM active_storage_blobs WHERE checksum !~ '^[A-Za-z0-9+/]{22}==$'",
}


def cli(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _init_and_dump(admin_url: str, work: Path) -> tuple[str, str]:
    """``init``'s relationships block and text, and a ``sample --format sql`` script, from a copy of the source."""
    source = sqlscript.create_database(admin_url, unique_name("rails_init"))
    try:
        sqlscript.load_sql_script(source, SCRIPT)
        cli("init", "--source", source, "--out", str(work / "init.yaml"), "--quiet")
        (work / "cfg.yaml").write_text(FORMULA_ROWS_PRIVACY)
        cli("train", "--source", source, "--bundle", str(work / "rails.bundle"), "--config", str(work / "cfg.yaml"), "--epochs", "1", "--quiet")
        cli("sample", "--bundle", str(work / "rails.bundle"), "--format", "sql", "--out", str(work / "dump"), "--seed", "0", "--quiet")
    finally:
        sqlscript.drop_database(admin_url, source.rsplit("/", 1)[1])
    text = (work / "init.yaml").read_text()
    lines = text.splitlines()
    start = lines.index("relationships:")
    block = [lines[start]] + [ln for ln in lines[start + 1:] if ln.startswith("  - ")][: len(UNDECLARED)]
    return "\n".join(block) + "\n", text


@pytest.fixture(scope="module")
def rails(pg_admin_url: str, server_extensions: frozenset[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("rails")
    relationships, init_text = _init_and_dump(pg_admin_url, work)
    config = FORMULA_ROWS_PRIVACY + relationships
    with provisioned_script(pg_admin_url, server_extensions, work, SCRIPT, "rails", config, ["--seed", "0", "--epochs", "1"], report=False) as data:
        data |= {"relationships": relationships, "init": init_text}
        yield data


def test_exit_zero_round_trip_and_undeclared_keys_point_at_rows(rails: dict[str, Any]) -> None:
    assert rails["result"].exit_code == 0, rails["result"].output
    source, target = rails["source"], rails["target"]
    assert dbcheck.tables(target) == dbcheck.tables(source)
    assert dbcheck.constraints(target) == dbcheck.constraints(source)
    assert dbcheck.all_constraints_valid(target) == []
    counts, real = dbcheck.counts(target), dbcheck.counts(source)
    assert all(abs(counts[t] - real[t]) <= 0.2 * real[t] for t in real), (counts, real)
    proposed = {tuple(ln.split("child: ")[1].split("}")[0].split(", parent: ")) for ln in rails["relationships"].splitlines()[1:]}
    assert proposed == UNDECLARED
    for child, parent in UNDECLARED:  # names from the constant above
        (table, column), (ptable, pcolumn) = child.split("."), parent.split(".")
        assert dbcheck.scalar(target, f"SELECT count(*) FROM {table} WHERE {column} NOT IN (SELECT {pcolumn} FROM {ptable})") == 0, child


def test_polymorphic_ids_point_at_a_row_of_the_named_type(rails: dict[str, Any]) -> None:
    for child, type_column, id_column, targets in POLYMORPHIC:  # names from the constant above
        fits = " OR ".join(f"({type_column} = '{value}' AND {id_column} IN (SELECT id FROM {table}))" for value, table in targets)
        assert dbcheck.both(rails, f"SELECT count(*) FROM {child} WHERE NOT ({fits})") == (0, 0), child
        named = ", ".join(f"{value} -> {table}" for value, table in sorted(targets))
        assert f"polymorphic: {type_column} names its table ({named})" in rails["init"]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_rules_every_source_row_obeys_hold(rails: dict[str, Any], name: str) -> None:
    assert dbcheck.both(rails, QUERIES[name]) == (0, 0), name


def test_subtypes_keep_their_share_and_no_real_password_hash(rails: dict[str, Any]) -> None:
    real, synthetic = dbcheck.both(rails, "SELECT avg((type = 'Admin')::int)::float FROM users")
    assert abs(real - synthetic) < 0.02
    hashes = "SELECT encrypted_password FROM users"
    assert not {r[0] for r in dbcheck._rows(rails["source"], hashes)} & {r[0] for r in dbcheck._rows(rails["target"], hashes)}


def test_migration_state_is_the_sources(rails: dict[str, Any]) -> None:
    for table in ("schema_migrations", "ar_internal_metadata"):
        real, synthetic = dbcheck.both(rails, f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t")
        assert synthetic == real, table
    assert dbcheck.scalar(rails["source"], "SELECT count(*) FROM schema_migrations") > 100  # more than a lookup table


@pytest.mark.skipif(shutil.which("psql") is None, reason="needs psql")
def test_sample_sql_loads_with_psql(rails: dict[str, Any], fresh_db: Any) -> None:
    target = fresh_db("rails_dump")
    done = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(rails["work"] / "dump" / "synthetic.sql"), target],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert dbcheck.all_constraints_valid(target) == []
    assert dbcheck.scalar(target, QUERIES["lower(email) repeats"]) == 0
