"""A PII column that inherit.apply overwrites on every row gets no Faker values first; where the copy
does not happen after all, its rows still get fake values (sample.py _fill_uncopied)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.model.pii import PiiColumn
from provisioner.model.relations import inherit
from provisioner.schema.snapshot import Column, ForeignKey, Table
from provisioner.synth import fake

FK = ForeignKey("invoice_customer_fkey", ("customer_id",), "customer", ("customer_id",), "FOREIGN KEY ...")
CITY = Column("billing_city", "text", "text")
INVOICE = Table("public", "invoice", (Column("invoice_id", "integer", "integer", nullable=False),
                                       Column("customer_id", "integer", "integer", nullable=False), CITY),
                primary_key=("invoice_id",), foreign_keys=(FK,))
COPY = inherit.Inherit("invoice_customer_fkey", "customer", ("customer_id",), ("customer_id",), "billing_city", "city", 1.0, "copy")
PII = PiiColumn("invoice", "billing_city", "city", "test")
CUSTOMERS = pd.DataFrame({"customer_id": [1, 2], "city": ["Lyon", None]})


def test_copied_whole_needs_a_full_copy_through_a_not_null_key_from_a_made_parent() -> None:
    done = {"customer": CUSTOMERS}
    assert inherit.copied_whole((COPY,), INVOICE, done, ()) == {"billing_city"}
    assert inherit.copied_whole((COPY,), INVOICE, {}, ()) == frozenset()  # parent not made
    assert inherit.copied_whole((COPY,), INVOICE, done, {"invoice_customer_fkey"}) == frozenset()  # filled last
    partial = inherit.Inherit(*[getattr(COPY, f) for f in ("fk_name", "parent", "fk_columns", "ref_columns", "column", "parent_column")], 0.9, "copy")
    assert inherit.copied_whole((partial,), INVOICE, done, ()) == frozenset()
    nullable = Table("public", "invoice", (INVOICE.columns[0], Column("customer_id", "integer", "integer"), CITY), foreign_keys=(FK,))
    assert inherit.copied_whole((COPY,), nullable, done, ()) == frozenset()
    unique = Table("public", "invoice", INVOICE.columns, primary_key=("invoice_id", "billing_city"), foreign_keys=(FK,))
    assert inherit.copied_whole((COPY,), unique, done, ()) == frozenset()


def test_unseen_columns_are_null_and_the_others_keep_their_values() -> None:
    frame = pd.DataFrame({"invoice_id": [1, 2, 3], "customer_id": [1, 2, 1]})
    both = [PII, PiiColumn("invoice", "invoice_id", "phone", "test")]
    whole = fake.fill(INVOICE, frame, both, 7)
    skipped = fake.fill(INVOICE, frame, both, 7, unseen={"billing_city"})
    assert skipped["billing_city"].isna().all()
    assert skipped["invoice_id"].tolist() == whole["invoice_id"].tolist()


def test_rows_the_copy_misses_get_fake_values() -> None:
    from provisioner.synth.sample import _fill_uncopied
    from provisioner.model.bundle import TableModel

    frame = pd.DataFrame({"invoice_id": [1, 2, 3], "customer_id": [1, 2, 9], "billing_city": [None, None, None]})
    written: dict[str, np.ndarray] = {}
    out = inherit.apply(frame.copy(), (COPY,), {"customer": CUSTOMERS}, np.random.default_rng(0), INVOICE, written)
    assert written["billing_city"].tolist() == [True, True, True]  # every key is set: the copy is chosen for all
    assert out["billing_city"].tolist()[:2] == ["Lyon", None]
    model = TableModel.__new__(TableModel)
    object.__setattr__(model, "fills", (PII,))
    object.__setattr__(model, "rules", ())
    missed = {"billing_city": np.array([False, False, True])}
    filled = _fill_uncopied(out.copy(), INVOICE, model, 7, missed)
    assert filled["billing_city"].tolist()[:2] == ["Lyon", None]
    assert isinstance(filled["billing_city"].iloc[2], str) and filled["billing_city"].iloc[2]
