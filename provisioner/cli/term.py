"""Progress for people: bars on a terminal, plain log lines otherwise, silence with --quiet.
Every line is masked (:func:`provisioner.pg.urls.mask`): no password reaches a log.

Lives outside the core: the core only knows :class:`provisioner.progress.Progress`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from provisioner.pg import urls
from provisioner.progress import Progress

T = TypeVar("T")


class LineProgress(Progress):
    """Plain, timestamped lines on stderr (CI logs, pipes)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def _emit(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f}s] {urls.mask(text)}", file=sys.stderr, flush=True)

    def stage(self, name: str, detail: str = "") -> None:
        self._emit(f"{name} ..." + (f" {detail}" if detail else ""))

    def done(self, name: str, seconds: float, detail: str = "") -> None:
        self._emit(f"{name} done in {seconds:.1f}s" + (f" ({detail})" if detail else ""))

    def info(self, message: str) -> None:
        self._emit(message)


class BarProgress(LineProgress):
    """tqdm bars with ETA when stderr is a terminal."""

    def iter(self, items: Iterable[T], label: str, unit: str = "item", total: int | None = None) -> Iterator[T]:
        from tqdm import tqdm

        seq = list(items)
        yield from tqdm(seq, desc=label, unit=unit, total=total or len(seq), file=sys.stderr, leave=False)

    def info(self, message: str) -> None:
        from tqdm import tqdm

        tqdm.write(urls.mask(message), file=sys.stderr)


def make_progress(quiet: bool = False) -> Progress:
    if quiet:
        return Progress()
    return BarProgress() if sys.stderr.isatty() else LineProgress()
