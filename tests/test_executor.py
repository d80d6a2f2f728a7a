"""The executor seam: the same models and shards whichever executor made them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from provisioner.columns import table as column_models
from provisioner.columns.copula import CopulaModel
from provisioner.errors import ConfigError
from provisioner.model.executor import (
    FitJob,
    LocalExecutor,
    SerialExecutor,
    fit_all,
    make_executor,
)
from provisioner.schema.snapshot import Column


def _jobs() -> list[FitJob]:
    rng = np.random.default_rng(0)
    jobs = []
    for i, name in enumerate(("orders", "payments", "visits")):
        frame = pd.DataFrame({"amount": rng.lognormal(3, 1, 300 + 100 * i), "kind": rng.choice(["a", "b", "c"], 300 + 100 * i)})
        columns = {"amount": Column("amount", "numeric(10,2)", "numeric", scale=2), "kind": Column("kind", "text", "text")}
        jobs.append(FitJob(name, CopulaModel.name, frame, columns, epochs=1, batch_size=500, seed=100 + i))
    return jobs


def test_local_pool_fits_what_serial_fits() -> None:
    jobs = _jobs()
    serial = fit_all(SerialExecutor(), jobs)
    pool = LocalExecutor(workers=2)
    try:
        parallel = fit_all(pool, jobs)
    finally:
        pool.close()
    assert set(serial) == set(parallel) == {"orders", "payments", "visits"}
    for job in jobs:
        a = column_models.sample(serial[job.table], 200, job.columns, seed=9)
        b = column_models.sample(parallel[job.table], 200, job.columns, seed=9)
        pd.testing.assert_frame_equal(a, b)


def test_unknown_executor_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown executor"):
        make_executor("threads")


def test_ray_executor_fits_what_serial_fits() -> None:
    ray = pytest.importorskip("ray")
    jobs = _jobs()[:2]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        parallel = fit_all(make_executor("ray"), jobs)
    finally:
        ray.shutdown()
    serial = fit_all(SerialExecutor(), jobs)
    for job in jobs:
        pd.testing.assert_frame_equal(
            column_models.sample(serial[job.table], 100, job.columns, seed=3), column_models.sample(parallel[job.table], 100, job.columns, seed=3)
        )
