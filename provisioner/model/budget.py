"""A wall-clock budget for ``train``: rows, epochs and a deadline per GAN table.

``train.time_budget`` (``--time-budget 5m``) bounds the whole ``train`` run.
Reading the source and fitting the copulas take what they take (seconds);
what is left, less a reserve and the pool's start-up, is shared among the
CTGAN tables in proportion to their work (rows x output width): no share
above one worker's time, and all of them scaled so that they pack onto the
workers longest first (:func:`allot`). Each table then gets:

* a row count that fits its share at a conservative throughput estimate
  (:func:`rate`: row-epochs per second on one core of this project's 2-core
  CPU, falling with the width of CTGAN's encoding): rows shrink, down to
  ``MIN_ROWS``, so that at least ``MIN_EPOCHS`` epochs fit. It never exceeds
  the configured ``row_cap``;
* a hard deadline: CTGAN runs up to the configured epochs and stops after the
  last epoch that finishes before it (:func:`provisioner.columns.ctgan.deadline_epochs`), so a slower
  machine than estimated trains fewer epochs instead of overrunning, and a
  faster one uses its share for more;
* the copula instead of CTGAN when not even ``MIN_ROWS`` rows x 1 epoch fits.

The fits start as workers free up (``executor.fit_all``), each with its share
or, when larger, the time the still-queued tables leave over.

With a budget, the number of epochs trained depends on the machine's speed,
so two trainings of one source may differ; the bundle records the epochs each
table got (``epochs_trained`` in the report), and sampling a given bundle stays
deterministic.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Any

BASE_RATE = 20000.0  # row-epochs/s of a narrow CTGAN on one core here (TPC-H, 2 workers: orders ~12k/s, part ~4.8k/s)
WIDTH_HALF = 20.0  # output dims at which the rate halves
MIN_ROWS = 1000
MIN_EPOCHS = 25
RESERVE = 0.08  # of what is left, kept for returning the models from the workers (~2 s here) and building the bundle
RESERVE_SECONDS = 3.0  # ... and at least this
POOL_STARTUP_SECONDS = 6.0  # a spawned worker imports torch and SDV before its first fit
FIXED_SECONDS_PER_1K_ROWS = 0.25  # the transformer fit (one Gaussian mixture per numeric column)

@dataclasses.dataclass(frozen=True)
class Allotment:
    """What one table gets under the budget."""

    table: str
    rows: int
    epochs: int  # expected to fit; the fit may run up to the configured epochs until its deadline
    seconds: float  # its deadline, relative to the start of its fit
    fits: bool  # False: not even MIN_ROWS rows x 1 epoch fit, so the table gets the cheapest model instead


def usable_seconds(remaining: float) -> float:
    """What the fits may use of ``remaining`` seconds."""
    return max(remaining - max(remaining * RESERVE, RESERVE_SECONDS), 0.0)


def rate(width: int) -> float:
    """Estimated CTGAN row-epochs per second for an encoding ``width`` dims wide."""
    return BASE_RATE / (1 + width / WIDTH_HALF)


def encoded_width(frame: Any, columns: Iterable[str], categorical: Iterable[str]) -> int:
    """CTGAN's output width, roughly: a category per distinct value, ~6 dims per numeric column."""
    cats = set(categorical)
    return sum(min(int(frame[c].nunique()), 100) if c in cats else 6 for c in columns)


def allot(
    work: Sequence[tuple[str, int, int, int]], remaining: float, workers: int, startup: float = 0.0,
) -> list[Allotment]:
    """Share ``remaining`` seconds among ``work`` = (table, rows, max epochs, output width) tuples,
    fitted by ``workers`` side by side, each of which needs ``startup`` seconds first."""
    if not work:
        return []
    usable = max(usable_seconds(remaining) - startup, 0.0)
    parallel = max(1, min(workers, len(work)))
    shares = _water_fill({name: rows * max(width, 1) for name, rows, _, width in work}, usable * parallel, usable)
    span = _makespan(list(shares.values()), parallel)
    if span > usable > 0:  # the shares do not pack onto the workers: shrink them all alike
        shares = {k: v * usable / span for k, v in shares.items()}
    return [_fit_share(name, rows, max_epochs, shares[name], rate(width)) for name, rows, max_epochs, width in work]


def _makespan(durations: list[float], workers: int) -> float:
    """When the last of ``durations`` ends, longest first onto the least busy worker (as the pool runs them)."""
    busy = [0.0] * workers
    for duration in sorted(durations, reverse=True):
        busy[busy.index(min(busy))] += duration
    return max(busy)


def _water_fill(weights: dict[str, float], capacity: float, cap: float) -> dict[str, float]:
    """Split ``capacity`` in proportion to ``weights``, no share above ``cap`` (one worker's time);
    what a capped share cannot use goes to the others."""
    shares: dict[str, float] = {}
    left = dict(weights)
    while left:
        total = sum(left.values()) or 1.0
        room = capacity - sum(shares.values())
        over = {k for k, w in left.items() if room * w / total >= cap}
        if not over:
            shares.update({k: room * w / total for k, w in left.items()})
            break
        shares.update({k: cap for k in over})
        left = {k: w for k, w in left.items() if k not in over}
    return shares


def _fit_share(name: str, rows: int, max_epochs: int, seconds: float, table_rate: float) -> Allotment:
    """Rows r and epochs e with ``r * (fixed + e / rate) <= seconds``: rows shrink first (to keep MIN_EPOCHS)."""
    fixed = FIXED_SECONDS_PER_1K_ROWS / 1000  # per row kept: the transformer fit
    floor_rows = min(rows, MIN_ROWS)
    if seconds < floor_rows * (fixed + 1 / table_rate):
        return Allotment(name, rows, 0, seconds, False)
    keep = min(rows, max(floor_rows, int(seconds / (fixed + MIN_EPOCHS / table_rate))))
    expected = max(1, min(max_epochs, math.floor((seconds - fixed * keep) * table_rate / keep)))
    return Allotment(name, keep, expected, seconds, True)
