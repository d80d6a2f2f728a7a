"""A small synthetic "shop" source database for fast end-to-end tests (seconds, not minutes).

Two tables: ``customer`` (300 rows, with PII: names and emails) and ``orders``
(about 1,500 rows: dates, amounts, a status category, a foreign key).
Deterministic: ``setseed`` fixes PostgreSQL's ``random()``.
"""

from __future__ import annotations

from pathlib import Path

from provisioner.pg import script as sqlscript

SHOP_SQL = """
SELECT setseed(0.42);
CREATE TABLE customer (
    customer_id serial PRIMARY KEY,
    full_name text NOT NULL,
    email text NOT NULL,
    segment text NOT NULL,
    credit_limit numeric(10,2) NOT NULL,
    signup_date date NOT NULL
);
INSERT INTO customer (full_name, email, segment, credit_limit, signup_date)
SELECT 'Zorblax Quintavius ' || g, 'zorblax' || g || '@example-secret.org',
       (ARRAY['retail','retail','retail','wholesale','partner'])[1 + floor(random() * 5)::int],
       round((500 + random() * 4500)::numeric, 2),
       date '2020-01-01' + (random() * 1400)::int
FROM generate_series(1, 300) g;
CREATE TABLE orders (
    order_id serial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customer(customer_id),
    ordered_at timestamp NOT NULL,
    amount numeric(10,2) NOT NULL CHECK (amount > 0),
    items int NOT NULL,
    status text NOT NULL
);
INSERT INTO orders (customer_id, ordered_at, amount, items, status)
SELECT c.customer_id,
       timestamp '2023-01-01' + random() * interval '600 days',
       round((5 + random() * random() * 400)::numeric, 2),
       1 + floor(random() * random() * 9)::int,
       (ARRAY['paid','paid','paid','shipped','refunded'])[1 + floor(random() * 5)::int]
FROM customer c, generate_series(1, 1 + (c.customer_id % 9)) n;
"""

FAST_CONFIG = "seed: 3\ntrain:\n  epochs: 1\n  gan_min_rows: 100000\n"


def make_shop(url: str, tmp: Path) -> None:
    script = tmp / "shop.sql"
    script.write_text(SHOP_SQL)
    sqlscript.load_sql_script(url, script)


def fast_config(tmp: Path) -> Path:
    path = tmp / "fast.yaml"
    path.write_text(FAST_CONFIG)
    return path
