"""Generate TPC-H (DuckDB's shipped tpch extension, no download) and load it into PostgreSQL.

    python bench/tpch_load.py --url postgresql://postgres@127.0.0.1:5432/tpch --sf 0.1

Needs ``pip install duckdb==1.5.5 duckdb-extension-tpch==1.5.5`` (the extension must match
DuckDB's version; it is loaded from the package with allow_unsigned_extensions, nothing is
downloaded). Tables get their primary and foreign keys. An existing database is kept
unless ``--replace`` is given (``dev.py bench`` runs this after bench/tpch.py).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provisioner.pg import script as sqlscript  # noqa: E402

DDL = """
CREATE TABLE region (r_regionkey integer PRIMARY KEY, r_name char(25) NOT NULL, r_comment varchar(152));
CREATE TABLE nation (n_nationkey integer PRIMARY KEY, n_name char(25) NOT NULL,
    n_regionkey integer NOT NULL REFERENCES region, n_comment varchar(152));
CREATE TABLE part (p_partkey integer PRIMARY KEY, p_name varchar(55) NOT NULL, p_mfgr char(25) NOT NULL,
    p_brand char(10) NOT NULL, p_type varchar(25) NOT NULL, p_size integer NOT NULL, p_container char(10) NOT NULL,
    p_retailprice numeric(15,2) NOT NULL, p_comment varchar(23) NOT NULL);
CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_name char(25) NOT NULL, s_address varchar(40) NOT NULL,
    s_nationkey integer NOT NULL REFERENCES nation, s_phone char(15) NOT NULL, s_acctbal numeric(15,2) NOT NULL,
    s_comment varchar(101) NOT NULL);
CREATE TABLE partsupp (ps_partkey integer NOT NULL REFERENCES part, ps_suppkey integer NOT NULL REFERENCES supplier,
    ps_availqty integer NOT NULL, ps_supplycost numeric(15,2) NOT NULL, ps_comment varchar(199) NOT NULL,
    PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name varchar(25) NOT NULL, c_address varchar(40) NOT NULL,
    c_nationkey integer NOT NULL REFERENCES nation, c_phone char(15) NOT NULL, c_acctbal numeric(15,2) NOT NULL,
    c_mktsegment char(10) NOT NULL, c_comment varchar(117) NOT NULL);
CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL REFERENCES customer,
    o_orderstatus char(1) NOT NULL, o_totalprice numeric(15,2) NOT NULL, o_orderdate date NOT NULL,
    o_orderpriority char(15) NOT NULL, o_clerk char(15) NOT NULL, o_shippriority integer NOT NULL,
    o_comment varchar(79) NOT NULL);
CREATE TABLE lineitem (l_orderkey integer NOT NULL REFERENCES orders, l_partkey integer NOT NULL,
    l_suppkey integer NOT NULL, l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL,
    l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL, l_tax numeric(15,2) NOT NULL,
    l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL, l_shipdate date NOT NULL, l_commitdate date NOT NULL,
    l_receiptdate date NOT NULL, l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL,
    l_comment varchar(44) NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber),
    FOREIGN KEY (l_partkey, l_suppkey) REFERENCES partsupp (ps_partkey, ps_suppkey));
"""
TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")


def extension_path() -> Path:
    import duckdb
    import duckdb_extension_tpch

    root = Path(duckdb_extension_tpch.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    found = sorted(root.glob("tpch.duckdb_extension"))
    if not found:
        raise SystemExit(f"no tpch extension for DuckDB {duckdb.__version__} under {root}; install matching versions")
    return found[0]


def generate(sf: float) -> object:
    import duckdb

    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{extension_path()}'")
    con.execute(f"CALL dbgen(sf={sf})")
    return con


def load(url: str, con: object) -> dict[str, int]:
    counts = {}
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as pg:
        pg.execute(DDL)
        for table in TABLES:
            frame = con.execute(f"SELECT * FROM {table}").df()  # type: ignore[attr-defined]
            buf = io.StringIO()
            frame.to_csv(buf, index=False, header=False)
            with pg.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buf.getvalue())
            counts[table] = len(frame)
        pg.execute("ANALYZE")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db", default="tpch_sf01")
    parser.add_argument("--sf", type=float, default=0.1)
    parser.add_argument("--replace", action="store_true", help="Drop and re-create an existing database.")
    args, _ = parser.parse_known_args()
    ensure(args.admin, args.db, args.sf, args.replace)


def ensure(admin: str, db: str, sf: float, replace: bool = False) -> str:
    """URL of a database holding TPC-H at ``sf``; generated and loaded when missing (or ``replace``)."""
    url = sqlscript.database_url(admin, db)
    if sqlscript.database_exists(admin, db) and not replace:
        print(f"TPC-H database {db} exists; pass --replace to re-create it")
        return url
    started = time.perf_counter()
    url = sqlscript.create_database(admin, db, replace=True)
    counts = load(url, generate(sf))
    print(f"TPC-H SF {sf} into {db} in {time.perf_counter() - started:.1f}s: {counts}")
    return url


if __name__ == "__main__":
    main()
