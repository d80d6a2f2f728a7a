"""Where per-table work runs: in this process, on a local process pool, or on Ray.

The seam is one method, ``map(fn, items) -> list``, with ``fn`` a module-level
function (so it pickles) and results in input order. Determinism never depends
on the executor: every job carries its own seed (``train.table_seed``), so a
table's model, or shard ``k`` of a table, is the same whichever worker made it.

    fit_all(executor, jobs)                    independent per-table fits
    executor.map / imap(make_shard, jobs)      shards of streamed tables (synth.shards), each seeded by its number

``LocalExecutor`` (the default) uses ``spawn`` processes: CTGAN's torch state and
fork do not mix. Each worker pays the SDV/torch import once (seconds), so it
pays off for fits of many seconds, not for tiny tables. A worker watches the
process that started it and ends itself as soon as that process is gone (killed,
crashed): no orphan keeps training. ``RayExecutor`` needs
the optional extra (``pip install provisioner[ray]``).

Progress of fits (:func:`reporting`): a fit posts where it starts, each epoch of an
iterative model (:class:`provisioner.progress.Epoch`) and where it ends to this
process's sink. In this process the sink calls the ``Progress`` directly; in a
local pool's worker it writes to a queue the pool was started with, which a
thread of the parent drains into the ``Progress``; a Ray task posts to a Ray queue (an actor) that a
thread of the driver drains the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pandas as pd

from provisioner import columns as registry
from provisioner.columns.base import FitSettings
from provisioner.columns.table import Fitted, fit
from provisioner.errors import ConfigError, WorkerDied
from provisioner.progress import Epoch, Progress
from provisioner.schema.snapshot import Column

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Everything in this process, in order."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(item) for item in items]

    def close(self) -> None:
        pass


class LocalExecutor:
    """A pool of ``workers`` spawned processes (default: one per core). Its workers post their fits'
    progress to one queue, which a thread of this process drains into ``listener``."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._ticks: Any = None
        self._flushed = threading.Event()
        self.listener: Callable[[object], None] = _ignore

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if len(items) <= 1 or self.workers == 1:
            return [fn(item) for item in items]
        with worker_deaths(self.workers):
            return list(self._started().map(fn, items))

    def imap(self, fn: Callable[[T], R], items: Sequence[T], ahead: int | None = None) -> Iterator[R]:
        """Results in order, as they come, with up to ``ahead`` jobs (default workers + 1) in flight:
        the caller works on result k (a COPY) while the pool makes the next ones."""
        pool, window = self._started(), ahead or self.workers + 1
        pending = [pool.submit(fn, item) for item in items[:window]]
        for i in range(len(items)):
            with worker_deaths(self.workers):
                result = pending[i].result()
            if i + window < len(items):
                pending.append(pool.submit(fn, items[i + window]))
            pending[i] = None  # type: ignore[call-overload]  # let the shard go once it is handed over
            yield result

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            threads = max(1, (os.cpu_count() or 1) // self.workers)
            context = multiprocessing.get_context("spawn")
            self._ticks = context.SimpleQueue()  # put() writes at once: a fit's last epoch arrives before its result
            threading.Thread(target=self._drain, args=(self._ticks,), name="provisioner-fit-progress", daemon=True).start()
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_start_worker, initargs=(threads, os.getpid(), self._ticks)
            )
        return self._pool

    def _drain(self, ticks: Any) -> None:
        while (tick := ticks.get()) is not None:
            if tick == _FLUSH:
                self._flushed.set()
                continue
            with contextlib.suppress(Exception):  # progress never breaks a fit
                self.listener(tick)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until the progress the workers posted so far has reached ``listener``."""
        if self._ticks is not None:
            self._flushed.clear()
            self._ticks.put(_FLUSH)
            self._flushed.wait(timeout)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)  # results are in; workers exit on their own (~1.3 s saved)
            self._pool = None
            self._ticks.put(None)


def _ignore(_: object) -> None:
    pass


_FLUSH = "\x00flush"


_sink: Callable[[object], None] | None = None  # where fits in this process post their progress (reporting, _start_worker)


def _start_worker(threads: int, parent: int, ticks: Any = None) -> None:
    global _sink
    watch_parent(parent)
    _share_cores(threads)
    if ticks is not None:
        _sink = ticks.put


PARENT_POLL_SECONDS = 0.2


def watch_parent(parent: int, interval: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """End this process as soon as ``parent`` is no longer its parent (it died and the worker was
    re-parented): a daemon thread polls, so a worker in the middle of a fit stops within ``interval``."""

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(3)

    thread = threading.Thread(target=watch, name="provisioner-parent-watch", daemon=True)
    thread.start()
    return thread


def _share_cores(threads: int) -> None:
    """Each pool worker gets its share of the cores: torch's default (all cores per process)
    oversubscribes them, and its spin-waiting threads made epochs several times slower.
    Workers ignore Ctrl-C: the main process ends them (cli/guard.py) and exits 130 at once."""
    import signal

    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    torch.set_num_threads(threads)


class RayExecutor:
    """The same jobs as Ray tasks, on the cluster at ``address`` (``None``: a local Ray)."""

    def __init__(self, address: str | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError("--executor ray needs Ray: pip install 'provisioner[ray]'") from None
        self._ray = ray
        if not ray.is_initialized():
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)

        self.listener: Callable[[object], None] = _ignore

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self.listener is _ignore:
            remote = self._ray.remote(fn)
            return list(self._ray.get([remote.remote(item) for item in items]))
        from ray.util.queue import Queue

        ticks, done = Queue(), threading.Event()
        drain = threading.Thread(target=_drain_ray, args=(ticks, done, self.listener), name="provisioner-ray-progress", daemon=True)
        drain.start()
        try:
            remote = self._ray.remote(_posting)
            return list(self._ray.get([remote.remote(ticks, fn, item) for item in items]))
        finally:
            done.set()
            drain.join(timeout=5.0)
            ticks.shutdown()

    def close(self) -> None:
        pass


def _posting(ticks: Any, fn: Callable[[T], R], item: T) -> R:
    """A Ray task: ``fn(item)`` with its progress posted to the driver's queue (an actor)."""
    global _sink
    previous, _sink = _sink, ticks.put
    try:
        return fn(item)
    finally:
        _sink = previous


