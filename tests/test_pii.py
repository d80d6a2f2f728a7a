"""PII detection and Faker filling, on the real Chinook and Northwind databases and real Faker."""

from __future__ import annotations

import dataclasses
import re
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sqlalchemy import Engine, text

from provisioner.errors import ConfigError
from provisioner.model import pii
from provisioner.schema.snapshot import Column, Constraint, SchemaSnapshot, Table
from provisioner.synth import fake

LABELS = yaml.safe_load((Path(__file__).parent / "pii_labels.yaml").read_text(encoding="utf-8"))
SAMPLE_ROWS = 2000


class Source:
    """A reflected database, its sampled rows and what ``detect`` finds in them."""

    def __init__(self, snapshot: SchemaSnapshot, samples: dict[str, pd.DataFrame]) -> None:
        self.snapshot, self.samples = snapshot, samples
        self.found = pii.detect(snapshot, samples)


def _load(url: str) -> Source:
    """Reflect and sample a database created by the conftest fixtures (never a hard-coded name)."""
    from provisioner.pg.connect import source_engine
    from provisioner.schema.reflect import reflect

    engine = source_engine(url)
    snapshot = reflect(engine)
    samples = _samples(engine, snapshot)
    engine.dispose()
    return Source(snapshot, samples)


def _samples(engine: Engine, snapshot: SchemaSnapshot) -> dict[str, pd.DataFrame]:
    with engine.connect() as conn:
        return {t.key: pd.read_sql(text(f"SELECT * FROM {t.sql_name} LIMIT {SAMPLE_ROWS}"), conn) for t in snapshot.tables}


@pytest.fixture(scope="module")
def chinook(chinook_url: str) -> Source:
    return _load(chinook_url)


@pytest.fixture(scope="module")
def northwind(northwind_url: str) -> Source:
    return _load(northwind_url)


def _flagged(found: tuple[pii.PiiColumn, ...]) -> dict[tuple[str, str], str]:
    return {(p.table, p.column): p.category for p in found}


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize("database", ["chinook", "northwind"])
def test_recall_and_categories_on_labelled_columns(database: str, request: pytest.FixtureRequest) -> None:
    source: Source = request.getfixturevalue(database)
    labels = LABELS[database]
    every = {(t.key, c.name) for t in source.snapshot.tables for c in t.columns}
    assert every == {(t, c) for t, cols in labels.items() for c in cols}, "the label file must list every column"
    truth = {(t, c): v["category"] for t, cols in labels.items() for c, v in cols.items() if v["pii"]}
    flagged = _flagged(source.found)
    missed = sorted(set(truth) - set(flagged))
    assert not missed, f"recall below 1.0, missed: {missed}"
    assert {k: flagged[k] for k in truth} == truth
    false_positives = sorted(set(flagged) - set(truth))
    assert len(truth) / (len(truth) + len(false_positives)) >= 0.9, false_positives


def test_reasons_and_stats_hold_no_source_values(chinook: Source, northwind: Source) -> None:
    for source in (chinook, northwind):
        for found in source.found:
            assert found.category in pii.CATEGORIES
            values = source.samples[found.table][found.column].dropna().astype(str)
            leaked = [v for v in values if len(v) >= 3 and v in found.reason]
            assert not leaked, f"{found.table}.{found.column} reason quotes a source value"


def test_null_rate_mean_length_and_common_email_domains(chinook: Source, northwind: Source) -> None:
    by_key = {(p.table, p.column): p for p in chinook.found + northwind.found}
    company = by_key[("customer", "company")]
    assert company.null_rate == pytest.approx(chinook.samples["customer"]["company"].isna().mean(), abs=1e-3)
    notes = by_key[("employees", "notes")]
    assert notes.mean_length == pytest.approx(northwind.samples["employees"]["notes"].str.len().mean())
    domains = dict(by_key[("customer", "email")].email_domains)
    assert "gmail.com" in domains and 0 < sum(domains.values()) <= 1
    assert not {"apple.com", "microsoft.com", "google.com", "jetbrains.com", "embraer.com.br"} & set(domains)
    assert by_key[("employee", "email")].email_domains == ()  # every address is on the company domain


def test_countries_titles_and_catalogue_text_are_not_flagged(chinook: Source, northwind: Source) -> None:
    flagged = _flagged(chinook.found) | _flagged(northwind.found)
    for key in [("customer", "country"), ("invoice", "billing_country"), ("orders", "ship_country"),
                ("employee", "title"), ("customers", "contact_title"), ("album", "title"), ("track", "name"),
                ("artist", "name"), ("genre", "name"), ("products", "product_name"), ("categories", "description")]:
        assert key not in flagged, key


def test_add_and_remove(chinook: Source) -> None:
    found = _flagged(pii.detect(chinook.snapshot, chinook.samples, add=["customer.country", "album.title"],
                                remove=["customer.email", "employee.fax"]))
    assert found[("customer", "country")] == "country"
    assert found[("album", "title")] == "text"
    assert ("customer", "email") not in found and ("employee", "fax") not in found
    assert ("employee", "email") in found


