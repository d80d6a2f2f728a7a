"""Copies from parents (model/relations/inherit.py) that write keys: they keep the table's unique sets, and a
copy through a key that another copy writes reads the key's final value (tests/sql/unseen_erp.sql)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.model.relations import inherit
from provisioner.schema.snapshot import Column, ForeignKey, Table

INT = {"type": "integer", "kind": "integer", "nullable": False}


def _table(name: str, columns: tuple[str, ...], primary_key: tuple[str, ...], fks: tuple[ForeignKey, ...]) -> Table:
    return Table("erp", name, tuple(Column(c, **INT) for c in columns), primary_key=primary_key, foreign_keys=fks)


def test_a_copy_into_a_composite_key_never_repeats_it() -> None:
    """A link table (company, user) whose company is mostly the user's own: copying the user's company into
    every row (share 1) made (company, user) pairs twice; the load failed at the primary key."""
    user_fk = ForeignKey("rel_user_fkey", ("user_id",), "erp.res_users", ("id",), "FOREIGN KEY ...")
    rel = _table("rel", ("cid", "user_id"), ("cid", "user_id"), (user_fk,))
    users = pd.DataFrame({"id": np.arange(1, 41), "company_id": 1 + np.arange(40) % 3})
    frame = pd.DataFrame({"cid": np.tile([1, 2, 3], 40)[:66], "user_id": np.repeat(np.arange(1, 41), 2)[:66]})
    assert not frame.duplicated().any()
    copy = inherit.Inherit("rel_user_fkey", "erp.res_users", ("user_id",), ("id",), "cid", "company_id", 1.0, "copy")
    written: dict[str, np.ndarray] = {}
    out = inherit.apply(frame.copy(), (copy,), {"erp.res_users": users}, np.random.default_rng(0), rel, written)
    assert not out.duplicated().any()
    own = out["cid"].to_numpy() == users.set_index("id").loc[out["user_id"], "company_id"].to_numpy()
    assert own.sum() >= 33 and own[written["cid"]].all()  # one row per user takes its user's company


def test_a_copy_through_a_copied_key_reads_the_key_after_its_copy() -> None:
    """A line's currency is its company's, its company its order's: the currency copy ran first (listed
    first) and read the company the line had before, 3,683 of 5,582 lines off their order's currency."""
    order_fk = ForeignKey("line_order_fkey", ("order_id",), "erp.sale_order", ("id",), "FOREIGN KEY ...")
    company_fk = ForeignKey("line_company_fkey", ("company_id",), "erp.res_company", ("id",), "FOREIGN KEY ...")
    line = _table("line", ("id", "order_id", "company_id", "currency_id"), ("id",), (order_fk, company_fk))
    companies = pd.DataFrame({"id": [1, 2, 3], "currency_id": [10, 20, 30]})
    orders = pd.DataFrame({"id": np.arange(100), "company_id": 1 + np.arange(100) % 3})
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"id": np.arange(300), "order_id": rng.integers(0, 100, 300), "company_id": rng.integers(1, 4, 300),
                          "currency_id": rng.integers(1, 40, 300)})
    currency = inherit.Inherit("line_company_fkey", "erp.res_company", ("company_id",), ("id",), "currency_id", "currency_id", 1.0, "copy")
    company = inherit.Inherit("line_order_fkey", "erp.sale_order", ("order_id",), ("id",), "company_id", "company_id", 1.0, "copy")
    done = {"erp.res_company": companies, "erp.sale_order": orders}
    out = inherit.apply(frame, (currency, company), done, np.random.default_rng(0), line)
    assert (out["company_id"].to_numpy() == orders["company_id"].to_numpy()[out["order_id"]]).all()
    assert (out["currency_id"].to_numpy() == 10 * out["company_id"].to_numpy()).all()


def test_a_repeat_with_a_null_counts_in_a_nulls_not_distinct_set() -> None:
    """A rewritten row repeating (NULL, 7) of another row breaks UNIQUE NULLS NOT DISTINCT (the load fails
    there), though NULLs never repeat in a plain unique set."""
    from provisioner.model.relations import repeats
    from provisioner.schema.snapshot import Constraint

    plain = _table("t", ("id", "a", "b"), ("id",), ())
    strict = Table("erp", "t", plain.columns, primary_key=("id",),
                   constraints=(Constraint("t_ab_key", "unique", ("a", "b"), "UNIQUE NULLS NOT DISTINCT (a, b)"),))
    frame = pd.DataFrame({"id": [1, 2, 3], "a": [None, None, 1], "b": [7, 7, 7]})
    changed = np.array([False, True, False])
    assert not repeats.clashing(frame, [["a", "b"]], changed, plain).any()
    assert repeats.clashing(frame, [["a", "b"]], changed, strict).tolist() == [False, True, False]
