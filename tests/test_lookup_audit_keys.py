"""A small reference table of an ERP (currencies, units, tags) carries create_uid / write_uid into the users
table, which is synthetic (PII): it was never copied as a lookup table, so its 5 rows were sampled, the privacy
gate found a copy of a source row in every redraw and failed (tests/sql/unseen_erp.sql). An optional key into
another table no longer stops the copy (sample._redraw_keys points it at synthetic rows); a required key, or
a key into the table itself, still does."""

from __future__ import annotations

from dataclasses import replace

from provisioner.config import Config
from provisioner.model.train import _is_lookup
from provisioner.schema.snapshot import Column, ForeignKey, Table

AUDIT = ForeignKey("res_currency_create_uid_fkey", ("create_uid",), "erp.res_users", ("id",), "FOREIGN KEY ...")
CURRENCY = Table("erp", "res_currency", (Column("id", "integer", "integer", nullable=False), Column("name", "text", "text", nullable=False),
                                          Column("create_uid", "integer", "integer")),
                 primary_key=("id",), foreign_keys=(AUDIT,), row_count=5)


def test_an_optional_key_into_a_synthetic_table_keeps_a_lookup_table_copied() -> None:
    assert _is_lookup(CURRENCY, False, set(), Config())
    assert not _is_lookup(CURRENCY, True, set(), Config())  # PII
    required = replace(CURRENCY, columns=(*CURRENCY.columns[:2], Column("create_uid", "integer", "integer", nullable=False)))
    assert not _is_lookup(required, False, set(), Config())
    assert _is_lookup(required, False, {"erp.res_users"}, Config())
    tree = ForeignKey("res_currency_parent_fkey", ("create_uid",), "erp.res_currency", ("id",), "FOREIGN KEY ...")
    assert not _is_lookup(replace(CURRENCY, foreign_keys=(tree,)), False, set(), Config())
