"""The candidate parents a row is offered: its own categories first, nearest in the numbers first."""

from __future__ import annotations

import numpy as np

from provisioner.model.relations import matching


def test_candidates_share_the_rows_categories_and_come_nearest_first() -> None:
    rng = np.random.default_rng(0)
    parents = (rng.normal(size=(500, 2)), rng.integers(0, 5, (500, 2)))
    rows = (rng.normal(size=(300, 2)), rng.integers(0, 6, (300, 2)))  # category 5: no parent has it
    k = 16
    out = matching.nearest(parents, rows, k, rng)
    assert out.shape == (300, k) and out.min() >= 0 and out.max() < 500
    blocked = few = 0
    for i in range(len(out)):
        same = (parents[1] == rows[1][i]).all(axis=1)
        if same.sum() >= k:
            blocked += 1
            assert same[out[i]].all()  # only parents with exactly the row's categories
            dist = np.linalg.norm(parents[0][out[i]] - rows[0][i], axis=1)
            assert np.all(np.diff(dist) >= -1e-12)
            rest = np.linalg.norm(parents[0][same] - rows[0][i], axis=1)
            assert np.allclose(dist, np.sort(rest)[:k])  # exactly the k nearest of them
        else:
            few += 1
            assert same[out[i][: same.sum()]].all()  # all of its few first, then the nearest in numbers
    assert blocked > 50 and few > 50


def test_without_numbers_candidates_are_drawn_from_the_rows_categories() -> None:
    rng = np.random.default_rng(1)
    parents = (np.zeros((200, 0)), rng.integers(0, 2, (200, 1)))
    rows = (np.zeros((50, 0)), rng.integers(0, 2, (50, 1)))
    out = matching.nearest(parents, rows, 8, rng)
    assert all((parents[1][out[i], 0] == rows[1][i, 0]).all() for i in range(50))


def test_counts_go_to_the_categories_the_rows_want_and_the_histogram_stays() -> None:
    rng = np.random.default_rng(2)
    p_sig = np.repeat([0, 1], [900, 100])  # 100 "classical" parents of 1000
    r_sig = np.repeat([0, 1], [2000, 1000])  # but a third of the rows want classical
    capacity = rng.poisson(3.0, 1000)
    out = matching.by_category(capacity, p_sig, r_sig, rng)
    assert sorted(out) == sorted(capacity)  # the same counts, handed out again
    assert out[p_sig == 1].mean() > 1.5 * out[p_sig == 0].mean()


def test_rows_left_by_their_neighbours_get_a_parent_of_their_category_their_group_lacks() -> None:
    """Two neighbours per row, all taken: the rest are placed on parents of the row's own category with room,
    never twice in one group (a playlist holds a track once)."""
    rng = np.random.default_rng(3)
    parents, rows = 60, 200
    p_sig = np.arange(parents) % 3
    r_sig = rng.integers(0, 3, rows)
    near = np.stack([np.flatnonzero(p_sig == s)[:2] for s in r_sig])  # every row of a category wants the same two
    capacity = np.full(parents, 4)
    groups = rng.integers(0, 20, rows)
    out = matching._greedy(np.arange(rows), near, capacity, groups, rng, (p_sig, r_sig))
    assert (out >= 0).all() and np.bincount(out, minlength=parents).max() <= 4
    same = p_sig[out] == r_sig
    assert same.mean() > 0.95
    pairs = groups * parents + out
    assert len(np.unique(pairs)) == rows


def test_without_a_unique_key_a_parent_takes_its_nearest_rows_up_to_its_room() -> None:
    """A foreign key in no unique key (a track bought on several invoice lines): a parent picked once is
    offered again while it has room. Before, every row counted as one group, so a parent took one row
    through its neighbours and the rest came from the random fallback."""
    rng = np.random.default_rng(2)
    rows = np.arange(20)
    near = np.stack([(rows // 2 + j) % 10 for j in range(4)], axis=1)  # rows 2p and 2p + 1 want parent p first
    picks = matching._greedy(rows, near, np.full(10, 2), None, rng)
    assert (picks == rows // 2).all(), picks


def test_key_text_keeps_text_keys_apart_and_lets_numbers_agree() -> None:
    """'007' and '7' are two parents of a text key (they were one: every value parsed as a number);
    1 and 1.0 are one value of a number key."""
    import pandas as pd

    assert matching.key_text(pd.DataFrame({"k": ["007", "7", None]}), ("k",)).tolist() == ["007", "7", None]
    assert matching.key_text(pd.DataFrame({"k": [1, 1.0, None]}, dtype=object), ("k",)).tolist() == ["1.0", "1.0", None]
