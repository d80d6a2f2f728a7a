"""An Odoo-style ERP core (tests/sql/unseen_erp.sql, schema ``erp``), end to end: NOT NULL foreign-key cycles
(a company's partner, a partner's company, a user's partner and company), create_uid / write_uid into res_users
on every table, translatable names as jsonb, sale orders whose amounts sum their lines, many2many tables with
composite primary keys, a parent_path hierarchy, a partial unique index.

Regressions it found, each 0 on every source row:

* the load failed at res_company_users_rel's primary key: the company a link row copies from its user
  (inherit.py) repeated (company, user);
* the load failed at res_currency's UNIQUE (name): the privacy gate's redraw drew a code twice
  (privacy/resample.py); and the 5-row currency table was sampled at all, its audit keys into the
  synthetic users kept it from being copied as a lookup table (train._is_lookup);
* 5,582 of 5,582 lines broke price_subtotal = round(qty * price_unit * (1 - discount / 100), 2) and
  price_total = price_subtotal + price_tax, 1,400 of 1,400 orders amount_total = untaxed + tax
  (columns/formulas.py); 909 unscaled prices had float noise or a step of 0.025 (rules.Grid);
* 3,683 of 5,582 lines had a currency not their order's: the currency copy ran before the company copy;
* 60 of 60 categories had a word for parent_path and complete_name (model/relations/paths.py);
* 1,400 of 1,400 order names 'SO00042' were words ('GET'): a sequence's names count on (model/tokens.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import dbcheck
from .conftest import FORMULA_ROWS_PRIVACY, provisioned_script

SCRIPT = Path(__file__).parent / "sql" / "unseen_erp.sql"
SCHEMAS = ("erp",)
CATALOG = {
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'erp'",
    "comments": "SELECT objoid::regclass::text, objsubid, description FROM pg_description WHERE objoid IN "
                "(SELECT oid FROM pg_class WHERE relnamespace = 'erp'::regnamespace)",
}
LINES = "(SELECT order_id, sum(price_subtotal) AS untaxed, round(sum(price_tax)::numeric, 2) AS tax FROM erp.sale_order_line GROUP BY 1)"
QUERIES = {  # what a QA engineer checks first
    "untaxed is the sum of the lines": f"SELECT count(*) FROM erp.sale_order s LEFT JOIN {LINES} l ON l.order_id = s.id "
                                       "WHERE s.amount_untaxed IS DISTINCT FROM l.untaxed",
    "tax is the sum of the lines": f"SELECT count(*) FROM erp.sale_order s LEFT JOIN {LINES} l ON l.order_id = s.id "
                                   "WHERE s.amount_tax IS DISTINCT FROM l.tax",
    "total = untaxed + tax": "SELECT count(*) FROM erp.sale_order WHERE amount_total IS DISTINCT FROM amount_untaxed + amount_tax",
    "subtotal formula": "SELECT count(*) FROM erp.sale_order_line WHERE price_subtotal <> round(product_uom_qty * price_unit * (1 - discount / 100), 2)",
    "line total = subtotal + tax": "SELECT count(*) FROM erp.sale_order_line WHERE price_total <> price_subtotal + price_tax::numeric",
    "prices in cents": "SELECT count(*) FROM erp.sale_order_line WHERE price_unit <> round(price_unit, 2) OR price_tax::numeric <> round(price_tax::numeric, 2)",
    "line currency is the order's": "SELECT count(*) FROM erp.sale_order_line l JOIN erp.sale_order s ON s.id = l.order_id "
                                    "WHERE l.currency_id IS DISTINCT FROM s.currency_id OR l.company_id <> s.company_id",
    "parent_path agrees with parent_id": "SELECT count(*) FROM erp.product_category c LEFT JOIN erp.product_category p ON p.id = c.parent_id "
                                         "WHERE c.parent_path IS DISTINCT FROM coalesce(p.parent_path, '') || c.id || '/'",
    "complete_name agrees with parent_id": "SELECT count(*) FROM erp.product_category c LEFT JOIN erp.product_category p ON p.id = c.parent_id "
                                           "WHERE c.complete_name IS DISTINCT FROM coalesce(p.complete_name || ' / ', '') || c.name",
    "date_order <= commitment_date": "SELECT count(*) FROM erp.sale_order WHERE date_order > commitment_date",
    "create_date <= write_date": "SELECT count(*) FROM erp.sale_order WHERE create_date > write_date",
    "sequence names": "SELECT count(*) FROM erp.sale_order WHERE name !~ '^SO\\d{5}$'",
    "names keep en_US and fr_FR": "SELECT count(*) FROM erp.product_template WHERE NOT name ?& ARRAY['en_US', 'fr_FR'] "
                                  "OR (SELECT count(*) FROM jsonb_object_keys(name)) <> 2",
    "cycle keys filled": "SELECT (SELECT count(*) FROM erp.res_company WHERE partner_id IS NULL OR create_uid IS NULL) "
                         "+ (SELECT count(*) FROM erp.res_users WHERE partner_id IS NULL OR company_id IS NULL)",
    "audit keys filled": "SELECT count(*) FROM erp.sale_order WHERE create_uid IS NULL OR write_uid IS NULL",
}


@pytest.fixture(scope="module")
def erp(pg_admin_url: str, server_extensions: frozenset[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("erp")
    args = ["--schema", "erp", "--seed", "0", "--epochs", "1", "--bundle", str(work / "erp.bundle")]
    with provisioned_script(pg_admin_url, server_extensions, work, SCRIPT, "erp", FORMULA_ROWS_PRIVACY, args, report=False) as data:
        yield data


def test_exit_zero_and_every_object_round_trips(erp: dict[str, Any]) -> None:
    dbcheck.assert_round_trip(erp, SCHEMAS, CATALOG)


@pytest.mark.parametrize("rule", sorted(QUERIES))
def test_what_every_source_row_obeys_every_synthetic_row_does(erp: dict[str, Any], rule: str) -> None:
    assert dbcheck.both(erp, QUERIES[rule]) == (0, 0), rule


def test_reference_tables_with_audit_keys_are_copied(erp: dict[str, Any]) -> None:
    """Currencies, units and tags are copied as they are; their create_uid / write_uid point at synthetic users."""
    query = "SELECT string_agg(name::text, '|' ORDER BY id) FROM erp.{}"
    for table in ("res_currency", "uom_uom", "crm_tag"):
        assert dbcheck.scalar(erp["source"], query.format(table)) == dbcheck.scalar(erp["target"], query.format(table))


def test_no_real_person_is_copied(erp: dict[str, Any]) -> None:
    people = "SELECT name, email, phone FROM erp.res_partner WHERE id > 3"
    real = {v for row in dbcheck._rows(erp["source"], people) for v in row if v}
    assert not real & {v for row in dbcheck._rows(erp["target"], people) for v in row if v}
