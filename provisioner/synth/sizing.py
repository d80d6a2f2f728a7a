"""Before sampling: how many rows and how much memory a run would take, refused when too much.

Two guards, both before a single row is made (so ``--scale 1e9`` stops at once):

* rows: the estimate of every table's rows (:func:`provisioner.synth.shards.estimate_rows`)
  must not exceed ``max_rows`` (``--max-rows``, YAML ``max_rows``; default one billion);
* memory: tables made in memory (every table for ``sample``/``check``; the tables not
  streamed for ``load``/``provision``) must fit in the memory available now, with a
  margin for the copies that repairs make.

Either failure is a :class:`~provisioner.errors.ConfigError` (exit 2) naming the estimate,
the largest tables and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from provisioner.config import Config
from provisioner.errors import ConfigError
from provisioner.model.bundle import ModelBundle
from provisioner.schema.snapshot import TEXT_KINDS, Table
from provisioner.synth import shards

WORKING_COPIES = 3.0  # a frame, its repaired copy and the COPY text of it
OBJECT_OVERHEAD = 56  # bytes of a Python str beyond its characters
MEMORY_SHARE = 0.8  # of the memory available now


def row_bytes(table: Table, mean_lengths: Mapping[str, float | None]) -> float:
    """Bytes one row of ``table`` takes in a pandas frame (an estimate)."""
    total = 0.0
    for col in table.columns:
        if col.kind in TEXT_KINDS or col.kind in ("json", "jsonb", "array", "uuid", "bytea", "enum") or col.kind not in _FIXED:
            total += 8 + OBJECT_OVERHEAD + float(mean_lengths.get(col.name) or col.max_length or 16)
        else:
            total += 8
    return total


_FIXED = frozenset({"smallint", "integer", "bigint", "numeric", "real", "double", "boolean", "date", "timestamp",
                    "timestamptz", "time", "interval"})


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``, else physical memory); None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} PiB"


def _largest(rows: Mapping[str, float], keys: Iterable[str] | None = None, n: int = 3) -> str:
    picked = sorted(((rows[k], k) for k in (keys if keys is not None else rows)), reverse=True)[:n]
    return ", ".join(f"{k} {count(r)}" for r, k in picked if r)


def count(n: float) -> str:
    """``1,234,567`` up to a quadrillion, ``1.79e+300`` beyond."""
    return f"{n:,.0f}" if n < 1e15 else f"{n:.3g}"


def check_source_rows(row_counts: Mapping[str, int], config: Config) -> None:
    """The quick guard before training: the source's rows times the scale against ``max_rows``."""
    total = sum(_scaled(row_counts, config).values())
    if total > config.max_rows:
        raise ConfigError(_too_many(total, config.max_rows, "largest source tables, scaled: " + _largest(_scaled(row_counts, config))))


def _scaled(row_counts: Mapping[str, int], config: Config) -> dict[str, float]:
    return {k: max(n, 0) * (config.table(k).scale or config.scale) if config.table(k).rows is None
            else float(config.table(k).rows or 0) for k, n in row_counts.items()}


def _quick_rows(bundle: ModelBundle, config: Config) -> dict[str, float]:
    """Rows per table from the config and the source's sizes alone (children as their own source rows times the scale)."""
    out: dict[str, float] = {}
    for key, model in bundle.tables.items():
        tconf = config.table(key)
        if tconf.rows is not None:
            out[key] = float(tconf.rows)
        elif model.method == "copy" and model.rows is not None:
            out[key] = float(len(model.rows))
        elif model.method != "skip":
            out[key] = float(model.source_rows) * (tconf.scale if tconf.scale is not None else config.scale)
    return out


def _too_many(total: float, limit: int, largest: str) -> str:
    return (f"this run would make about {count(total)} rows ({largest}), more than the "
            f"--max-rows guard ({limit:,}); lower --scale or tables.<name>.rows, or raise --max-rows if you mean it")


def check(
    bundle: ModelBundle, config: Config, streamed: Iterable[str] = (), *, what: str = "sampling",
    memory: int | None = -1,
) -> dict[str, int]:
    """The estimated rows per table; refuses a run above ``config.max_rows`` or the memory available."""
    quick = _quick_rows(bundle, config)  # floats first: a scale of 1e300 must not overflow an integer estimate
    if sum(quick.values()) > config.max_rows:
        raise ConfigError(_too_many(sum(quick.values()), config.max_rows, "largest: " + _largest(quick)))
    rows = shards.estimate_rows(bundle, config)
    total = sum(rows.values())
    if total > config.max_rows:
        raise ConfigError(_too_many(total, config.max_rows, "largest: " + _largest(rows)))
    streamed = set(streamed)
    held = [k for k in rows if k not in streamed]
    need = WORKING_COPIES * sum(
        rows[k] * row_bytes(bundle.snapshot.table(k), {c: s.mean_length for c, s in bundle.tables[k].stats.items()})
        for k in held
    )
    limit = available_memory() if memory == -1 else memory
    if limit is not None and need > MEMORY_SHARE * limit:
        held_rows = sum(rows[k] for k in held)
        fix = ("pass --stream to sample and load shard by shard (flat memory), " if what != "sampling" else "")
        raise ConfigError(
            f"{what} would hold about {human(need)} in memory ({held_rows:,} rows in memory; largest: {_largest(rows, held)}), "
            f"more than the {human(limit)} available; {fix}lower --scale or tables.<name>.rows, or set --max-rows to stop earlier"
        )
    return rows