@pytest.mark.parametrize(("add", "remove", "message"), [
    (["customer.nope"], [], "no column 'nope'"),
    (["nope.email"], [], "unknown table 'nope'"),
    ([], ["customer"], "table.column"),
    (["customer.customer_id"], [], "key column"),
    (["customer.email"], ["customer.email"], "both added and removed"),
    (["track.milliseconds"], [], "cannot hold Faker values"),
])
def test_bad_add_remove_raises_config_error(chinook: Source, add: list[str], remove: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        pii.detect(chinook.snapshot, chinook.samples, add=add, remove=remove)


def _col(name: str, kind: str = "varchar", **kw: object) -> Column:
    return Column(name=name, type=kind, kind=kind, **kw)  # type: ignore[arg-type]


def _synthetic_snapshot() -> SchemaSnapshot:
    events = Table("sales", "events", (
        _col("id", "integer", nullable=False), _col("c1"), _col("c2"), _col("c3"), _col("c4"), _col("c5"),
        _col("c6"), _col("c7", "text"), _col("product"), _col("peer", "inet"), _col("email_pk"),
    ), primary_key=("id", "email_pk"))
    people = Table("sales", "people", (_col("id", "integer"), _col("name"), _col("home_page"), _col("e_mail")),
                   primary_key=("id",))
    return SchemaSnapshot(schemas=("sales",), tables=(events, people))


def _synthetic_samples() -> dict[str, pd.DataFrame]:
    n = 40
    events = pd.DataFrame({
        "id": range(n), "email_pk": [f"k{i}@example.org" for i in range(n)],
        "c1": [f"user{i}@example.org" for i in range(n)],
        "c2": ["4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009", "6011000000000004"] * 10,
        "c3": ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"] * 20,
        "c4": ["192.168.0.1", "2001:db8::1", "10.1.2.3", "fe80::1:2"] * 10,
        "c5": ["+1 (555) 123-4567", "030-0074321", "(171) 555-7788", "+55 (12) 3923-5555"] * 10,
        "c6": [f"https://example.org/~user{i}" for i in range(n)],
        "c7": ["Call me on 0171 555 2282 after lunch, thanks for the order"] + ["Delivered on time, all good"] * 39,
        "product": [f"Widget {i}" for i in range(n)], "peer": ["10.0.0.1"] * n,
    })
    people = pd.DataFrame({"id": range(3), "name": ["x", None, "y"], "home_page": [None] * 3, "e_mail": [None] * 3})
    return {"sales.events": events, "sales.people": people}


def test_value_type_and_name_rules_on_a_synthetic_schema() -> None:
    snapshot = _synthetic_snapshot()
    found = _flagged(pii.detect(snapshot, _synthetic_samples()))
    assert found == {
        ("sales.events", "c1"): "email", ("sales.events", "c2"): "card_number", ("sales.events", "c3"): "iban",
        ("sales.events", "c4"): "ip_address", ("sales.events", "c5"): "phone", ("sales.events", "c6"): "url",
        ("sales.events", "c7"): "free_text", ("sales.events", "peer"): "ip_address",
        ("sales.people", "name"): "full_name", ("sales.people", "home_page"): "url",
        ("sales.people", "e_mail"): "email",
    }
    by_name_only = _flagged(pii.detect(snapshot, {}))  # no samples at all: names and types still work
    assert by_name_only[("sales.people", "name")] == "full_name" and ("sales.events", "c1") not in by_name_only
    added = _flagged(pii.detect(snapshot, {}, add=["sales.events.product"], remove=["sales.people.name"]))
    assert added[("sales.events", "product")] == "text" and ("sales.people", "name") not in added


# --------------------------------------------------------------------------- fill


def _frame(n: int, countries: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"id": range(n)})
    if countries:
        frame["country"] = [countries[i % len(countries)] for i in range(n)]
    return frame


def test_fill_is_deterministic_and_seed_dependent(chinook: Source) -> None:
    table = chinook.snapshot.table("customer")
    frame = _frame(500, ["USA", "Germany", "Brazil"])
    one = fake.fill(table, frame, chinook.found, seed=11)
    assert one.equals(fake.fill(table, frame, chinook.found, seed=11))
    other = fake.fill(table, frame, chinook.found, seed=12)
    assert (one["email"] != other["email"]).mean() > 0.9
    assert frame.columns.tolist() == ["id", "country"], "the input frame must not be modified"
    assert one["country"].equals(frame["country"])


def test_fill_respects_max_length(northwind: Source) -> None:
    countries = ["Germany", "Mexico", "UK", "Sweden", "France", "Spain", "Canada", "Brazil", "USA", "Japan"]
    for key in ("customers", "suppliers", "employees", "orders"):
        table = northwind.snapshot.table(key)
        frame = _frame(500)
        frame["ship_country" if key == "orders" else "country"] = [countries[i % 10] for i in range(500)]
        out = fake.fill(table, frame, northwind.found, seed=3)
        for found in (p for p in northwind.found if p.table == key):
            limit = table.column(found.column).max_length
            if limit:
                assert out[found.column].dropna().astype(str).str.len().max() <= limit, (key, found.column)


