"""Progress reporting: an interface the core calls and the CLI implements.

The core never prints. It reports steps through a :class:`Progress`; the CLI
supplies one that draws bars on a terminal, logs plain lines otherwise, or
stays silent with ``--quiet``.

Iterative fits (CTGAN) report every epoch as an :class:`Epoch`, from this
process or from a pool's workers (:func:`provisioner.model.executor.reporting`
carries them back); the CLI rate-limits what it shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Epoch:
    """One epoch of one table's iterative fit ended: ``done`` of ``epochs`` (the epochs it will train,
    fewer than asked when a time limit stops it), ``seconds`` since its first epoch began."""

    table: str
    method: str
    done: int
    epochs: int
    seconds: float

    @property
    def eta(self) -> float:
        """Seconds left, at the mean pace of the epochs so far."""
        return self.seconds / max(self.done, 1) * max(self.epochs - self.done, 0)

    def describe(self) -> str:
        label = "CTGAN" if self.method == "ctgan" else self.method
        return f"{self.table}: {label} epoch {self.done}/{self.epochs}, ETA {self.eta:.0f} s"


class Progress:
    """Silent base implementation; subclasses override what they show."""

    def stage(self, name: str, detail: str = "") -> None:
        """A pipeline stage starts."""

    def done(self, name: str, seconds: float, detail: str = "") -> None:
        """A pipeline stage finished."""

    def info(self, message: str) -> None:
        """A one-line note worth showing (never source values)."""

    def epoch(self, tick: Epoch) -> None:
        """An epoch of a table's iterative fit ended (possibly in another process)."""

    def iter(self, items: Iterable[T], label: str, unit: str = "item", total: int | None = None) -> Iterator[T]:
        """Iterate ``items`` while reporting advance; the silent version just yields."""
        yield from items


silent = Progress()
