"""The COPY text fast path loads exactly what the CSV path loads, on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import numpy as np
import pandas as pd
import psycopg

from provisioner.pg import script as sqlscript
from provisioner.pg.connect import target_engine
from provisioner.pg.copyfmt import copy_sql, to_csv
from provisioner.pg.copyio import copy_frame
from provisioner.schema.reflect import reflect

COLUMNS = """
    id integer PRIMARY KEY, small smallint, big bigint, ratio double precision, price numeric(10,2),
    flag boolean, maybe boolean, at timestamp, at_tz timestamptz, day date, label text, code varchar(8),
    raw bytea, doc jsonb, tags integer[], ident uuid, span interval, clock time
"""


def tricky_frame() -> pd.DataFrame:
    n = 6
    return pd.DataFrame({
        "id": pd.array(range(1, n + 1), dtype="Int64"),
        "small": pd.array([1, None, -3, 4, 5, 6], dtype="Int64"),
        "big": np.array([2**40, 1, 2, 3, 4, -5], dtype=object),
        "ratio": [0.1, np.nan, 1e-7, -2.5, 1e20, 3.0],
        "price": [12.34, 0.0, np.nan, 99999999.99, -1.5, 7.1],
        "flag": [True, False, True, False, True, False],
        "maybe": np.array([True, None, False, None, True, np.nan], dtype=object),
        "at": pd.to_datetime(["2020-01-01 00:00:01.5", None, "1999-12-31 23:59:59", "2020-02-29", "1970-01-01", "2038-01-19 03:14:08.000001"], format="mixed"),
        "at_tz": pd.to_datetime(["2020-01-01 10:00:00+02:00", None, "2001-01-01 00:00:00+00:00", "2020-06-01 12:30:00-05:00",
                                 "1990-01-01 00:00:00+00:00", "2020-01-01 00:00:00+00:00"], utc=True, format="mixed"),
        "day": pd.to_datetime(["2020-01-01", None, "1999-12-31", "2000-02-29", "1970-01-01", "2024-12-31"]),
        "label": ["tab\there", "new\nline", "back\\slash", "\\N", None, 'quote " é ✓'],
        "code": pd.Categorical(["a", "b", None, "a", "c", "b"]),
        "raw": [b"\x00\x01", None, b"abc", bytearray(b"\\"), b"", b"z"],
        "doc": [{"a": 1}, None, {"t": "x\ty"}, {}, {"n": [1, 2]}, '{"s": "already text"}'],
        "tags": [[1, 2], None, [], [3], [4, 5, 6], [7]],
        "ident": [uuid.UUID(int=i) if i != 2 else None for i in range(n)],
        "span": [1.5, np.nan, 3600.0, 0.0, 86400.0 * 3, 2.0],
        "clock": [0.0, 3600.5, np.nan, 86399.0, 12.25, 60.0],
    })


def _load_both(url: str, frame: pd.DataFrame) -> None:
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE fast ({COLUMNS})")
        conn.execute(f"CREATE TABLE slow ({COLUMNS})")
    engine = target_engine(url)
    try:
        snapshot = reflect(engine)
    finally:
        engine.dispose()
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        assert copy_frame(conn, snapshot.table("fast"), frame) == len(frame)
        with conn.cursor() as cur, cur.copy(copy_sql(snapshot.table("slow").sql_name, list(frame.columns))) as copy:
            copy.write(to_csv(frame, snapshot.table("slow")))
        conn.commit()


def test_text_path_loads_what_csv_path_loads(fresh_db: Callable[..., str]) -> None:
    url = fresh_db("copytext")
    frame = tricky_frame()
    _load_both(url, frame)
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        fast = conn.execute("SELECT * FROM fast ORDER BY id").fetchall()
        slow = conn.execute("SELECT * FROM slow ORDER BY id").fetchall()
        label = conn.execute("SELECT label FROM fast ORDER BY id").fetchall()
    assert len(fast) == len(frame)
    differing = [(a, b) for a, b in zip(fast, slow) if a != b]
    # the CSV path reads a text that is exactly \N as NULL; the text path keeps it
    assert [(a[0], [i for i, (x, y) in enumerate(zip(a, b)) if x != y]) for a, b in differing] in ([], [(4, [10])])
    assert [r[0] for r in label] == ["tab\there", "new\nline", "back\\slash", "\\N", None, 'quote " é ✓']
    assert fast[0][7] == dt.datetime(2020, 1, 1, 0, 0, 1, 500000)
    assert fast[5][7] == dt.datetime(2038, 1, 19, 3, 14, 8, 1)


def test_chunks_all_arrive(fresh_db: Callable[..., str]) -> None:
    from provisioner.pg import copyio as copyload

    url = fresh_db("copychunks")
    frame = tricky_frame()
    big = pd.concat([frame] * 50, ignore_index=True)
    big["id"] = pd.array(range(1, len(big) + 1), dtype="Int64")
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE fast ({COLUMNS})")
    engine = target_engine(url)
    try:
        table = reflect(engine).table("fast")
    finally:
        engine.dispose()
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        sent = copyload.copy_frames(conn, table, list(big.columns), copyload.chunks(big, 7))
        conn.commit()
        ids = [r[0] for r in conn.execute("SELECT id FROM fast ORDER BY id").fetchall()]
    assert sent == len(big)
    assert ids == list(range(1, len(big) + 1))
