"""Free text that is not personal, shaped like its column (:class:`provisioner.model.agreement.TextShape`).

A title, a product name or a composer gets as many words as the source's values
have (a draw from the learnt histogram of word counts), capitalised as often as the
source's words are, from the Faker provider that fits the column:

* ``words``: English nouns, adjectives and verbs from Faker's word lists, put in
  simple title patterns ("Silent River", "Night of the Garden") rather than lorem;
* ``name``: people's names from Faker, as many per value as the source lists
  (``"Joan Smith, Peter Ortiz"``), joined by the source's separator.

Never a source value: nothing here saw one (the gate also replaces any chance
collision with a real value, :mod:`provisioner.privacy.leaks`).
"""

from __future__ import annotations

import numpy as np
from faker import Faker

from provisioner.model.agreement import TextShape

_FUNCTION = ("of", "the", "in", "and", "to", "my", "your", "on", "for", "from", "with", "at", "a")
_PATTERNS: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("noun",), ("adjective",), ("verb",)),
    2: (("adjective", "noun"), ("noun", "noun"), ("verb", "noun"), ("the", "noun"), ("my", "noun")),
    3: (("the", "adjective", "noun"), ("noun", "of", "noun"), ("verb", "the", "noun"), ("adjective", "noun", "noun"),
        ("noun", "and", "noun"), ("in", "the", "noun")),
    4: (("the", "noun", "of", "noun"), ("verb", "the", "adjective", "noun"), ("noun", "in", "the", "noun"),
        ("adjective", "noun", "of", "noun"), ("the", "adjective", "adjective", "noun")),
}


def shaped(fake: Faker, shape: TextShape, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` values shaped like the column (see the module docstring)."""
    if shape.provider == "name":
        return _names(fake, shape, n, rng)
    lists = {pos: np.array(sorted(set(fake.get_words_list(part_of_speech=pos))), dtype=object) for pos in ("noun", "adjective", "verb")}
    counts = _draw(shape.words, n, rng)
    out = np.empty(n, dtype=object)
    for i, k in enumerate(counts):
        out[i] = _title(int(k), lists, shape.capitalised, rng)
    return out


def _draw(shares: tuple[float, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    p = p / p.sum() if p.sum() > 0 else np.ones(len(p)) / len(p)
    return rng.choice(np.arange(1, len(p) + 1), size=n, p=p)


def _title(k: int, lists: dict[str, np.ndarray], capitalised: float, rng: np.random.Generator) -> str:
    patterns = _PATTERNS.get(k)
    if patterns is None:  # longer: a run of patterns
        parts: list[str] = []
        while len(parts) < k:
            parts += list(_PATTERNS[4][int(rng.integers(len(_PATTERNS[4])))])
        pattern = tuple(parts[:k])
    else:
        pattern = patterns[int(rng.integers(len(patterns)))]
    words = [str(lists[slot][int(rng.integers(len(lists[slot])))]) if slot in lists else slot for slot in pattern]
    upper = rng.random(len(words)) < capitalised
    words = [w[:1].upper() + w[1:] if up or i == 0 and w not in _FUNCTION else w for i, (w, up) in enumerate(zip(words, upper))]
    return " ".join(words)


def _names(fake: Faker, shape: TextShape, n: int, rng: np.random.Generator) -> np.ndarray:
    firsts = np.array(sorted({fake.first_name() for _ in range(400)}), dtype=object)
    lasts = np.array(sorted({fake.last_name() for _ in range(400)}), dtype=object)
    counts = _draw(shape.parts or (1.0,), n, rng)
    out = np.empty(n, dtype=object)
    for i, k in enumerate(counts):
        people = [f"{firsts[int(rng.integers(len(firsts)))]} {lasts[int(rng.integers(len(lasts)))]}" for _ in range(int(k))]
        out[i] = shape.separator.join(people)
    return out
