"""A small reference table of an ERP (currencies, units, tags) carries create_uid / write_uid into the users
table, which is synthetic (PII): it was never copied as a lookup table, so its 5 rows were sampled, the privacy
gate found a copy of a source row in every redraw and failed (tests/sql/unseen_erp.sql). An optional key into
a table that most tables point into (train.bookkeeping_parents) no longer stops the copy (sample._redraw_keys
points it at synthetic rows); a required key, a key into the table itself, or an optional key into any other
table (Northwind's products into suppliers: their real names stay out) still does."""

from __future__ import annotations

from dataclasses import replace

from provisioner.config import Config
from provisioner.model.train import _is_lookup, bookkeeping_parents
from provisioner.schema.snapshot import Column, ForeignKey, SchemaSnapshot, Table

AUDIT = ForeignKey("res_currency_create_uid_fkey", ("create_uid",), "erp.res_users", ("id",), "FOREIGN KEY ...")
CURRENCY = Table("erp", "res_currency", (Column("id", "integer", "integer", nullable=False), Column("name", "text", "text", nullable=False),
                                          Column("create_uid", "integer", "integer")),
                 primary_key=("id",), foreign_keys=(AUDIT,), row_count=5)


def _audited(name: str) -> Table:
    fk = replace(AUDIT, name=f"{name}_create_uid_fkey")
    return replace(CURRENCY, name=name, foreign_keys=(fk,))


def test_an_optional_key_into_the_users_every_table_names_keeps_a_lookup_table_copied() -> None:
    users = Table("erp", "res_users", (Column("id", "integer", "integer", nullable=False),), primary_key=("id",))
    shared = bookkeeping_parents(SchemaSnapshot(("erp",), (users, *(_audited(n) for n in ("res_currency", "uom", "tag", "sale")))))
    assert shared == {"erp.res_users"}
    assert _is_lookup(CURRENCY, False, set(), Config(), shared)
    assert not _is_lookup(CURRENCY, False, set(), Config())  # a parent few tables point into (products' supplier)
    assert not _is_lookup(CURRENCY, True, set(), Config(), shared)  # PII
    required = replace(CURRENCY, columns=(*CURRENCY.columns[:2], Column("create_uid", "integer", "integer", nullable=False)))
    assert not _is_lookup(required, False, set(), Config(), shared)
    assert _is_lookup(required, False, {"erp.res_users"}, Config())
    tree = ForeignKey("res_currency_parent_fkey", ("create_uid",), "erp.res_currency", ("id",), "FOREIGN KEY ...")
    assert not _is_lookup(replace(CURRENCY, foreign_keys=(tree,)), False, set(), Config(), frozenset({"erp.res_currency"}))
