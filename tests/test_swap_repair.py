"""The unique-key repair of a link table moves parents between rows: no key repeats afterwards,
and every parent keeps its number of children on both foreign keys."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from provisioner.model.relations import relational


@pytest.mark.parametrize("seed", range(5))
def test_swap_repair_clears_clashes_and_keeps_counts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"playlist": rng.integers(0, 50, 5000), "track": rng.integers(0, 400, 5000)})
    frame.loc[::97, "track"] = None  # NULL keys never clash and never move
    before = {c: frame[c].value_counts(dropna=False).sort_index() for c in frame}
    assert frame.dropna().duplicated().sum() > 100
    model = SimpleNamespace(fk=SimpleNamespace(columns=("track",)), self_ref=False)
    relational._swap_repair(frame, ("playlist", "track"), model, rng)  # type: ignore[arg-type]
    assert frame.dropna().duplicated().sum() == 0
    for column, counts in before.items():
        pd.testing.assert_series_equal(frame[column].value_counts(dropna=False).sort_index(), counts)
    assert frame["track"].isna().sum() == len(range(0, 5000, 97))


def test_swap_partners_come_from_big_groups_so_small_groups_keep_their_parents() -> None:
    """The clashes are in a big playlist; a small one (a Classical playlist, its tracks chosen by genre)
    should not lend its tracks to them: partners are drawn by their group's size."""
    rng = np.random.default_rng(7)
    big = pd.DataFrame({"playlist": 0, "track": rng.integers(0, 5000, 1000)})  # ~100 clashes
    other = pd.DataFrame({"playlist": 1, "track": rng.permutation(5000)[:1000]})
    small = pd.DataFrame({"playlist": 2, "track": np.arange(3000, 3040)})
    frame = pd.concat([big, other, small], ignore_index=True)
    model = SimpleNamespace(fk=SimpleNamespace(columns=("track",)), self_ref=False)
    clashes = frame.duplicated().sum()
    relational._swap_repair(frame, ("playlist", "track"), model, rng)  # type: ignore[arg-type]
    assert frame.duplicated().sum() < clashes / 2  # (repair_unique's later rounds take the rest)
    assert (frame.loc[frame["playlist"] == 2, "track"] >= 3000).mean() >= 0.97  # uniform partners moved ~a tenth of them
