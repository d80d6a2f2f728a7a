"""Sample the next tables while the current one is COPYed.

Sampling is Python and numpy in this process; a COPY is mostly the server's work in its own
process. :func:`frames_ahead` runs the row source in a thread that stays up to ``depth`` frames
ahead of the loader, so the two overlap on two cores instead of taking turns. Tables still come
in load order, each followed by ``None``; an error of the source is raised in the loader's thread.
The source is only touched by that thread until it has made every table.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

import pandas as pd

from provisioner.synth.shards import RowSource

_DONE = object()


def frames_ahead(source: RowSource, keys: Iterable[str], depth: int = 3) -> Iterator[tuple[str, pd.DataFrame | None]]:
    """(table, frame) pairs in ``keys`` order, a table's end marked by (table, None)."""
    ahead: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for key in keys:
                for frame in source.frames(key):
                    put((key, frame))
                    if stop.is_set():
                        return
                put((key, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the loader's thread, which raises it
            put(exc)
        else:
            put(_DONE)

    worker = threading.Thread(target=produce, name="provisioner-sample-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item = ahead.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=5)
