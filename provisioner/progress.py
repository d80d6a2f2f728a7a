"""Progress reporting: an interface the core calls and the CLI implements.

The core never prints. It reports steps through a :class:`Progress`; the CLI
supplies one that draws bars on a terminal, logs plain lines otherwise, or
stays silent with ``--quiet``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Progress:
    """Silent base implementation; subclasses override what they show."""

    def stage(self, name: str, detail: str = "") -> None:
        """A pipeline stage starts."""

    def done(self, name: str, seconds: float, detail: str = "") -> None:
        """A pipeline stage finished."""

    def info(self, message: str) -> None:
        """A one-line note worth showing (never source values)."""

    def iter(self, items: Iterable[T], label: str, unit: str = "item", total: int | None = None) -> Iterator[T]:
        """Iterate ``items`` while reporting advance; the silent version just yields."""
        yield from items


silent = Progress()
