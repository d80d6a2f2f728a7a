"""COPY a frame into a table: the one path ``load`` and the streaming loader share.

Rows go as COPY text (:mod:`provisioner.pg.copytext`). Formatting a chunk (pandas, holds the GIL for most of it) and sending the
previous chunk (psycopg's ``copy.write``, which releases the GIL while the socket
and the server work) overlap: a single worker thread formats chunk N+1 while
the caller's thread writes chunk N.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pandas as pd
from psycopg import sql

from provisioner.load.copytext import copy_statement, to_copy_text
from provisioner.schema.snapshot import Column, Table

CHUNK_ROWS = 50_000


def chunks(frame: pd.DataFrame, rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), rows):
        yield frame.iloc[start:start + rows]


def _format(frame: pd.DataFrame, table: Table) -> tuple[int, bytes]:
    return len(frame), to_copy_text(frame, table)


def formatted(frames: Iterable[pd.DataFrame], table: Table) -> Iterator[tuple[int, bytes]]:
    """(rows, CSV bytes) of each frame; the next one is formatted in a thread while the caller sends this one."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="copyfmt") as pool:
        pending: Future[tuple[int, bytes]] | None = None
        for frame in frames:
            nxt = pool.submit(_format, frame, table)
            if pending is not None:
                yield pending.result()
            pending = nxt
        if pending is not None:
            yield pending.result()


def copy_frames(
    raw: Any, table: Table, columns: list[str], frames: Iterable[pd.DataFrame], target: sql.Composable | None = None,
    record: Callable[[int, bytes], None] | None = None,
) -> int:
    """COPY every frame (same ``columns``) through one psycopg connection ``raw``; rows sent. ``record`` is
    handed each chunk's rows and COPY text as it is sent (rowcache.py keeps them)."""
    return _send(raw, copy_statement(target or table.ident, columns), formatted(frames, table), record)


def _send(raw: Any, statement: sql.Composable, chunks: Iterable[tuple[int, Any]], record: Callable[[int, bytes], None] | None = None) -> int:
    """Run the COPY ``statement`` and write each (rows, COPY text) chunk; rows sent."""
    sent = 0
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for rows, data in chunks:
            copy.write(data)
            sent += rows
            if record is not None:
                record(rows, data)
    return sent


def copy_frame(
    raw: Any, table: Table, frame: pd.DataFrame, target: sql.Composable | None = None, record: Callable[[int, bytes], None] | None = None,
) -> int:
    """COPY one frame in chunks of :data:`CHUNK_ROWS`."""
    if frame.empty:
        return 0
    return copy_frames(raw, table, list(frame.columns), chunks(frame), target, record)


def copy_text(raw: Any, table: Table, columns: Sequence[str], data: bytes) -> None:
    """COPY rows already in COPY text (a rows cache's, rowcache.py) in slices of a few MiB."""
    view = memoryview(data)
    _send(raw, copy_statement(table.ident, columns), ((0, view[start:start + (4 << 20)]) for start in range(0, len(data), 4 << 20)))


def copy_into_temp(raw: Any, name: str, columns: Sequence[Column], frame: pd.DataFrame) -> sql.Identifier:
    """A temporary table ``name`` (dropped at commit) with ``columns`` (their types), holding ``frame``'s rows."""
    ident = sql.Identifier(name)
    defs = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.type)) for c in columns)
    with raw.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
        cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(ident, defs))
    proxy = Table("pg_temp", name, tuple(columns))
    copy_frame(raw, proxy, frame[[c.name for c in columns]], ident)
    return ident
