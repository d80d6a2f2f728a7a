"""The one COPY text encoder loads every value as itself, on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd
import psycopg

from provisioner.load.copyio import copy_frame
from provisioner.pg import script as sqlscript
from provisioner.pg.connect import target_engine
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


def _loaded(url: str, frame: pd.DataFrame) -> list[tuple[object, ...]]:
    with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE fast ({COLUMNS})")
    engine = target_engine(url)
    try:
        snapshot = reflect(engine)
    finally:
        engine.dispose()
    with psycopg.connect(**sqlscript.connect_kwargs(url)) as conn:
        assert copy_frame(conn, snapshot.table("fast"), frame) == len(frame)
        conn.commit()
        return conn.execute("SELECT * FROM fast ORDER BY id").fetchall()


UTC = dt.timezone.utc
EXPECTED = [
    (1, 1, 2**40, 0.1, Decimal("12.34"), True, True, dt.datetime(2020, 1, 1, 0, 0, 1, 500000), dt.datetime(2020, 1, 1, 8, tzinfo=UTC),
     dt.date(2020, 1, 1), "tab\there", "a", b"\x00\x01", {"a": 1}, [1, 2], uuid.UUID(int=0), dt.timedelta(seconds=1.5), dt.time(0, 0)),
    (2, None, 1, None, Decimal("0.00"), False, None, None, None, None, "new\nline", "b", None, None, None, uuid.UUID(int=1), None,
     dt.time(1, 0, 0, 500000)),
    (3, -3, 2, 1e-7, None, True, False, dt.datetime(1999, 12, 31, 23, 59, 59), dt.datetime(2001, 1, 1, tzinfo=UTC), dt.date(1999, 12, 31),
     "back\\slash", None, b"abc", {"t": "x\ty"}, [], None, dt.timedelta(hours=1), None),
    (4, 4, 3, -2.5, Decimal("99999999.99"), False, None, dt.datetime(2020, 2, 29), dt.datetime(2020, 6, 1, 17, 30, tzinfo=UTC),
     dt.date(2000, 2, 29), "\\N", "a", b"\\", {}, [3], uuid.UUID(int=3), dt.timedelta(0), dt.time(23, 59, 59)),
    (5, 5, 4, 1e20, Decimal("-1.50"), True, True, dt.datetime(1970, 1, 1), dt.datetime(1990, 1, 1, tzinfo=UTC), dt.date(1970, 1, 1),
     None, "c", b"", {"n": [1, 2]}, [4, 5, 6], uuid.UUID(int=4), dt.timedelta(days=3), dt.time(0, 0, 12, 250000)),
    (6, 6, -5, 3.0, Decimal("7.10"), False, None, dt.datetime(2038, 1, 19, 3, 14, 8, 1), dt.datetime(2020, 1, 1, tzinfo=UTC),
     dt.date(2024, 12, 31), 'quote " é ✓', "b", b"z", {"s": "already text"}, [7], uuid.UUID(int=5), dt.timedelta(seconds=2), dt.time(0, 1)),
]


def test_copy_text_loads_every_value_as_itself(fresh_db: Callable[..., str]) -> None:
    """Tabs, newlines, backslashes, a text that is exactly \\N, NULLs of every type, bytes, JSON, arrays, times."""
    rows = _loaded(fresh_db("copytext"), tricky_frame())
    assert len(rows) == len(EXPECTED)
    for got, want in zip(rows, EXPECTED):
        assert got == want, [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]


def test_chunks_all_arrive(fresh_db: Callable[..., str]) -> None:
    from provisioner.load import copyio as copyload

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