def _drain_ray(ticks: Any, done: threading.Event, listener: Callable[[object], None]) -> None:
    """Hand the ticks Ray tasks posted to ``listener`` until ``done`` is set and the queue is empty."""
    from ray.util.queue import Empty

    while True:
        try:
            tick = ticks.get(timeout=0.2)
        except Empty:
            if done.is_set():
                return
            continue
        with contextlib.suppress(Exception):  # progress never breaks a fit
            listener(tick)


def workers_of(executor: Executor) -> int:
    """How many fits run side by side (for sharing a time budget)."""
    if isinstance(executor, LocalExecutor):
        return executor.workers
    if isinstance(executor, RayExecutor):
        return max(1, int(executor._ray.cluster_resources().get("CPU", 1)))
    return 1


def make_executor(name: str = "local", workers: int | None = None, ray_address: str | None = None) -> Executor:
    if name == "local":
        return LocalExecutor(workers)
    if name == "serial":
        return SerialExecutor()
    if name == "ray":
        return RayExecutor(ray_address)
    raise ConfigError(f"unknown executor {name!r}; choose local, serial or ray")


@dataclass(frozen=True)
class FitJob:
    """One table's SDV fit, with everything it needs (the seed included)."""

    table: str
    method: str
    frame: pd.DataFrame
    columns: Mapping[str, Column]
    epochs: int
    batch_size: int
    seed: int
    time_limit: float | None = None  # seconds from the start of the fit (train.time_budget)
    deadline: float | None = None  # and never past this time.time() (the end of the whole budget)


@dataclass(frozen=True)
class FitEvent:
    """A table's fit started (``seconds`` None) or ended, as posted to the sink."""

    table: str
    method: str
    seconds: float | None = None

    def describe(self) -> str:
        if self.seconds is None:
            return f"{self.table}: fitting {self.method}"
        return f"{self.table}: {self.method} fitted in {self.seconds:.1f}s"


