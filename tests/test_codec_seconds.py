"""Seconds back to datetimes: never the intermittent pandas overflow, the same values pandas gives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.columns import codec
from provisioner.load.copytext import column_text
from provisioner.schema.snapshot import Column


def _dirty_heap(n: int) -> None:
    """Leave freed memory full of 1e300: ``pd.to_datetime(floats, unit="s")`` then rounds it for the NaN
    rows and raises FloatingPointError (pandas 2.3, reproduced every time at these sizes)."""
    junk = np.full(n, 1e300)
    copy = junk * 1.0
    del junk, copy


def test_decode_of_mostly_null_datetimes_never_overflows() -> None:
    column = Column(name="at", type="timestamp without time zone", kind="timestamp", nullable=True)
    for n in (500, 5000, 50_000):
        _dirty_heap(n)
        seconds = np.full(n, np.nan)
        seconds[:3] = [0.0, 1.5, 1_700_000_000.25]
        out = codec.decode(pd.DataFrame({"at": seconds}), {"at": column})["at"]
        assert out.isna().sum() == n - 3
        assert list(out.iloc[:3]) == [pd.Timestamp("1970-01-01"), pd.Timestamp("1970-01-01 00:00:02"), pd.Timestamp("2023-11-14 22:13:20")]


def test_from_seconds_matches_pandas_and_clips_what_nanoseconds_cannot_hold() -> None:
    finite = np.array([0.0, 1.5, -86_400.25, 1_700_000_000.999999, 4e9])
    ours = codec.from_seconds(pd.Series(finite, index=[5, 6, 7, 8, 9]))
    assert list(ours.index) == [5, 6, 7, 8, 9]
    assert (ours.to_numpy() == pd.to_datetime(pd.Series(finite), unit="s").to_numpy()).all()
    with np.errstate(all="raise"):
        odd = codec.from_seconds(pd.Series([np.inf, -np.inf, None, 1e300, -1e300], dtype=object))
    assert odd.iloc[:3].isna().all()
    assert odd.iloc[3].year == 2261 and odd.iloc[4].year == 1678


def test_time_of_day_text_with_nulls_on_a_dirty_heap() -> None:
    column = Column(name="t", type="time without time zone", kind="time", nullable=True)
    _dirty_heap(5000)
    seconds = pd.Series(np.full(5000, np.nan))
    seconds.iloc[0] = 3_661.5
    text = column_text(seconds, column)
    assert text.iloc[0].startswith("01:01:01.5") and text.iloc[1:].isna().all()
