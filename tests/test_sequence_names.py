"""A sequence's names ('SO00001' .. 'SO01400', unique): too few codes for a token format (model/tokens.py's
SPACE_PER_ROW), so they were English words ('GET', 'DOMINATE': 1,400 of 1,400 ERP orders in
tests/sql/unseen_erp.sql). They are counted on after the source's last name, at its width: never a real one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.model import tokens as learnt
from provisioner.synth import tokens


def test_sequence_names_count_on_after_the_last_real_one() -> None:
    names = pd.Series([f"SO{i:05d}" for i in range(1, 1401)]).sample(frac=1.0, random_state=0)
    shape = learnt.learn(names, "name")
    assert shape is not None
    made = tokens.generate_unique(shape, 1400, np.random.default_rng(0))
    assert pd.Series(made).str.fullmatch(r"SO\d{5}").all() and pd.Series(made).is_unique
    assert not set(made) & set(names)
    unpadded = learnt.learn(pd.Series([f"INV-{i}" for i in range(7, 500)]), "ref")
    assert unpadded is not None and list(tokens.generate(unpadded, 2, np.random.default_rng(0))) == ["INV-500", "INV-501"]


def test_numbers_far_apart_or_repeated_are_no_sequence() -> None:
    sparse = learnt.learn(pd.Series([f"SO{i * 97:07d}" for i in range(1, 300)]), "name")
    assert sparse is None or sparse.segments[0].counter is None
    repeated = learnt.learn(pd.Series([f"SO{i % 50:05d}" for i in range(300)]), "name")
    assert repeated is None or repeated.segments[0].counter is None
