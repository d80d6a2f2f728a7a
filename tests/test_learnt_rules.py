"""The learnt rules, one by one, on small frames: what each learns, that it keeps no row, what it repairs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from provisioner.columns import fd, rules, strata
from provisioner.config import PrivacyConfig
from provisioner.model import agreement, detection
from provisioner.model.pii import PiiColumn
from provisioner.model.relations import aggregate, levels
from provisioner.privacy import exemptions
from provisioner.privacy.metrics import check_table
from provisioner.schema.snapshot import Column, ForeignKey, Table
from provisioner.synth import fake

RNG = np.random.default_rng(0)


def _table(name: str, cols: list[tuple[str, str]], pk: tuple[str, ...] = ("id",), fks: tuple[ForeignKey, ...] = ()) -> Table:
    return Table(schema="public", name=name, columns=tuple(Column(c, k, k, scale=2 if k == "numeric" else None) for c, k in cols),
                 primary_key=pk, foreign_keys=fks)


def test_value_sets_snap_any_model_back_onto_the_source_values() -> None:
    frame = pd.DataFrame({"price": RNG.choice([0.99, 1.99], 500), "rare": np.arange(500.0)})
    cols = {"price": Column("price", "numeric", "numeric", scale=2), "rare": Column("rare", "numeric", "numeric")}
    found = rules.learn(frame, cols)
    assert [type(r).__name__ for r in found if getattr(r, "column", None) == "price"] == ["ValueSet"]
    assert not any(isinstance(r, rules.ValueSet) and r.column == "rare" for r in found)  # 500 distinct values: continuous
    smeared = pd.DataFrame({"price": [1.01, 1.44, 1.6, 5.02, None], "rare": [1.0] * 5})
    out = rules.apply(smeared, found, cols, RNG)
    assert out["price"].iloc[:4].tolist() == [0.99, 0.99, 1.99, 1.99] and pd.isna(out["price"].iloc[4])


def test_a_value_held_by_too_few_rows_is_not_in_the_set() -> None:
    values = np.concatenate([np.full(300, 0.0), np.full(300, 0.05), [0.01, 0.02]])
    (found,) = [r for r in rules.learn(pd.DataFrame({"d": values}), {"d": Column("d", "real", "real")}) if isinstance(r, rules.ValueSet)]
    assert found.values.tolist() == [0.0, 0.05]


def test_a_price_list_keeps_its_roundness_and_a_measurement_learns_no_grid() -> None:
    rng = np.random.default_rng(3)
    steps = rng.choice([1.0, 0.5, 0.05], 400, p=[0.6, 0.3, 0.1])
    prices = np.maximum(np.round(rng.gamma(2.0, 15.0, 400) / steps) * steps, steps)  # 18.00, 12.50, 21.35: >64 distinct
    measured = rng.normal(50.0, 5.0, 400)
    cols = {"price": Column("price", "real", "real"), "weight": Column("weight", "float8", "float8")}
    found = {r.column: r for r in rules.learn(pd.DataFrame({"price": prices, "weight": measured}), cols) if isinstance(r, rules.Grid)}
    assert set(found) == {"price"}  # the measurement sits on no step of the ladder
    smeared = pd.DataFrame({"price": rng.gamma(2.0, 15.0, 2000), "weight": rng.normal(50.0, 5.0, 2000)})
    out = rules.apply(smeared, tuple(found.values()), cols, rng)["price"].to_numpy()
    whole = np.isclose(out, np.round(out)).mean()
    assert abs(whole - np.isclose(prices, np.round(prices)).mean()) < 0.1  # as many whole prices as the source
    assert np.isclose(out * 20, np.round(out * 20)).all()  # never finer than the source's finest step
    assert np.abs(out - smeared["price"].to_numpy()).max() <= np.maximum(smeared["price"].to_numpy() / 2, 0.05).max()
    assert (out > 0).all()  # a small value is never rounded to zero
    assert rules.from_data(rules.to_data(tuple(found.values())))[0].steps.tolist() == found["price"].steps.tolist()


def test_datetimes_keep_resolution_rhythm_and_order() -> None:
    days = pd.Timestamp("2020-01-06") + pd.to_timedelta(RNG.integers(0, 700, 400), unit="D")
    gap = pd.to_timedelta(RNG.integers(1, 20, len(days)), unit="D")
    frame = pd.DataFrame({"ordered": days, "shipped": days + gap})
    frame = frame[(frame["ordered"].dt.dayofweek < 5) & (frame["shipped"].dt.dayofweek < 5)]  # weekdays, at midnight
    cols = {c: Column(c, "timestamp", "timestamp") for c in frame}
    found = rules.learn(frame, cols)
    calendars = {r.column: r for r in found if isinstance(r, rules.Calendar)}
    assert calendars["ordered"].unit == rules.DAY and calendars["ordered"].weekdays[5:].sum() == 0
    assert any(isinstance(r, rules.Ordered) and (r.low, r.high) == ("ordered", "shipped") for r in found)
    noisy = pd.DataFrame({"ordered": pd.Timestamp("2021-03-01") + pd.to_timedelta(RNG.uniform(0, 300, 300), unit="D")})
    noisy["shipped"] = noisy["ordered"] - pd.to_timedelta(RNG.uniform(0, 3, 300), unit="D")  # before it, some on weekends
    out = rules.apply(noisy, found, cols, RNG)
    assert (out["ordered"] == out["ordered"].dt.normalize()).all() and (out["ordered"].dt.dayofweek < 5).all()
    assert (out["shipped"].dt.dayofweek < 5).all() and (out["shipped"] >= out["ordered"]).all()


def test_a_parent_equal_to_the_sum_of_its_childrens_products_is_learnt_and_recomputed() -> None:
    parent = _table("inv", [("id", "integer"), ("total", "numeric")])
    fk = ForeignKey("fk", ("inv",), "inv", ("id",), "")
    child = _table("line", [("id", "integer"), ("inv", "integer"), ("qty", "integer"), ("price", "numeric")], fks=(fk,))
    lines = pd.DataFrame({"id": range(200), "inv": RNG.integers(0, 40, 200), "qty": RNG.integers(1, 4, 200), "price": RNG.choice([0.99, 1.99], 200)})
    invoices = pd.DataFrame({"id": range(40)})
    invoices["total"] = invoices["id"].map((lines.qty * lines.price).groupby(lines.inv).sum()).fillna(0).round(2)
    roles = {"id": "key", "inv": "key", "qty": "model", "price": "model", "total": "model"}
    (found,) = aggregate.learn(parent, invoices, roles, [(child, lines, roles)])
    assert (found.column, found.op, set(found.terms)) == ("total", "sum_product", {"qty", "price"})
    fresh = invoices.assign(total=0.0)
    aggregate.apply(fresh, lines, found, parent.column("total"))
    assert np.allclose(fresh["total"], invoices["total"])


def test_hierarchy_levels_rebuild_the_tree_top_down() -> None:
    fk = ForeignKey("boss", ("reports_to",), "emp", ("id",), "")
    emp = _table("emp", [("id", "integer"), ("title", "text"), ("reports_to", "integer")], fks=(fk,))
    frame = pd.DataFrame({"id": range(1, 9), "title": ["GM", "SM", "ITM", "Agent", "Agent", "Agent", "Staff", "Staff"],
                          "reports_to": [None, 1, 1, 2, 2, 2, 3, 3]})
    (found,) = levels.learn(emp, frame, {"id": "key", "title": "model", "reports_to": "key"})
    assert found.depths == (1, 2, 5) and found.columns == ("title",)
    made = pd.DataFrame({"id": range(1, 9), "title": ["Agent"] * 8, "reports_to": [None] * 8})
    levels.apply(made, found, np.random.default_rng(3))
    boss = made.set_index("id")["title"]
    pairs = set(zip(made["title"], made["reports_to"].map(boss)))
    assert pairs <= {("GM", np.nan), ("SM", "GM"), ("ITM", "GM"), ("Agent", "SM"), ("Staff", "ITM")} | {("GM", None)}


def test_agreement_learns_shares_and_fake_keeps_them() -> None:
    frame = pd.DataFrame({
        "first": ["Ana", "Bo", "Cy", "Di"] * 10, "last": ["Lima", "Berg", "Cole", "Dunn"] * 10,
        "country": ["Belgium", "USA", "Belgium", "USA"] * 10, "state": [None, "CA", None, "NY"] * 10,
    })
    frame["mail"] = [f"{a.lower()}.{b.lower()}@x.com" for a, b in zip(frame["first"], frame["last"])]
    fills = [PiiColumn("p", "first", "first_name", ""), PiiColumn("p", "last", "last_name", ""),
             PiiColumn("p", "mail", "email", ""), PiiColumn("p", "state", "state", "", null_rate=0.5)]
    found = agreement.learn(frame, fills)
    by_type = {type(r).__name__: r for r in found}
    assert by_type["EmailFromName"].share == 1.0 and by_type["NullsByCountry"].shares == {"Belgium": 1.0, "USA": 0.0}
    table = _table("p", [("id", "integer"), ("first", "text"), ("last", "text"), ("mail", "text"), ("country", "text"), ("state", "text")])
    made = fake.fill(table, pd.DataFrame({"id": range(40), "country": frame["country"]}), fills, 5, found)
    assert made.loc[made["country"] == "Belgium", "state"].isna().all() and made.loc[made["country"] == "USA", "state"].notna().all()
    local = made["mail"].str.split("@").str[0]
    assert all(agreement.ascii_lower(f)[:3] in m or agreement.ascii_lower(la)[:3] in m for m, f, la in zip(local, made["first"], made["last"]))
    assert not made["first"].isin(frame["first"]).all()


def test_text_shape_picks_names_for_people_and_words_otherwise() -> None:
    composers = pd.Series(["Angus Young, Malcolm Young", "Steven Tyler", "John Smith, Mary Jones, Paul Brown"] * 20)
    titles = pd.Series(["The Long Road", "Night Train", "Fire"] * 20)
    assert agreement._text_shape(composers, "composer").provider == "name"
    shape = agreement._text_shape(titles, "title")
    assert shape.provider == "words" and shape.capitalised == 1.0 and shape.words[:3] == pytest.approx((1 / 3, 1 / 3, 1 / 3), abs=0.01)


def test_fd_map_never_keeps_a_rare_determinant_value() -> None:
    n = 400
    code = np.concatenate([np.repeat(np.arange(20), 19), np.arange(100, 120)])  # 20 values of 19 rows, 20 of one row
    frame = pd.DataFrame({"code": code[:n], "label": [f"l{c % 7}" for c in code[:n]]})
    dep = fd.learn(frame, ["code"], ["label"])["label"]
    assert not dep.categories and all(k < 100 for k in dep.mapping)  # the one-row values would be real rows' pairs


def test_strata_split_a_table_whose_groups_differ() -> None:
    kind = RNG.choice(["audio", "video"], 1000, p=[0.8, 0.2])
    length = np.where(kind == "video", RNG.normal(100, 5, 1000), RNG.normal(10, 2, 1000))
    data = pd.DataFrame({"kind": kind, "length": length, "noise": RNG.random(1000)})
    assert strata.choose(data, {"kind": "categorical", "length": "numeric", "noise": "numeric"}) == "kind"
    flat = pd.DataFrame({"kind": kind, "noise": RNG.random(1000)})
    assert strata.choose(flat, {"kind": "categorical", "noise": "numeric"}) is None


def test_gate_exempts_reference_data_with_the_reason() -> None:
    class Rows:
        def __init__(self, frame: pd.DataFrame) -> None:
            self.train, self.holdout = frame, frame.iloc[0:0]

    class Model:
        def __init__(self, cols: tuple[str, ...], n: int, roles: dict[str, str]) -> None:
            self.model_columns, self.source_rows, self.roles, self.fills = cols, n, roles, ()

    grid = pd.DataFrame([(g, a) for g in "MF" for a in ("18-30", "31-50", "51+")], columns=["gender", "age"])
    table = _table("demo", [("id", "integer"), ("gender", "text"), ("age", "text")])
    reason = exemptions.reference_data(table, Model(("gender", "age"), 6, {"gender": "model", "age": "model"}), Rows(grid), None)
    assert "combination" in reason and "2 x 3 = 6" in reason
    one = exemptions.reference_data(table, Model(("gender",), 1, {"gender": "model"}), Rows(grid.head(1)), None)
    assert "one-row" in one
    people = pd.DataFrame({"gender": list("MFMF"), "age": ["18-30"] * 4})
    assert exemptions.reference_data(table, Model(("gender", "age"), 4, {"gender": "model", "age": "model"}), Rows(people), None) == ""


def test_detection_tells_shifted_rows_and_not_resampled_ones() -> None:
    real = pd.DataFrame({"x": RNG.normal(0, 1, 600), "c": RNG.choice(list("abc"), 600)})
    same = pd.DataFrame({"x": RNG.normal(0, 1, 600), "c": RNG.choice(list("abc"), 600)})
    shifted = same.assign(x=same["x"] + 2)
    kinds = {"x": "numeric", "c": "categorical"}
    assert detection.detect(real, same, kinds, importance=False).auc < 0.6
    found = detection.detect(real, shifted, kinds)
    assert found.auc > 0.85 and found.importance[0][0] == "x"
    utility = detection.tstr(same, real.iloc[:400], real.iloc[400:], kinds, "c")
    assert utility is not None and utility.task == "classification" and 0 <= utility.synthetic <= 1


def test_nndr_fails_only_when_its_excess_is_significant() -> None:
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"x": rng.normal(0, 1, 400)})
    holdout = pd.DataFrame({"x": rng.normal(0, 1, 40)})  # a small holdout: its 5th percentile is a coarse cut
    near = pd.DataFrame({"x": train["x"].to_numpy()[:300] + rng.normal(0, 1e-4, 300)})  # jittered copies
    config = PrivacyConfig()
    jittered = check_table("t", train, holdout, near, {"x": "numeric"}, config)
    assert not next(m for m in jittered.metrics if m.name == "nndr").passed
    fresh = check_table("t", train, holdout, pd.DataFrame({"x": rng.normal(0, 1, 300)}), {"x": "numeric"}, config)
    assert next(m for m in fresh.metrics if m.name == "nndr").passed


def test_a_grid_never_overflows_on_the_largest_floats() -> None:
    with np.errstate(all="raise"):  # as the sampler runs
        grid = rules._grid("x", np.array([18.0, 12.5, 1e308, -1e308, 21.35] * 10))
        assert grid is not None and grid.steps[-1] == 0.05  # 1e308 sits on a coarse step; it does not block the rule
        rows = pd.DataFrame({"x": [1.7e308, 3.3, np.nan, -1.7e308]})
        grid.apply(rows, np.random.default_rng(0))
    assert np.isfinite(rows["x"].iloc[[0, 1, 3]]).all() and pd.isna(rows["x"].iloc[2])


def test_a_grid_never_rounds_past_the_source_range() -> None:
    top = np.array([32767.0, 32760.0, 32750.0, 100.0, 250.0, 1000.0] * 20)  # a smallint at its limit
    grid = rules._grid("n", top)
    assert grid is not None and grid.high == 32767.0
    rows = pd.DataFrame({"n": np.full(500, 32766.0)})
    grid.apply(rows, np.random.default_rng(0))
    assert rows["n"].max() <= 32767.0 and rows["n"].min() >= 32700.0  # rounded down, never to 32770


def test_a_value_the_model_put_outside_the_source_range_rounds_toward_it() -> None:
    grid = rules._grid("x", -np.round(np.random.default_rng(0).gamma(2, 10, 300) * 2) / 2)  # negative halves only
    assert grid is not None and grid.high <= -0.5
    rows = pd.DataFrame({"x": [-0.2, grid.high + 0.3, grid.low - 0.3]})
    with np.errstate(all="raise"):
        grid.apply(rows, np.random.default_rng(1))
    assert (rows["x"] < 0).all()  # never rounded to zero (or -0.0), a value the source never has
    assert rows["x"].iloc[2] >= grid.low - 0.5


def test_a_chain_of_orders_holds_whichever_rule_comes_first() -> None:
    """hired <= started <= ended: raising ``started`` to the parent's hire date must come before the rule
    that reads it, else ``ended`` falls behind again (it did on a salary table)."""
    cols = {c: Column(c, "date", "date") for c in ("started", "ended")} | {"__parent__hired": Column("__parent__hired", "date", "date")}
    chain = (rules.Ordered("started", "ended", 0.0, "datetime"), rules.Ordered("__parent__hired", "started", 0.0, "datetime"))
    rows = pd.DataFrame({"started": pd.to_datetime(["2000-01-01", "2000-06-01"]), "ended": pd.to_datetime(["2000-02-01", "2000-07-01"])})
    given = pd.DataFrame({"__parent__hired": pd.to_datetime(["2000-03-01", "2000-01-01"])})
    out = rules.apply(rows, chain, cols, RNG, given)
    assert (out["started"] >= given["__parent__hired"]).all() and (out["ended"] >= out["started"]).all(), out


def test_reorder_moves_only_broken_cells_and_keeps_values_the_codec_cannot_hold() -> None:
    cols = {c: Column(c, "date", "date") for c in ("started", "ended")}
    rows = pd.DataFrame({"started": [dt.date(2001, 5, 2), dt.date(2001, 1, 1), dt.date(2002, 1, 1)],
                         "ended": [dt.date(2001, 5, 1), dt.date(9999, 1, 1), "infinity"]}, dtype=object)
    rules.reorder(rows, (rules.Ordered("started", "ended", 0.0, "datetime"),), cols, RNG)
    assert pd.Timestamp(rows["ended"][0]) >= pd.Timestamp("2001-05-02") and rows["started"][0] == dt.date(2001, 5, 2)
    assert rows["ended"][1] == dt.date(9999, 1, 1) and rows["ended"][2] == "infinity"


def test_one_current_row_per_parent_is_learnt_for_null_and_flag_markers() -> None:
    """The class, not the '9999-01-01' sample: an open end date (NULL) and an ``is_current`` flag mark exactly
    one row per parent, the one that started last; sampled rows that mark none or several are mended."""
    from provisioner.model.relations import current

    sizes = RNG.integers(1, 5, 40)
    parent = np.repeat(np.arange(40), sizes)
    start = pd.Timestamp("2010-01-01") + pd.to_timedelta(RNG.permutation(len(parent)) * 3, unit="D")
    frame = pd.DataFrame({"parent_id": parent, "started": start, "ended": start + pd.Timedelta(days=30), "current": False})
    latest = frame.groupby("parent_id")["started"].transform("max") == frame["started"]
    frame.loc[latest, "ended"], frame.loc[latest, "current"] = None, True
    fk = ForeignKey("fk_parent", ("parent_id",), "parent", ("id",), "")
    table = _table("stint", [("id", "integer"), ("parent_id", "integer"), ("started", "date"), ("ended", "date"), ("current", "boolean")], fks=(fk,))
    found = {r.column: r for r in current.learn(table, frame, {"started": "model", "ended": "model", "current": "model"}, (fk,))}
    assert found["ended"].marker is None and found["ended"].latest == "started" and found["ended"].share == 1.0
    assert found["current"].marker == "True" and found["current"].latest == "started"
    made = frame.assign(ended=frame["started"] + pd.Timedelta(days=9), current=RNG.random(len(frame)) < 0.5)
    for rule in found.values():
        current.apply(made, rule, RNG)
    top = made.groupby("parent_id")["started"].transform("max") == made["started"]
    assert (made["ended"].isna() == top).all() and (made["current"].astype(bool) == top).all()


def test_token_formats_are_kept_and_words_are_not_tokens() -> None:
    from provisioner.model import tokens as token_shapes
    from provisioner.synth import tokens

    codes = pd.Series([f"INV-{2020 + i % 5}-{i:05d}" for i in range(300)])
    shape = token_shapes.learn(codes, "ref")
    assert shape is not None and shape.separators == "--" and shape.segments[0].constant == "INV"
    made = pd.Series(tokens.generate(shape, 200, np.random.default_rng(1)))
    assert made.str.fullmatch(r"INV-202\d-00\d{3}").all()  # the shared prefixes kept, the rest drawn
    keys = pd.Series(["".join(RNG.choice(list("abcdef0123456789"), 32)) for _ in range(100)])
    hexed = token_shapes.learn(keys, "api_key")
    assert hexed is not None and pd.Series(tokens.generate(hexed, 50, RNG)).str.fullmatch(r"[0-9a-f]{32}").all()
    assert token_shapes.learn(pd.Series(["Combination", "Film", "Extreme"] * 20), "title") is None  # words stay words
    assert token_shapes.learn(pd.Series([f"Some title {i}" for i in range(60)]), "title") is None  # sentences too


def test_letter_case_is_learnt_from_text_only() -> None:
    upper = pd.Series([f"NAME {chr(65 + i % 26)}" for i in range(40)])
    assert agreement._letter_case(upper, "n") == agreement.LetterCase("n", "upper")
    assert agreement._letter_case(pd.Series(["Anna Smith", "Ben Jones"] * 20), "n") is None  # mixed case: Faker's own
    assert agreement._letter_case(pd.Series([dt.date(2001, 1, 1)] * 40, dtype=object), "born") is None  # a PII date column
    assert agreement._letter_case(pd.Series([None] * 40, dtype=object), "empty") is None
