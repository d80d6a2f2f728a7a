"""Pagila (tests/sql/unseen_pagila.sql), end to end: a domain ``year``, an enum, text[], a tsvector kept by a
trigger, last_update triggers, payment RANGE-partitioned by month, the staff <-> store NOT NULL foreign-key
cycle, views using an aggregate and a function of the schema. A regression guard: it passed when first run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import dbcheck
from .conftest import FORMULA_ROWS_PRIVACY, provisioned_script

SCRIPT = Path(__file__).parent / "sql" / "unseen_pagila.sql"
CONFIG = FORMULA_ROWS_PRIVACY
CATALOG = {
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'",
    "triggers": "SELECT tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
    "partitions": "SELECT inhrelid::regclass::text, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits JOIN pg_class c ON c.oid = inhrelid",
    "domains": "SELECT typname, format_type(typbasetype, typtypmod) FROM pg_type WHERE typtype = 'd' AND typnamespace = 'public'::regnamespace",
    "functions": "SELECT proname, prokind::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
}


@pytest.fixture(scope="module")
def pagila(pg_admin_url: str, server_extensions: frozenset[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("pagila")
    with provisioned_script(pg_admin_url, server_extensions, work, SCRIPT, "pg", CONFIG, ["--seed", "0", "--epochs", "1"]) as data:
        yield data


def test_exit_zero_and_every_object_round_trips(pagila: dict[str, Any]) -> None:
    assert pagila["result"].exit_code == 0, pagila["result"].output
    source, target = pagila["source"], pagila["target"]
    assert dbcheck.tables(target) == dbcheck.tables(source)
    assert dbcheck.constraints(target) == dbcheck.constraints(source)
    assert dbcheck.all_constraints_valid(target) == []
    for name, query in CATALOG.items():
        real, synthetic = set(dbcheck._rows(source, query)), set(dbcheck._rows(target, query))
        assert synthetic == real, (name, real - synthetic, synthetic - real)
    counts, real_counts = dbcheck.counts(target), dbcheck.counts(source)
    assert all(abs(counts[t] - real_counts[t]) <= 0.2 * real_counts[t] for t in real_counts), (counts, real_counts)


def test_fulltext_follows_the_title_and_payments_fill_every_month(pagila: dict[str, Any]) -> None:
    target = pagila["target"]
    stale = "SELECT count(*) FROM film WHERE fulltext <> to_tsvector('pg_catalog.english', coalesce(title, '') || ' ' || coalesce(description, ''))"
    assert dbcheck.scalar(target, stale) == 0
    assert dbcheck.scalar(target, "SELECT count(DISTINCT tableoid) FROM payment") == 4
    assert dbcheck.scalar(target, "SELECT count(*) FROM store s JOIN staff m ON m.staff_id = s.manager_staff_id") == 2
