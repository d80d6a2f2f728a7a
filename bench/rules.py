"""The rules a QA engineer checks first, measured on the source and on provisioner's rows.

    python3 bench/rules.py                          # Chinook and Northwind, seed 0, default settings
    python3 bench/rules.py --seeds 0 1 2
    python3 bench/rules.py --url chinook=postgresql://... --url northwind=postgresql://...

For each rule it prints ``<rule>_source=<rate>`` and ``<rule>_synthetic=<rate>`` (the share of
rows that keep it). The rules name Chinook's and Northwind's tables: this is a measurement,
the mechanisms that keep them are general (see README, "Rules kept from the source").
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

from bench._common import dataset_db, drop, emit  # noqa: E402
from provisioner.config import Config, TableConfig  # noqa: E402
from provisioner.model.train import train  # noqa: E402
from provisioner.pg.connect import source_engine  # noqa: E402
from provisioner.privacy import gate  # noqa: E402
from provisioner.schema.reflect import reflect  # noqa: E402
from provisioner.synth.sample import sample  # noqa: E402

Frames = dict[str, pd.DataFrame]


def _ascii(text: object) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower())


def midnight(f: Frames) -> float:
    stamps = pd.to_datetime(f["invoice"]["invoice_date"])
    return float((stamps == stamps.dt.normalize()).mean())


def total_is_sum(f: Frames) -> float:
    lines = f["invoice_line"].assign(amount=lambda d: d["quantity"].astype(float) * d["unit_price"].astype(float))
    sums = lines.groupby(lines["invoice_id"].astype(str))["amount"].sum().round(2)
    inv = f["invoice"]
    got = inv["invoice_id"].astype(str).map(sums).fillna(0.0)
    return float(np.isclose(inv["total"].astype(float), got, atol=0.005).mean())


def in_set(table: str, column: str) -> Callable[[Frames, Frames], float]:
    def rate(f: Frames, source: Frames) -> float:
        allowed = set(np.round(source[table][column].dropna().astype(float), 6))
        values = np.round(f[table][column].dropna().astype(float), 6)
        return float(values.isin(allowed).mean())
    return rate


def billing_address(f: Frames) -> float:
    inv = f["invoice"].merge(f["customer"], on="customer_id", suffixes=("", "_c"))
    return float((inv["billing_address"].astype(str) == inv["address"].astype(str)).mean())


def billing_city(f: Frames) -> float:
    inv = f["invoice"].merge(f["customer"], on="customer_id", suffixes=("", "_c"))
    return float((inv["billing_city"].astype(str) == inv["city"].astype(str)).mean())


def email_from_name(f: Frames) -> float:
    people = f["customer"].dropna(subset=["email"])
    local = people["email"].astype(str).str.split("@").str[0].map(_ascii)
    first, last = people["first_name"].map(_ascii), people["last_name"].map(_ascii)
    hits = [bool(a and a[:3] in s) or bool(b and b[:3] in s) for s, a, b in zip(local, first, last)]
    return float(np.mean(hits)) if hits else 0.0


def shipped_after_ordered(f: Frames) -> float:
    o = f["orders"].dropna(subset=["shipped_date"])
    return float((pd.to_datetime(o["shipped_date"]) >= pd.to_datetime(o["order_date"])).mean())


def order_price_is_product_price_times_a_source_factor(f: Frames, source: Frames) -> float:
    """Share of order lines whose price is their product's price times a factor the source has
    (1.0, or 0.8 for older orders): the synthetic products' prices are synthetic, so the source's
    price list is not the measure here, the factor is."""
    def factors(frames: Frames) -> pd.Series:
        joined = frames["order_details"].merge(frames["products"][["product_id", "unit_price"]], on="product_id", suffixes=("", "_p"))
        return (joined["unit_price"].astype(float) / joined["unit_price_p"].astype(float)).round(3)
    allowed = set(factors(source))
    return float(factors(f).isin(allowed).mean())


def weekday_orders(f: Frames) -> float:
    return float((pd.to_datetime(f["orders"]["order_date"]).dt.dayofweek < 5).mean())


def manager_level(f: Frames, source: Frames) -> float:
    """Share of employees whose (title, manager's title) pair occurs in the source."""
    def pairs(e: pd.DataFrame) -> pd.Series:
        boss = e.set_index(e["employee_id"].astype(str))["title"]
        return pd.Series(list(zip(e["title"], e["reports_to"].astype(str).map(boss))))
    real = set(pairs(source["employee"]))
    mine = pairs(f["employee"])
    return float(mine.isin(real).mean())


def text_copies(table: str, column: str) -> Callable[[Frames, Frames], float]:
    """Share of values that are NOT a real value (1.0: no real value used)."""
    def rate(f: Frames, source: Frames) -> float:
        real = set(source[table][column].dropna().astype(str))
        values = f[table][column].dropna().astype(str)
        return float((~values.isin(real)).mean()) if len(values) else 1.0
    return rate


def words(table: str, column: str) -> Callable[[Frames], float]:
    """Mean word count (compare source and synthetic)."""
    return lambda f: float(f[table][column].dropna().astype(str).str.split().str.len().mean())


RULES: dict[str, dict[str, Callable[..., float]]] = {
    "chinook": {
        "invoice_midnight": midnight,
        "invoice_total_is_sum_of_lines": total_is_sum,
        "invoice_line_price_in_source_set": in_set("invoice_line", "unit_price"),
        "track_price_in_source_set": in_set("track", "unit_price"),
        "billing_address_is_customer_address": billing_address,
        "billing_city_is_customer_city": billing_city,
        "email_from_name": email_from_name,
        "manager_title_pair_in_source": manager_level,
        "track_composer_not_real": text_copies("track", "composer"),
        "track_name_not_real": text_copies("track", "name"),
        "album_title_words": words("album", "title"),
        "track_name_words": words("track", "name"),
    },
    "northwind": {
        "shipped_on_or_after_ordered": shipped_after_ordered,
        "discount_in_source_set": in_set("order_details", "discount"),
        "order_price_is_product_price_times_source_factor": order_price_is_product_price_times_a_source_factor,
        "orders_on_weekdays": weekday_orders,
        "product_name_not_real": text_copies("products", "product_name"),
    },
}
CTGAN_RULES = {"chinook": {"ctgan_invoice_line_price_in_source_set": in_set("invoice_line", "unit_price"),
                           "ctgan_track_price_in_source_set": in_set("track", "unit_price")}}


def _call(rule: Callable[..., float], frames: Frames, source: Frames) -> float:
    return rule(frames, source) if rule.__code__.co_argcount == 2 else rule(frames)


def run(name: str, url: str, seed: int, ctgan_epochs: int) -> None:
    engine = source_engine(url)
    try:
        snapshot = reflect(engine)
        config = Config(seed=seed)
        trained = train(engine, snapshot, config)
        synthetic = gate.run(trained.bundle, trained.real, sample(trained.bundle, config), config.privacy).synthetic.tables  # what provision writes
        source = {k: trained.frames[k] for k in trained.frames}
        tag = name if seed == 0 else f"{name}_seed{seed}"
        for rule, measure in RULES[name].items():
            if seed == 0:
                emit(f"{tag}_{rule}_source", round(_call(measure, source, source), 3))
            emit(f"{tag}_{rule}_synthetic", round(_call(measure, synthetic, source), 3))
        if ctgan_epochs and name in CTGAN_RULES:
            tables = {"track": TableConfig(model="ctgan", epochs=ctgan_epochs), "invoice_line": TableConfig(model="ctgan", epochs=ctgan_epochs)}
            config = Config(seed=seed, tables=tables)
            gan = sample(train(engine, snapshot, config).bundle, config).tables
            for rule, measure in CTGAN_RULES[name].items():
                emit(f"{tag}_{rule}_synthetic", round(_call(measure, gan, source), 3))
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["chinook", "northwind"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--url", action="append", default=[], help="NAME=URL of a database already holding the dataset")
    parser.add_argument("--ctgan-epochs", type=int, default=10, help="epochs of the CTGAN run on track and invoice_line (0: skip)")
    args = parser.parse_args()
    given = dict(item.split("=", 1) for item in args.url)
    for name in args.datasets:
        url = given.get(name) or dataset_db(name)
        try:
            for seed in args.seeds:
                run(name, url, seed, args.ctgan_epochs)
        finally:
            if name not in given:
                drop(url)


if __name__ == "__main__":
    main()
