"""Arithmetic between a row's numbers (columns/formulas.py) and how round a number is (rules.Grid), as an ERP's
order lines have them (tests/sql/unseen_erp.sql): price_subtotal = round(qty * price_unit * (1 - discount / 100), 2),
price_total = price_subtotal + price_tax, numbers in cents in columns without a scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.columns import formulas, rules
from provisioner.schema.snapshot import Column

COLUMNS = {"qty": Column("qty", "numeric", "numeric"), "price": Column("price", "numeric", "numeric"),
           "discount": Column("discount", "numeric", "numeric"), "subtotal": Column("subtotal", "numeric(16,2)", "numeric", scale=2),
           "tax": Column("tax", "double precision", "double"), "total": Column("total", "numeric(16,2)", "numeric", scale=2)}


def _lines(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    qty = rng.integers(1, 21, n).astype(float)
    price = np.round(rng.uniform(5, 2000, n), 2)
    discount = rng.choice([0.0, 5.0, 10.0, 15.0], n)
    subtotal = formulas._round(qty * price * (1 - discount / 100), 2)
    tax = formulas._round(subtotal * rng.choice([0.2, 0.055, 0.1], n), 2)
    return pd.DataFrame({"qty": qty, "price": price, "discount": discount, "subtotal": subtotal, "tax": tax, "total": subtotal + tax})


def test_sums_and_discounted_products_are_learnt_and_kept() -> None:
    learnt = rules.learn(_lines(500, 0), COLUMNS)
    found = {(f.column, f.kind, f.terms, f.discount) for f in learnt if isinstance(f, formulas.Formula)}
    assert found == {("subtotal", "product", ("qty", "price"), "discount"), ("total", "sum", ("subtotal", "tax"), None)}
    assert [f for f in rules.from_data(rules.to_data(learnt)) if isinstance(f, formulas.Formula)] == [f for f in learnt if isinstance(f, formulas.Formula)]
    sampled = _lines(400, 1).sample(frac=1.0, random_state=2).reset_index(drop=True)
    sampled[["subtotal", "total"]] = np.random.default_rng(3).uniform(10, 9000, (400, 2))  # a column model's draws
    out = rules.apply(sampled, learnt, COLUMNS, np.random.default_rng(4))
    expected = formulas._round(out["qty"] * out["price"] * (1 - out["discount"] / 100), 2)
    assert np.allclose(out["subtotal"], expected, atol=1e-9)
    assert np.allclose(out["total"], out["subtotal"] + out["tax"], atol=1e-9)


def test_no_formula_between_unrelated_numbers() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({n: np.round(rng.uniform(1, 100, 300), 2) for n in ("qty", "price", "discount", "subtotal", "tax", "total")})
    assert not [r for r in rules.learn(frame, COLUMNS) if isinstance(r, formulas.Formula)]


def test_cents_stay_cents() -> None:
    """price_tax (double precision, cents on every source row up to 7,909.68) drew steps of 0.025 (103.425:
    a relative tolerance took 7909.68 for a multiple of 0.025), and a multiple of 0.01 was written with float
    noise (875.4300000000001) into a numeric without a scale: 909 of 5,582 lines."""
    values = np.round(np.random.default_rng(6).uniform(1, 8000, 2000), 2)
    grid = rules._grid("tax", values)
    assert grid is not None and 0.025 not in set(grid.steps[grid.shares > 0].round(6))
    rows = pd.DataFrame({"tax": np.random.default_rng(7).uniform(1, 8000, 3000)})
    grid.apply(rows, np.random.default_rng(8))
    assert all(len(repr(float(v)).split(".")[1]) <= 2 for v in rows["tax"])