def test_fill_unique_columns_get_unique_values(northwind: Source) -> None:
    base = northwind.snapshot.table("customers")
    uniques = tuple(Constraint(f"u_{c}", "unique", (c,), f"UNIQUE ({c})") for c in ("city", "phone", "contact_name"))
    table = dataclasses.replace(base, constraints=base.constraints + uniques)
    found = [dataclasses.replace(p, null_rate=0.0) for p in northwind.found if p.table == "customers"]
    out = fake.fill(table, _frame(10_000, ["Germany", "USA"]), found, seed=5)
    for name in ("city", "phone", "contact_name"):
        assert out[name].is_unique, name
        assert out[name].str.len().max() <= table.column(name).max_length
    assert not out["company_name"].is_unique  # not declared unique: repeats are fine


def test_fill_null_rate_and_not_null(chinook: Source) -> None:
    table = chinook.snapshot.table("customer")
    columns = [pii.PiiColumn("customer", "company", "company", "test", null_rate=0.3),
               pii.PiiColumn("customer", "email", "email", "test", null_rate=0.5)]
    out = fake.fill(table, _frame(10_000), columns, seed=1)
    assert out["company"].isna().mean() == pytest.approx(0.3, abs=0.03)
    assert out["email"].notna().all()  # email is NOT NULL in chinook


def test_filled_values_never_repeat_source_values(chinook: Source) -> None:
    table = chinook.snapshot.table("customer")
    source = chinook.samples["customer"]
    out = fake.fill(table, source, chinook.found, seed=2)
    for name in ("email", "phone", "fax", "address", "company", "postal_code"):
        real = set(source[name].dropna())
        assert not real & set(out[name].dropna()), name
    real_people = set(zip(source["first_name"], source["last_name"]))
    assert not real_people & set(zip(out["first_name"], out["last_name"]))
    assert (out["customer_id"] == source["customer_id"]).all() and out["country"].equals(source["country"])


def test_fill_follows_the_row_country(chinook: Source) -> None:
    table = chinook.snapshot.table("invoice")
    frame = pd.DataFrame({"invoice_id": range(400), "billing_country": ["Brazil", "Germany"] * 200})
    out = fake.fill(table, frame, chinook.found, seed=4)
    brazil = out.loc[frame["billing_country"] == "Brazil", "billing_postal_code"].dropna()
    germany = out.loc[frame["billing_country"] == "Germany", "billing_postal_code"].dropna()
    assert brazil.str.fullmatch(r"\d{5}-?\d{3}").mean() > 0.95
    assert germany.str.fullmatch(r"\d{5}").mean() > 0.95


def test_birth_dates_are_adults_and_typed(chinook: Source, northwind: Source) -> None:
    today = date.today()
    for source, key in ((chinook, "employee"), (northwind, "employees")):
        table = source.snapshot.table(key)
        birth = [p for p in source.found if p.table == key and p.column == "birth_date"]
        out = fake.fill(table, _frame(2000), birth, seed=9)["birth_date"].dropna()
        first = out.iloc[0]
        assert isinstance(first, datetime if table.column("birth_date").kind == "timestamp" else date)
        years = np.array([(today - (d.date() if isinstance(d, datetime) else d)).days / 365.25 for d in out])
        assert years.min() >= 18 and years.max() <= 81


def test_every_category_fills_and_text_matches_length() -> None:
    columns = tuple(_col(f"c_{c}", "varchar", max_length=40) for c in pii.CATEGORIES if c != "birth_date")
    table = Table("public", "t", columns + (_col("c_birth_date", "date"), _col("c_long", "text")))
    found = [pii.PiiColumn("t", f"c_{c}", c, "test") for c in pii.CATEGORIES]
    found += [pii.text_column("t", "c_long", 0.0, 300.0)]
    out = fake.fill(table, _frame(600), found, seed=8)
    for col in columns:
        assert out[col.name].notna().all() and out[col.name].str.len().max() <= 40, col.name
    assert out["c_text"].str.len().mean() == pytest.approx(20, rel=0.35)
    assert out["c_long"].str.len().mean() == pytest.approx(300, rel=0.25)
    assert out["c_ip_address"].str.fullmatch(r"10\.\d+\.\d+\.\d+").all()
    assert pii.text_column("t", "c", 0.1, 12.0).category == "text"


def test_fill_100k_rows_is_fast(chinook: Source) -> None:
    table = chinook.snapshot.table("customer")
    frame = _frame(100_000, ["USA", "Germany", "France", "Brazil", "Canada", "India", "Norway", "Chile"])
    started = time.perf_counter()
    out = fake.fill(table, frame, chinook.found, seed=6)
    assert time.perf_counter() - started < 10
    assert len(out) == 100_000 and out["email"].notna().all() and out["first_name"].nunique() > 1000
