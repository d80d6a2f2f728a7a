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