def fit_one(job: FitJob) -> Fitted:
    limit = job.time_limit
    if job.deadline is not None:
        limit = min(limit if limit is not None else float("inf"), job.deadline - time.time())
    sink, iterative = _sink, registry.get(job.method).iterative
    if sink is None:
        return fit(job.method, job.frame, job.columns, FitSettings(job.epochs, job.batch_size, job.seed, limit))

    def on_epoch(done: int, epochs: int, seconds: float) -> None:
        sink(Epoch(job.table, job.method, done, epochs, seconds))

    if iterative:
        sink(FitEvent(job.table, job.method))
    fitted = fit(job.method, job.frame, job.columns, FitSettings(job.epochs, job.batch_size, job.seed, limit, on_epoch))
    if iterative or fitted.seconds >= SLOW_FIT_SECONDS:
        sink(FitEvent(job.table, job.method, fitted.seconds))
    return fitted


SLOW_FIT_SECONDS = 1.0  # a fit that is not iterative is announced when it ends, if it took this long


@contextlib.contextmanager
def reporting(executor: Executor, progress: Progress) -> Iterator[None]:
    """While the block runs, fits in this process and in a local pool's workers report to ``progress``:
    epochs to :meth:`Progress.epoch`, a fit's start and end to :meth:`Progress.info`."""
    global _sink

    def listen(tick: object) -> None:
        if isinstance(tick, Epoch):
            progress.epoch(tick)
        elif isinstance(tick, FitEvent):
            progress.info(tick.describe())

    previous, _sink = _sink, listen
    if isinstance(executor, (LocalExecutor, RayExecutor)):
        executor.listener = listen
    try:
        yield
    finally:
        _sink = previous
        if isinstance(executor, LocalExecutor):
            executor.flush()
        if isinstance(executor, (LocalExecutor, RayExecutor)):
            executor.listener = _ignore


def fit_all(executor: Executor, jobs: Sequence[FitJob]) -> dict[str, Fitted]:
    """Fit independent tables side by side; the biggest first so the pool drains evenly
    (under a time budget, the longest allotment first, as budget.allot packed them)."""
    ordered = sorted(jobs, key=lambda j: (j.time_limit or 0.0, len(j.frame) * j.epochs), reverse=True)
    if any(j.deadline is not None for j in ordered) and isinstance(executor, (LocalExecutor, SerialExecutor)):
        return _fit_in_time(executor, ordered)
    return {job.table: fitted for job, fitted in zip(ordered, executor.map(fit_one, ordered))}


def _fit_in_time(executor: LocalExecutor | SerialExecutor, ordered: list[FitJob]) -> dict[str, Fitted]:
    """Start each budgeted fit when a worker is free, with its share or, when larger, what is
    left over: the time every worker still has before the deadline (a busy one from the end of
    its current fit), less what the queued fits need (work-conserving)."""
    workers = executor.workers if isinstance(executor, LocalExecutor) else 1
    queue, done = list(ordered), {}
    ends: dict[Any, float] = {}  # running fit -> when its limit runs out

    def start(job: FitJob) -> FitJob:
        if job.time_limit is None or job.deadline is None:
            return job
        now = time.time()
        capacity = (job.deadline - now) + sum(max(job.deadline - end, 0.0) for end in ends.values())
        spare = capacity - sum(j.time_limit or 0.0 for j in queue)
        return dataclasses.replace(job, time_limit=min(max(job.time_limit, spare), job.deadline - now))

    if isinstance(executor, SerialExecutor) or workers == 1:
        while queue:
            job = queue.pop(0)
            done[job.table] = fit_one(start(job))
        return done
    pool, names = executor._started(), {}
    while queue or ends:
        while queue and len(ends) < workers:
            job = start(queue.pop(0))
            future = pool.submit(fit_one, job)
            names[future] = job.table
            ends[future] = time.time() + (job.time_limit or 0.0)
        finished, _ = wait(list(ends), return_when=FIRST_COMPLETED)
        for future in finished:
            ends.pop(future)
            with worker_deaths(workers, names[future]):
                done[names.pop(future)] = future.result()
    return done


@contextlib.contextmanager
def worker_deaths(workers: int, table: str | None = None) -> Iterator[None]:
    """A pool worker killed from outside (most often by the kernel, out of memory) as one clear line."""
    try:
        yield
    except BrokenProcessPool:
        where = f" while fitting table {table}" if table else ""
        raise WorkerDied(
            f"a worker process of the local pool ({workers} processes) was killed{where}, most often for lack of "
            "memory; rerun with train.executor: serial (--executor serial), or a smaller train.row_cap or batch_size"
        ) from None
