"""Progress for people: bars on a terminal, plain log lines otherwise, silence with --quiet.
Every line is masked (:func:`provisioner.pg.urls.mask`): no password reaches a log, and
everything goes to stderr: ``--json`` keeps stdout to its one object.

Lives outside the core: the core only knows :class:`provisioner.progress.Progress`.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from provisioner.pg import urls
from provisioner.progress import Epoch, Progress

T = TypeVar("T")

EPOCH_INTERVAL = 2.0  # log lines: at most one epoch line per table in this many seconds (plus the first and last)
ITEM_INTERVAL = 1.0  # log lines: at most one "step k/n" line in this many seconds, unless an item was slow


def item_name(item: object) -> str:
    """What a step is working on, for a person: a table's key, never a value."""
    if isinstance(item, str):
        return item
    if isinstance(item, tuple) and item and isinstance(item[0], str):
        return item[0]
    for attr in ("key", "name"):
        if isinstance(getattr(item, attr, None), str):
            return getattr(item, attr)
    return ""


class LineProgress(Progress):
    """Plain, timestamped lines on stderr (CI logs, pipes)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self._epoch_lines: dict[str, float] = {}
        self._lock = threading.Lock()

    def _emit(self, text: str) -> None:
        with self._lock:
            print(f"[{time.perf_counter() - self.started:7.1f}s] {urls.mask(text)}", file=sys.stderr, flush=True)

    def stage(self, name: str, detail: str = "") -> None:
        self._emit(f"{name} ..." + (f" {detail}" if detail else ""))

    def done(self, name: str, seconds: float, detail: str = "") -> None:
        self._emit(f"{name} done in {seconds:.1f}s" + (f" ({detail})" if detail else ""))

    def info(self, message: str) -> None:
        self._emit(message)

    def epoch(self, tick: Epoch) -> None:
        now = time.perf_counter()
        last = self._epoch_lines.get(tick.table)
        if tick.done in (1, tick.epochs) or last is None or now - last >= EPOCH_INTERVAL:
            self._epoch_lines[tick.table] = now
            self._emit("train  " + tick.describe())

    def iter(self, items: Iterable[T], label: str, unit: str = "item", total: int | None = None) -> Iterator[T]:
        """A line as an item starts (``label k/n: name``), at most one a second; an item that took
        longer than that without a line of its own gets one when it ends."""
        seq = list(items)
        count, last = total or len(seq), float("-inf")
        for k, item in enumerate(seq, 1):
            began = time.perf_counter()
            said = began - last >= ITEM_INTERVAL
            if said:
                last = began
                self._emit(f"{label} {k}/{count} {unit}s: {item_name(item)}")
            yield item
            took = time.perf_counter() - began
            if not said and took >= ITEM_INTERVAL:
                last = time.perf_counter()
                self._emit(f"{label} {k}/{count} {unit}s: {item_name(item)} done in {took:.1f}s")


class BarProgress(LineProgress):
    """tqdm bars with ETA when stderr is a terminal; epochs update one line per table in place."""

    def __init__(self) -> None:
        super().__init__()
        self._bars: dict[str, Any] = {}

    def iter(self, items: Iterable[T], label: str, unit: str = "item", total: int | None = None) -> Iterator[T]:
        from tqdm import tqdm

        seq = list(items)
        yield from tqdm(seq, desc=label, unit=unit, total=total or len(seq), file=sys.stderr, leave=False)

    def info(self, message: str) -> None:
        from tqdm import tqdm

        tqdm.write(urls.mask(message), file=sys.stderr)

    def epoch(self, tick: Epoch) -> None:
        from tqdm import tqdm

        with self._lock:
            bar = self._bars.get(tick.table)
            if bar is None:
                bar = self._bars[tick.table] = tqdm(total=tick.epochs, bar_format="{desc}", file=sys.stderr, leave=False)
            bar.set_description_str(urls.mask("train  " + tick.describe()))
            if tick.done >= tick.epochs:
                bar.close()
                del self._bars[tick.table]


def make_progress(quiet: bool = False) -> Progress:
    if quiet:
        return Progress()
    return BarProgress() if sys.stderr.isatty() else LineProgress()
