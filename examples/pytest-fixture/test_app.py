"""Tests that each get their own synthetic database (the ``provisioned_db`` fixture).

They only look at the schema generically, so they run against any bundle;
replace them with tests of your application, pointed at ``provisioned_db``.
"""

from __future__ import annotations

import psycopg
from psycopg import sql


def _tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
        "AND table_name NOT IN ('alembic_version', 'provisioner_version', 'provisioner_owned')"  # version tables, provisioner's ownership record
    ).fetchall()
    return sorted(r[0] for r in rows)


def test_every_table_has_synthetic_rows(provisioned_db: str) -> None:
    with psycopg.connect(provisioned_db) as conn:
        tables = _tables(conn)
        assert tables
        for name in tables:
            (count,) = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", name))).fetchone()
            assert count > 0, name


def test_a_test_may_wreck_its_database(provisioned_db: str) -> None:
    with psycopg.connect(provisioned_db, autocommit=True) as conn:
        for name in _tables(conn):
            conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.Identifier(name)))
        conn.execute("CREATE TABLE scratch (note text)")


def test_the_next_test_gets_a_fresh_one(provisioned_db: str) -> None:
    with psycopg.connect(provisioned_db) as conn:
        assert "scratch" not in _tables(conn)
        first = _tables(conn)[0]
        (count,) = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(first))).fetchone()
        assert count > 0
