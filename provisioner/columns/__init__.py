"""Column models: one file per model, one registry.

    REGISTRY            name -> model class (gaussian_copula, ctgan)
    get(name)           the class, or a ConfigError naming the known models
    fit(...), sample()  a table's model plus the rules learnt around it (table.py)

To add a model: write a class with the :class:`~provisioner.columns.base.ColumnModel`
protocol in its own file here and add it to ``REGISTRY``. Its name becomes a valid
``train.model`` / ``tables.<name>.model`` value; ``conditional`` and ``iterative``
decide how training and sampling treat it.
"""

from __future__ import annotations

from provisioner.columns.base import ColumnModel, FitSettings
from provisioner.columns.copula import CopulaModel
from provisioner.columns.ctgan import CtganModel
from provisioner.errors import ConfigError

REGISTRY: dict[str, type[ColumnModel]] = {model.name: model for model in (CopulaModel, CtganModel)}  # type: ignore[misc]
SMALL_TABLES = CopulaModel.name  # ``auto`` below train.gan_min_rows rows
LARGE_TABLES = CtganModel.name  # ``auto`` from train.gan_min_rows rows
CHEAPEST = CopulaModel.name  # what a table gets when its time budget is too small for an iterative model


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def get(name: str) -> type[ColumnModel]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown column model {name!r}; known models: {', '.join(REGISTRY)}") from None


def is_model(method: str) -> bool:
    """Whether a table's method is a column model (not copy, generate, keys or skip)."""
    return method in REGISTRY


__all__ = ["REGISTRY", "ColumnModel", "FitSettings", "get", "is_model", "names"]
