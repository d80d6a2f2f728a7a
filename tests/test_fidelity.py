"""What the column models must keep on real data: dependencies, parent copies, gaps, marginals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from provisioner import api
from provisioner.columns import fd
from provisioner.config import Config
from provisioner.model.relations import inherit
from provisioner.synth.sample import sample


@pytest.fixture(scope="module")
def northwind(northwind_url: str) -> tuple[object, dict[str, pd.DataFrame]]:
    trained = api.train_bundle(Config(source=northwind_url, seed=4))
    return trained, sample(trained.bundle, Config(seed=4)).tables


def test_a_child_copies_its_parents_column_in_the_learnt_share(northwind) -> None:  # type: ignore[no-untyped-def]
    trained, synthetic = northwind
    learnt = {i.column: i for i in trained.bundle.tables["order_details"].inherited}
    assert learnt["unit_price"].parent_column == "unit_price" and 0.6 < learnt["unit_price"].share < 0.8
    assert "discount" not in learnt  # 0 vs "not discontinued" agree by chance only (kappa < 0.5)
    joined = synthetic["order_details"].merge(synthetic["products"], on="product_id", suffixes=("", "_product"))
    equal = np.isclose(joined["unit_price"].astype(float), joined["unit_price_product"].astype(float)).mean()
    assert abs(equal - learnt["unit_price"].share) < 0.08


def test_ship_country_follows_the_customer_and_dates_keep_their_gaps(northwind) -> None:  # type: ignore[no-untyped-def]
    _, synthetic = northwind
    orders = synthetic["orders"].merge(synthetic["customers"][["customer_id", "country"]], on="customer_id")
    assert (orders["ship_country"] == orders["country"]).mean() > 0.97
    shipped = orders.dropna(subset=["shipped_date"])
    gap = (pd.to_datetime(shipped["shipped_date"]) - pd.to_datetime(shipped["order_date"])).dt.days
    assert (gap >= 0).mean() > 0.95 and gap.median() < 30  # real: 0-37 days, median 7
    dates = shipped[["order_date", "shipped_date"]].apply(lambda s: pd.to_datetime(s).astype("int64"))
    assert dates.corr().iloc[0, 1] > 0.99


def test_category_counts_match_the_training_rows_within_one(northwind) -> None:  # type: ignore[no-untyped-def]
    """Stratified marginals: each country's count is its training share times n, give or take one."""
    trained, synthetic = northwind
    share = trained.real["customers"].train["country"].value_counts(normalize=True)
    n = len(synthetic["customers"])
    fake = synthetic["customers"]["country"].value_counts().reindex(share.index, fill_value=0)
    assert (fake - share * n).abs().max() <= 1.0 + 1e-9


def test_fd_learns_a_dependency_and_ignores_a_near_key() -> None:
    rng = np.random.default_rng(0)
    customer = rng.integers(1, 60, 500)
    frame = pd.DataFrame({
        "customer_id": customer,
        "country": [f"c{c % 20}" for c in customer],
        "row_id": np.arange(500),  # unique: "determines" everything, means nothing
        "noise": rng.choice(list("abc"), 500),
    })
    found = fd.learn(frame, ["customer_id", "row_id", "noise"], ["country", "noise"])
    assert found["country"].determinant == "customer_id" and found["country"].purity == 1.0 and "noise" not in found
    out = fd.apply(pd.DataFrame({"customer_id": [3, 99], "country": ["x", "y"]}), found)
    assert out["country"].tolist() == ["c3", "y"]  # unknown determinant values keep the model's value


def test_inherit_needs_agreement_beyond_chance() -> None:
    from provisioner.schema.snapshot import Column, ForeignKey, Table

    child = Table(schema="public", name="line", columns=(Column("id", "integer", "integer"), Column("pid", "integer", "integer"),
                  Column("flag", "integer", "integer")), primary_key=("id",),
                  foreign_keys=(ForeignKey("fk", ("pid",), "p", ("id",), "FOREIGN KEY (pid) REFERENCES p(id)"),))
    parent = Table(schema="public", name="p", columns=(Column("id", "integer", "integer"), Column("flag", "integer", "integer")), primary_key=("id",))
    rng = np.random.default_rng(1)
    parents = pd.DataFrame({"id": range(50), "flag": (rng.random(50) < 0.1).astype(int)})
    lines = pd.DataFrame({"id": range(400), "pid": rng.integers(0, 50, 400), "flag": (rng.random(400) < 0.1).astype(int)})
    roles = {"id": "key", "pid": "key", "flag": "model"}
    assert inherit.learn(child, lines, roles, {"p": (parent, parents, {"id": "key", "flag": "model"})}) == ()
    lines["flag"] = lines["pid"].map(parents.set_index("id")["flag"])
    (found,) = inherit.learn(child, lines, roles, {"p": (parent, parents, {"id": "key", "flag": "model"})})
    assert found.parent_column == "flag" and found.share == 1.0


def test_copula_edge_cases_sample() -> None:
    """One category column alone, an all-NULL column and a constant: reordering and stratifying cope."""
    from provisioner.columns.copula import EmpiricalCopula

    rng = np.random.default_rng(0)
    alone = EmpiricalCopula.fit(pd.DataFrame({"c": rng.choice(list("abcde"), 100)}), {"c": "categorical"}, 1)
    assert alone.sample(10, rng)["c"].value_counts().to_dict() == {c: 2 for c in "abcde"}
    frame = pd.DataFrame({"c": rng.choice(list("abcde"), 100), "n": np.full(100, np.nan), "k": np.full(100, 5.0)})
    mixed = EmpiricalCopula.fit(frame, {"c": "categorical", "n": "numeric", "k": "numeric"}, 1).sample(7, rng)
    assert mixed["n"].isna().all() and (mixed["k"] == 5.0).all() and len(mixed) == 7


def test_conditional_draws_follow_p_b_given_a() -> None:
    rng = np.random.default_rng(3)
    a = rng.choice(["x", "y"], 2000)
    b = np.where(a == "x", rng.choice(["p", "q"], 2000, p=[0.9, 0.1]), rng.choice(["p", "q"], 2000, p=[0.2, 0.8]))
    found = fd.learn(pd.DataFrame({"a": a, "b": b}), ["a"], ["a", "b"])
    dep = found["b"]
    assert dep.categories and dep.determinant == "a"
    out = fd.apply(pd.DataFrame({"a": ["x"] * 4000 + ["y"] * 4000, "b": [None] * 8000}), found, np.random.default_rng(1))
    share = out.groupby("a")["b"].apply(lambda s: (s == "p").mean())
    assert abs(share["x"] - 0.9) < 0.03 and abs(share["y"] - 0.2) < 0.03
