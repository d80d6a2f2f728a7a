"""CTGAN as a column model: fitted with SDV's ``ctgan`` package, kept and sampled as plain data.

Fitting is the ``ctgan`` package's own (``ctgan.CTGAN``, the model SDV's
``CTGANSynthesizer`` wraps), on values :mod:`provisioner.columns.codec` encoded:
numbers and datetimes as floats, every other column as category codes. A numeric
column with NULLs gets a discrete companion column saying which rows are NULL
(SDV's "missing value generation from column"), and its NULLs are trained as the
column's median.

What is kept is data, not objects: per column the Gaussian mixture modes CTGAN's
transformer found (means and standard deviations) or the categories, the
generator's weights, and the frequencies its condition vectors are drawn from.
:meth:`CtganModel.sample` runs the generator in numpy, exactly as CTGAN's
``sample`` does (residual layers with batch normalisation on the batch's own
statistics, tanh for mode-relative values, one draw per softmax span) and
inverts the transform: value = tanh output x 4 x the mode's standard deviation +
its mean. Sampling needs neither torch nor the ``ctgan`` package, and the same
seed gives the same rows.

A time limit stops training after the last epoch that ends within it
(:func:`deadline_epochs`); :attr:`CtganModel.epochs_trained` records how many ran.
After each epoch ``FitSettings.on_epoch`` hears (epochs done, epochs expected, seconds
since the first epoch began): the progress a person sees, with an ETA.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from provisioner.columns import codec
from provisioner.columns.base import FitSettings, quiet
from provisioner.errors import ConfigError
from provisioner.schema.snapshot import Column

STD_MULTIPLIER = 4.0  # rdt's ClusterBasedNormalizer: a mode-relative value of 1 is 4 standard deviations
_BN_EPS = 1e-5
_NULL = "\x00null"


@dataclass(frozen=True)
class _Span:
    """One column of CTGAN's output: ``continuous`` (tanh value + softmax over modes) or ``discrete`` (softmax)."""

    name: str  # the encoded column name ("c3", or "c3\x00null" for a NULL indicator)
    kind: str
    means: np.ndarray | None = None
    stds: np.ndarray | None = None
    categories: tuple[object, ...] = ()

    @property
    def width(self) -> int:
        return 1 + len(self.means) if self.kind == "continuous" else len(self.categories)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CtganModel:
    name: ClassVar[str] = "ctgan"
    conditional: ClassVar[bool] = False
    iterative: ClassVar[bool] = True

    columns: tuple[str, ...]  # learnt column names, in order; the encoded name of columns[i] is f"c{i}"
    spans: tuple[_Span, ...]
    layers: tuple[Mapping[str, np.ndarray], ...]  # residual layers: weight, bias, gamma, beta
    output: Mapping[str, np.ndarray]  # final linear layer: weight, bias
    embedding_dim: int
    cond_probs: np.ndarray  # probability of each condition-vector position (all discrete categories in order)
    batch_size: int
    bounds: Mapping[str, tuple[float, float]]  # numeric columns' training ranges: samples are folded back inside
    epochs: int

    @classmethod
    def fit(cls, frame: pd.DataFrame, columns: Mapping[str, Column], settings: FitSettings) -> CtganModel:
        started = time.monotonic()
        data = codec.encode(frame, columns)
        train, discrete, categories = _training_frame(data, columns)
        try:
            from ctgan import CTGAN
        except ImportError:
            raise ConfigError(
                "a table is set to CTGAN (tables of train.gan_min_rows rows or more are, by default), but CTGAN is not "
                "installed: pip install 'provisioner[train]', or set train.model: gaussian_copula"
            ) from None

        _seed_everything(settings.seed)
        batch = max(10, min(settings.batch_size, (len(train) // 10) * 10 or 10))
        model = CTGAN(epochs=settings.epochs, batch_size=batch, verbose=False, enable_gpu=False)
        with quiet(), _sequential(), deadline_epochs(settings.time_limit, started, settings.on_epoch) as loops:
            model.fit(train, discrete_columns=discrete)
        trained = loops[0].done if loops else settings.epochs
        return cls._extracted(model, tuple(columns), categories, batch, codec.bounds(data, columns), trained)

    @classmethod
    def _extracted(
        cls, model: Any, names: tuple[str, ...], categories: Mapping[str, tuple[object, ...]], batch: int,
        ranges: Mapping[str, tuple[float, float]], epochs: int,
    ) -> CtganModel:
        spans = []
        for info in model._transformer._column_transform_info_list:
            if info.column_type == "continuous":
                bgm, valid = info.transform._bgm_transformer, np.asarray(info.transform.valid_component_indicator, dtype=bool)
                means = np.asarray(bgm.means_, dtype=float).reshape(-1)[valid]
                stds = np.sqrt(np.asarray(bgm.covariances_, dtype=float)).reshape(-1)[valid]
                spans.append(_Span(info.column_name, "continuous", means=means, stds=stds))
            else:
                codes = tuple(info.transform.dummies)
                spans.append(_Span(info.column_name, "discrete", categories=tuple(_decode_code(info.column_name, c, categories) for c in codes)))
        state = {k: v.detach().cpu().numpy().astype(np.float64) for k, v in model._generator.state_dict().items()}
        layers, k = [], 0
        while f"seq.{k}.fc.weight" in state:
            layers.append({"weight": state[f"seq.{k}.fc.weight"], "bias": state[f"seq.{k}.fc.bias"],
                           "gamma": state[f"seq.{k}.bn.weight"], "beta": state[f"seq.{k}.bn.bias"]})
            k += 1
        output = {"weight": state[f"seq.{k}.weight"], "bias": state[f"seq.{k}.bias"]}
        probs = np.asarray(model._data_sampler._discrete_column_category_prob, dtype=float).reshape(-1)
        probs = probs[probs != 0]
        return cls(names, tuple(spans), tuple(layers), output, int(model._embedding_dim),
                   probs / probs.sum() if len(probs) else probs, batch, dict(ranges), int(epochs))

    @property
    def epochs_trained(self) -> int | None:
        return self.epochs

    def sample(self, n: int, columns: Mapping[str, Column], seed: int, given: pd.DataFrame | None = None) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        raw = self._generate(n, rng)
        encoded = self._inverse(raw, rng)
        rows = pd.DataFrame(index=pd.RangeIndex(n))
        for i, name in enumerate(self.columns):
            if name not in columns:
                continue
            values = encoded[f"c{i}"]
            nulls = encoded.get(f"c{i}{_NULL}")
            if name in self.bounds:
                values = codec.fold(pd.Series(values, dtype=float), *self.bounds[name])
            series = pd.Series(values, index=rows.index)
            if nulls is not None:
                series = series.where(~np.asarray(nulls, dtype=bool), None if series.dtype == object else np.nan)
            rows[name] = series
        return codec.decode(rows, columns)

    def _generate(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """The generator's raw output for ``n`` rows, batch by batch as CTGAN samples."""
        batch, out = self.batch_size, []
        cond_width = len(self.cond_probs)
        for _ in range(n // batch + 1):
            x = rng.standard_normal((batch, self.embedding_dim))
            if cond_width:
                cond = np.zeros((batch, cond_width))
                cond[np.arange(batch), rng.choice(cond_width, size=batch, p=self.cond_probs)] = 1.0
                x = np.concatenate([x, cond], axis=1)
            for layer in self.layers:
                h = x @ layer["weight"].T + layer["bias"]
                h = (h - h.mean(axis=0)) / np.sqrt(h.var(axis=0) + _BN_EPS) * layer["gamma"] + layer["beta"]
                x = np.concatenate([np.maximum(h, 0.0), x], axis=1)
            out.append(x @ self.output["weight"].T + self.output["bias"])
        return np.concatenate(out, axis=0)[:n]

    def _inverse(self, raw: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Activate each span (tanh, or one draw from the softmax) and invert CTGAN's transform."""
        out: dict[str, np.ndarray] = {}
        at = 0
        for span in self.spans:
            if span.kind == "continuous":
                alpha = np.clip(np.tanh(raw[:, at]), -1.0, 1.0)
                mode = _draw(raw[:, at + 1: at + span.width], rng)
                out[span.name] = alpha * STD_MULTIPLIER * span.stds[mode] + span.means[mode]  # type: ignore[index]
            else:
                out[span.name] = np.asarray(span.categories, dtype=object)[_draw(raw[:, at: at + span.width], rng)]
            at += span.width
        return out

    def to_data(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "spans": [{"name": s.name, "kind": s.kind, "means": s.means, "stds": s.stds, "categories": [codec.plain(c) for c in s.categories]}
                      for s in self.spans],
            "layers": [dict(layer) for layer in self.layers],
            "output": dict(self.output),
            "embedding_dim": self.embedding_dim,
            "cond_probs": self.cond_probs,
            "batch_size": self.batch_size,
            "bounds": {name: list(b) for name, b in self.bounds.items()},
            "epochs": self.epochs,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CtganModel:
        spans = tuple(
            _Span(s["name"], s["kind"], means=_floats(s["means"]), stds=_floats(s["stds"]), categories=tuple(s["categories"]))
            for s in data["spans"]
        )
        layers = tuple({k: _floats(v) for k, v in layer.items()} for layer in data["layers"])
        return cls(
            tuple(data["columns"]), spans, layers, {k: _floats(v) for k, v in data["output"].items()}, int(data["embedding_dim"]),
            _floats(data["cond_probs"]), int(data["batch_size"]),
            {name: (float(b[0]), float(b[1])) for name, b in data["bounds"].items()}, int(data["epochs"]),
        )


def _floats(value: Any) -> Any:
    return None if value is None else np.asarray(value, dtype=np.float64)


def _draw(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row from ``softmax(logits)``, by inverse CDF: the argmax of CTGAN's
    Gumbel-softmax is a draw from the same distribution, with one uniform per row."""
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(logits))[:, None] * cumulative[:, -1:]
    return np.minimum((cumulative < u).sum(axis=1), logits.shape[1] - 1)


def _training_frame(data: pd.DataFrame, columns: Mapping[str, Column]) -> tuple[pd.DataFrame, list[str], dict[str, tuple[object, ...]]]:
    """What ``ctgan.CTGAN.fit`` gets: ``c<i>`` columns, categories as code strings, NULL indicators."""
    train = pd.DataFrame(index=data.index)
    discrete: list[str] = []
    categories: dict[str, tuple[object, ...]] = {}
    for i, (name, col) in enumerate(columns.items()):
        key = f"c{i}"
        if codec.is_numeric(col):
            values = data[name].astype(float)
            if values.isna().any():
                train[key + _NULL] = np.where(values.isna(), "1", "0")
                discrete.append(key + _NULL)
                categories[key + _NULL] = (False, True)
            train[key] = values.fillna(values.median() if values.notna().any() else 0.0)
        else:
            codes, uniques = pd.factorize(data[name].astype(object), use_na_sentinel=False)
            train[key] = codes.astype(str)
            discrete.append(key)
            categories[key] = tuple(None if pd.isna(u) else codec.plain(u) for u in uniques)
    return train, discrete, categories


def _decode_code(name: str, code: object, categories: Mapping[str, tuple[object, ...]]) -> object:
    """The category value behind one of CTGAN's one-hot dummies (a code string)."""
    return categories[name][int(str(code))]


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


@contextlib.contextmanager
def _sequential() -> Iterator[None]:
    """CTGAN's transformer fans out with joblib's process backend, which re-imports torch in
    every worker (~12 s per fit here), and threads would race on numpy's global RNG and
    break determinism. Sequential is fastest and repeatable."""
    import joblib

    with joblib.parallel_config(backend="sequential"):
        yield


class _Deadline:
    """``range(epochs)`` that stops before an epoch that would end after ``deadline`` (monotonic; None: never)
    and tells ``report`` (epochs done, epochs expected, seconds since the first epoch began) after each epoch."""

    def __init__(self, epochs: Iterable[int], deadline: float | None, report: Callable[[int, int, float], None] | None = None) -> None:
        self._epochs = epochs
        self._deadline = deadline
        self._report = report
        self.done = 0

    def __iter__(self) -> Iterator[int]:
        epochs = list(self._epochs)
        began = time.monotonic()
        for epoch in epochs:
            if self.done and self._deadline is not None:
                per_epoch = (time.monotonic() - began) / self.done
                if time.monotonic() + per_epoch > self._deadline:
                    return
            yield epoch
            self.done += 1
            if self._report is not None:
                self._report(self.done, self._expected(len(epochs), began), time.monotonic() - began)

    def _expected(self, epochs: int, began: float) -> int:
        """The epochs this fit will train: all of them, or as many as end before the deadline."""
        if self._deadline is None or self.done >= epochs:
            return epochs
        per_epoch = (time.monotonic() - began) / self.done
        return min(epochs, self.done + max(int((self._deadline - time.monotonic()) / per_epoch), 0))

    def set_description(self, *_: Any) -> None:  # tqdm's API, used when verbose
        pass


@contextlib.contextmanager
def deadline_epochs(
    seconds: float | None, started: float | None = None, report: Callable[[int, int, float], None] | None = None,
) -> Iterator[list[_Deadline]]:
    """While the block runs, CTGAN's epoch loop stops ``seconds`` after ``started`` (``time.monotonic()``;
    default now), after at least one epoch, and calls ``report`` after each epoch. Yields a list that
    receives the loop (its ``done`` epochs)."""
    loops: list[_Deadline] = []
    if seconds is None and report is None:
        yield loops
        return
    import ctgan.synthesizers.ctgan as ctgan_module

    deadline = None if seconds is None else (time.monotonic() if started is None else started) + seconds
    original = ctgan_module.tqdm

    def bounded(iterable: Iterable[int], **_: Any) -> _Deadline:
        loop = _Deadline(iterable, deadline, report)
        loops.append(loop)
        return loop

    ctgan_module.tqdm = bounded
    try:
        yield loops
    finally:
        ctgan_module.tqdm = original
