"""Sample the next tables while the current one is COPYed.

Sampling is Python and numpy in this process; a COPY is mostly the server's work in its own
process. :class:`Ahead` runs the row source in a thread that stays up to ``depth`` frames
ahead of the loader, so the two overlap on two cores instead of taking turns. It starts at
once, so the first tables are sampled while the schema is created. Tables come in the order of
``keys`` (the source's :meth:`~provisioner.synth.shards.RowSource.keys`), each followed by
``None``; an error of the source is raised in the loader's thread. The source is only touched
by that thread until it has made every table.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

import pandas as pd

from provisioner.synth.shards import RowSource

_DONE = object()


class Ahead:
    """(table, frame) pairs in ``keys`` order, a table's end marked by (table, None); :meth:`close` stops
    the thread (it ends by itself once every table is read)."""

    def __init__(self, source: RowSource, keys: Iterable[str], depth: int = 3) -> None:
        self.source, self.keys = source, keys
        self.queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self.stop = threading.Event()
        self.worker = threading.Thread(target=self._produce, name="provisioner-sample-ahead", daemon=True)
        self.worker.start()

    def _put(self, item: object) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _produce(self) -> None:
        try:
            for key in self.keys:
                for frame in self.source.frames(key):
                    self._put((key, frame))
                    if self.stop.is_set():
                        return
                self._put((key, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the loader's thread, which raises it
            self._put(exc)
        else:
            self._put(_DONE)

    def __iter__(self) -> Iterator[tuple[str, pd.DataFrame | None]]:
        while True:
            item = self.queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def close(self) -> None:
        self.stop.set()
        self.worker.join(timeout=5)


def frames_ahead(source: RowSource, keys: Iterable[str], depth: int = 3) -> Iterator[tuple[str, pd.DataFrame | None]]:
    """(table, frame) pairs in ``keys`` order, a table's end marked by (table, None)."""
    ahead = Ahead(source, keys, depth)
    try:
        yield from ahead
    finally:
        ahead.close()
