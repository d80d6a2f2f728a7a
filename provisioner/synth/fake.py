"""Faker filling: replace the PII and free-text columns of synthetic rows.

``fill`` overwrites the columns that :func:`provisioner.model.pii.detect` flagged
with fresh, deterministic Faker values that fit the column (length,
nullability, uniqueness) and, where the row has a country, the country's
locale.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime
from functools import lru_cache

import numpy as np
import pandas as pd
from faker import Faker
from faker.config import AVAILABLE_LOCALES

from provisioner.model import agreement
from provisioner.model.agreement import EmailFromName, LetterCase, NullsByCountry, TextShape
from provisioner.model.pii import _DATE_KINDS, PiiColumn
from provisioner.model.textforms import DateText, ListText, UnitText
from provisioner.model.tokens import TokenShape
from provisioner.model.xmlshape import XmlShape
from provisioner.schema.snapshot import INTEGER_KINDS, TEXT_KINDS, Column, Table
from provisioner.synth import textforms, texts, tokens, xmldocs

_COUNTRY_LOCALES: dict[str, str] = {
    country.replace("_", " "): locale for country, locale in (pair.split("=") for pair in """usa=en_US us=en_US
    united_states=en_US united_states_of_america=en_US america=en_US uk=en_GB united_kingdom=en_GB
    great_britain=en_GB england=en_GB scotland=en_GB wales=en_GB ireland=en_IE canada=en_CA australia=en_AU
    new_zealand=en_NZ india=en_IN germany=de_DE deutschland=de_DE austria=de_AT switzerland=de_CH france=fr_FR
    belgium=nl_BE netherlands=nl_NL the_netherlands=nl_NL holland=nl_NL italy=it_IT italia=it_IT spain=es_ES
    venezuela=es_ES portugal=pt_PT brazil=pt_BR brasil=pt_BR mexico=es_MX argentina=es_AR chile=es_CL
    colombia=es_CO poland=pl_PL czech_republic=cs_CZ czechia=cs_CZ hungary=hu_HU sweden=sv_SE norway=no_NO
    denmark=da_DK finland=fi_FI japan=ja_JP china=zh_CN russia=ru_RU turkey=tr_TR greece=el_GR
    romania=ro_RO luxembourg=lb_LU liechtenstein=de_LI slovakia=sk_SK slovenia=sl_SI croatia=hr_HR
    bulgaria=bg_BG ukraine=uk_UA israel=he_IL south_korea=ko_KR korea=ko_KR taiwan=zh_TW thailand=th_TH
    philippines=en_PH indonesia=id_ID vietnam=vi_VN iran=fa_IR egypt=ar_EG saudi_arabia=ar_SA
    south_africa=zu_ZA nigeria=en_NG kenya=en_KE pakistan=en_PK bangladesh=en_BD estonia=et_EE
    latvia=lv_LV lithuania=lt_LT iceland=is_IS cyprus=el_CY malta=mt_MT""".split()) if locale in AVAILABLE_LOCALES
}
_DEFAULT_LOCALE = "en_US"
_POOL, _MIN_POOL = 2000, 50  # Faker calls per column, split across locales by row share
_METHODS: dict[str, tuple[str, ...]] = {
    "state": ("administrative_unit", "state", "region", "province", "city"), "postal_code": ("postcode",),
    "phone": ("phone_number",), "national_id": ("ssn",), "card_number": ("credit_card_number",),
    "username": ("user_name",),
}
_DEFAULT_LENGTH = {"free_text": 200.0, "text": 20.0}
_NO_SPACE_SUFFIX = frozenset({"username", "phone", "postal_code", "card_number", "national_id", "iban", "url"})


def fill(
    table: Table, frame: pd.DataFrame, columns: Sequence[PiiColumn], seed: int, rules: Sequence[object] = (),
    unseen: Collection[str] = (),
) -> pd.DataFrame:
    """A copy of ``frame`` whose PII columns of ``table`` hold fresh, deterministic Faker values that agree
    within the row as the source's did (``rules``: :mod:`provisioner.model.agreement`): e-mails built from
    the row's fake name, NULLs where the row's country has none, text shaped like the column. Columns
    ``unseen`` (overwritten whole later: inherit.copied_whole) are NULL, unless a rule reads them; each
    column has its own seed, so the others get the very values they would otherwise."""
    out = frame.copy()
    read = {n for r in rules if dataclasses.is_dataclass(r) for f in dataclasses.fields(r) if f.name != "column" for n in _names_in(getattr(r, f.name))}
    for pii in [c for c in columns if c.table == table.key and c.column in set(unseen) - read]:
        out[pii.column] = pd.Series(None, index=frame.index, dtype=object)
    columns = [c for c in columns if not (c.table == table.key and c.column in set(unseen) - read)]
    uniques = {s[0] for s in table.uniques if len(s) == 1}
    by_column = {getattr(r, "column", None): [] for r in rules}
    for rule in rules:
        by_column[getattr(rule, "column", None)].append(rule)
    for pii in sorted(columns, key=lambda c: c.category == "email"):  # names first: e-mails are built from them
        if pii.table == table.key:
            col = table.column(pii.column)
            keyed = any(col.name in s for s in table.uniques)  # a token in a composite unique set is drawn unique too
            out[col.name] = _fill_column(pii, col, out, col.name in uniques, _seed(seed, table.key, col.name), by_column.get(col.name, []), keyed)
    return out


def _names_in(value: object) -> list[str]:
    """The strings in a rule's field (a column name, or a tuple of them)."""
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if isinstance(value, tuple) else []


def _seed(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _fill_column(
    pii: PiiColumn, col: Column, frame: pd.DataFrame, unique: bool, seed: int, rules: Sequence[object] = (), keyed: bool = False,
) -> pd.Series:
    rng = np.random.default_rng(seed)
    n, category = len(frame), pii.category
    shape = next((r for r in rules if isinstance(r, TextShape)), None)
    xml = next((r for r in rules if isinstance(r, XmlShape)), None)
    if pii.source == "value":  # tables.<t>.columns.<c>: {value: constant}
        return pd.Series([pii.value] * n, index=frame.index, dtype=object)
    if pii.source == "faker":  # tables.<t>.columns.<c>: {faker: provider, **args}
        series = pd.Series(_provided(pii, col, n, unique, rng, seed), dtype=object)
    elif category == "birth_date":
        series = _birth_dates(rng, n, col.kind)
    elif category == "ip_address":
        series = pd.Series(_ip_addresses(rng, n, unique), dtype=object)
    elif xml is not None:  # documents shaped like the column's (an xpath() over them works), whatever the category
        series = pd.Series(xmldocs.documents(xml, n, rng, _faker(_DEFAULT_LOCALE, seed)), dtype=object)
    else:
        plain = category in {"free_text", "text"}  # English words, whatever the country (most lorem is Latin)
        locales = np.full(n, _DEFAULT_LOCALE, dtype=object) if plain else _row_locales(frame, col.name)
        token = next((r for r in rules if isinstance(r, TokenShape)), None)
        form = next((r for r in rules if isinstance(r, (UnitText, ListText, DateText))), None)
        if form is not None and category == "text":  # a number with its unit, a list from a vocabulary
            values = textforms.generate(form, frame, n, rng)
        elif token is not None and category == "text":  # a hash, a key, a code: its format, fresh characters
            values = tokens.generate_unique(token, n, rng) if unique or keyed else tokens.generate(token, n, rng)
        elif shape is not None and category == "text":
            values = texts.shaped(_faker(_DEFAULT_LOCALE, seed), shape, n, rng)
        else:
            values = _by_locale(pii, col, locales, rng, seed)
        values = _from_names(values, frame, rules, rng)
        values = _cased(values, rules)
        values = _fit_length(values, col.max_length, category)
        if unique:
            values = _make_unique(values, col.max_length, category)
        series = _coerce(pd.Series(values, dtype=object), col.kind)
    nulls = rng.random(n) < _null_shares(pii, frame, rules) if col.nullable else np.zeros(n, dtype=bool)
    series = series.where(~nulls, None) if nulls.any() else series
    if pii.empty_rate > 0 and col.kind in TEXT_KINDS and not unique:  # the source's share of '' (an optional field left blank)
        series = series.where(nulls | (rng.random(n) >= pii.empty_rate), "")
    series.index = frame.index
    return series


def _cased(values: np.ndarray, rules: Sequence[object]) -> np.ndarray:
    """Values in the letter case the source writes nearly all of them in (agreement.LetterCase), if any."""
    case = next((r.case for r in rules if isinstance(r, LetterCase)), None)
    if case is None:
        return values
    return np.array([(v.upper() if case == "upper" else v.lower()) if isinstance(v, str) else v for v in values], dtype=object)


def _provided(pii: PiiColumn, col: Column, n: int, unique: bool, rng: np.random.Generator, seed: int) -> np.ndarray:
    """Values of the configured Faker provider called with its arguments: one call per row up to
    ``_POOL`` rows, then drawn from a pool of ``_POOL``; text fits the column and stays unique where it must."""
    make = getattr(_faker(_DEFAULT_LOCALE, seed), pii.category)
    args = dict(pii.args)
    pool = np.empty(min(n, _POOL), dtype=object)
    pool[:] = [make(**args) for _ in range(len(pool))]
    values = pool if n <= _POOL else _draw(rng, pool, n)
    if col.kind in TEXT_KINDS:  # a number or date into a text column: its text, shortened to fit like any text
        values = np.array([v if v is None or isinstance(v, str) else _text(v) for v in values], dtype=object)
    if len(values) and all(isinstance(v, str) for v in values):
        values = _fit_length(values, col.max_length, pii.category)
        values = _make_unique(values, col.max_length, pii.category) if unique else values
    return values


def _text(value: object) -> str:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)


def _null_shares(pii: PiiColumn, frame: pd.DataFrame, rules: Sequence[object]) -> np.ndarray | float:
    """Each row's chance of NULL: its country's share where one was learnt (agreement.NullsByCountry)."""
    rule = next((r for r in rules if isinstance(r, NullsByCountry)), None)
    if rule is None or rule.country not in frame:
        return pii.null_rate
    countries = frame[rule.country].astype(str).reset_index(drop=True)
    return countries.map(dict(rule.shares)).fillna(pii.null_rate).to_numpy(dtype=float)


def _from_names(values: np.ndarray, frame: pd.DataFrame, rules: Sequence[object], rng: np.random.Generator) -> np.ndarray:
    """E-mails whose local part is built from the row's (fake) name, for the learnt share of rows."""
    rule = next((r for r in rules if isinstance(r, EmailFromName)), None)
    if rule is None or not all(n in frame for n in rule.names) or not len(values):
        return values
    names = [frame[n].astype(object).where(frame[n].notna(), "").astype(str).reset_index(drop=True) for n in rule.names]
    if len(names) == 1:
        split = names[0].str.split()
        first, last = split.str[0].fillna(""), split.str[-1].fillna("")
    else:
        first, last = names
    first, last = first.map(agreement.ascii_lower).to_numpy(dtype=object), last.map(agreement.ascii_lower).to_numpy(dtype=object)
    out = np.asarray(values, dtype=object).copy()
    chosen = (rng.permutation(len(out)) < round(rule.share * len(out))) & (first != "") & (last != "")  # the learnt share, exactly
    styles = rng.integers(0, 5, len(out))
    for i in np.flatnonzero(chosen):
        local = (f"{first[i]}.{last[i]}", f"{first[i]}{last[i]}", f"{first[i][0]}{last[i]}", f"{first[i]}_{last[i]}", f"{first[i]}{last[i][0]}")[styles[i]]
        domain = str(out[i]).rpartition("@")[2] or "example.com"
        out[i] = f"{local}@{domain}"
    return out


def _row_locales(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Faker locale per row, from ``<prefix>_country`` (ship_country for ship_city) or ``country``."""
    parts = column.split("_")
    candidates = ["_".join(parts[:i] + ["country"]) for i in range(len(parts) - 1, 0, -1)] + ["country"]
    source = next((c for c in candidates if c in frame.columns and c != column), None)
    if source is None:
        return np.full(len(frame), _DEFAULT_LOCALE, dtype=object)
    codes, countries = pd.factorize(frame[source])  # a few countries: each looked up once
    names = pd.Series(countries, dtype=object).astype("string").str.strip().str.lower()
    locales = np.append(names.map(_COUNTRY_LOCALES).fillna(_DEFAULT_LOCALE).to_numpy(dtype=object), _DEFAULT_LOCALE)
    return locales[codes]  # -1 (NULL) takes the last: the default


def _by_locale(pii: PiiColumn, col: Column, locales: np.ndarray, rng: np.random.Generator, seed: int) -> np.ndarray:
    """Generate per locale group; pools are sized by the group's share of the rows."""
    values = np.empty(len(locales), dtype=object)
    for locale in sorted(set(locales)):
        rows = np.flatnonzero(locales == locale)
        size = min(max(_MIN_POOL, int(np.ceil(_POOL * len(rows) / len(locales)))), max(len(rows), 10))
        try:
            values[rows] = _generate(pii, col.max_length, _faker(locale, seed), len(rows), size, rng)
        except AssertionError:  # a few locales (es_CL names) need Faker's weighting on
            values[rows] = _generate(pii, col.max_length, _faker(locale, seed, True), len(rows), size, rng)
    return values


def _faker(locale: str, seed: int, weighted: bool = False) -> Faker:
    """A cached, freshly seeded Faker; unweighted choices are 10-20x faster and mirror no real frequencies."""
    fake = _fakers(locale, weighted)
    fake.seed_instance(_seed(seed, locale))
    return fake


@lru_cache(maxsize=None)
def _fakers(locale: str, weighted: bool) -> Faker:
    return _stable(Faker(locale, use_weighting=weighted))


def _word_list(value: object) -> bool:
    """A long list of plain words (not formats, not short lists paired with others by index)."""
    return (
        isinstance(value, list) and len(value) > 50
        and all(isinstance(v, str) and "{{" not in v for v in value)
    )


def _stable(fake: Faker) -> Faker:
    """Sort provider word lists that Faker builds from sets at import time.

    it_IT's ``cities`` is such a list: its order follows Python's per-process
    string hashing, so the same seed drew different cities in two runs. Sorted,
    the same seed gives the same values in every process.
    """
    for provider in fake.providers:
        for cls in reversed(type(provider).__mro__):
            for name, value in vars(cls).items():
                if _word_list(value):
                    try:
                        setattr(provider, name, sorted(value))
                    except AttributeError:  # a read-only property shadows it in a subclass
                        continue
    return fake


def _generate(
    pii: PiiColumn, max_length: int | None, fake: Faker, rows: int, size: int, rng: np.random.Generator
) -> np.ndarray:
    category = pii.category
    if category == "full_name":
        half, size = (max_length // 2 if max_length else None), max(size // 2, 10)  # combinations multiply
        return _combine(rng, rows, _pool(fake, "first_name", size, half), " ", _pool(fake, "last_name", size, half))
    if category == "email":
        return _emails(fake, rows, size, rng, pii.email_domains)
    if category in {"free_text", "text"}:
        return _draw(rng, _texts(fake, min(size, 300), rng, pii), rows)
    return _draw(rng, _pool(fake, category, size, max_length), rows)


def _draw(rng: np.random.Generator, pool: np.ndarray, rows: int) -> np.ndarray:
    """``rows`` values from ``pool``: without repeats where the pool is big enough."""
    return pool[rng.choice(len(pool), rows, replace=rows > len(pool))]


def _combine(rng: np.random.Generator, rows: int, left: np.ndarray, sep: str, right: np.ndarray) -> np.ndarray:
    a = pd.Series(left[rng.integers(0, len(left), rows)], dtype=object)
    b = pd.Series(right[rng.integers(0, len(right), rows)], dtype=object)
    return (a + sep + b).to_numpy(dtype=object)


def _method(fake: Faker, category: str) -> Callable[[], object]:
    """The first Faker method this locale offers for ``category``; en_US's otherwise."""
    names = _METHODS.get(category, (category,))
    return next((getattr(fake, n) for n in names if hasattr(fake, n)), getattr(_fakers(_DEFAULT_LOCALE, False), names[0]))


def _pool(fake: Faker, category: str, size: int, max_length: int | None) -> np.ndarray:
    """Distinct one-line Faker values, preferring those that fit ``max_length`` unshortened."""
    make = _method(fake, category)
    values = list(dict.fromkeys(_one_line(str(make())) for _ in range(size)))
    fitting = [v for v in values if max_length is None or len(v) <= max_length]
    return np.array(fitting if len(fitting) >= max(1, len(values) // 10) else values, dtype=object)


_NEWLINE = re.compile(r"\s*\n\s*")


def _one_line(text: str) -> str:
    return _NEWLINE.sub(", ", text) if "\n" in text else text


def _ascii(values: np.ndarray) -> np.ndarray:
    plain = (unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode().lower() for v in values)
    return np.array([re.sub(r"[^a-z0-9]", "", v) or "user" for v in plain], dtype=object)


def _emails(
    fake: Faker, rows: int, size: int, rng: np.random.Generator, shares: tuple[tuple[str, float], ...]
) -> np.ndarray:
    size = max(size // 2, 10)  # first x last x separator x digits combinations multiply
    firsts, lasts = _ascii(_pool(fake, "first_name", size, None)), _ascii(_pool(fake, "last_name", size, None))
    local = _combine(rng, rows, firsts, "", np.array([".", "_", ""], dtype=object))
    local = pd.Series(_combine(rng, rows, local, "", lasts), dtype=object)
    local += np.where(rng.random(rows) < 0.3, rng.integers(1, 100, rows).astype(str), "").astype(object)
    free = _pool(fake, "free_email_domain", 50, None)
    names = np.array([d for d, _ in shares] + ["*"], dtype=object)
    weights = np.array([s for _, s in shares] + [max(0.0, 1.0 - sum(s for _, s in shares))]) + 1e-12
    picked = names[rng.choice(len(names), rows, p=weights / weights.sum())]
    domains = np.where(picked == "*", free[rng.integers(0, len(free), rows)], picked)
    return (local + "@" + domains).to_numpy(dtype=object)


def _texts(fake: Faker, size: int, rng: np.random.Generator, pii: PiiColumn) -> np.ndarray:
    """Text whose mean length is close to the source's: sentences for free text, word runs for text."""
    target = pii.mean_length or _DEFAULT_LENGTH[pii.category]
    if pii.category == "text":
        words = np.array(list(dict.fromkeys(fake.words(nb=400))), dtype=object)
        per_word = float(np.mean([len(w) for w in words])) + 1
        counts = 1 + rng.poisson(max(0.0, (target + 1) / per_word - 1), size)
        picks = [" ".join(words[rng.integers(0, len(words), k)]) for k in counts]
        return np.array([p[:1].upper() + p[1:] for p in picks], dtype=object)
    sentences = np.array([fake.sentence() for _ in range(200)], dtype=object)
    counts = np.maximum(1, np.round(rng.uniform(0.5, 1.5, size) * target / (np.mean([len(x) for x in sentences]) + 1)))
    return np.array([" ".join(sentences[rng.integers(0, len(sentences), int(k))]) for k in counts], dtype=object)


def _fit_length(values: np.ndarray, max_length: int | None, category: str) -> np.ndarray:
    """Shorten values to ``max_length``; e-mails keep their domain."""
    series = pd.Series(values, dtype=object)
    long = series.str.len() > (max_length or np.inf)
    if long.any():
        series[long] = [_suffixed(v, "", max_length, category) for v in series[long]]
    return series.to_numpy(dtype=object)


def _make_unique(values: np.ndarray, max_length: int | None, category: str) -> np.ndarray:
    """Give repeated values a numeric suffix that still fits ``max_length``."""
    series = pd.Series(values, dtype=object)
    for attempt in range(10):
        dup = series.duplicated(keep="first")
        if not dup.any():
            break
        rank = series.groupby(series).cumcount()[dup] + 1 + attempt * len(series)
        series[dup] = [_suffixed(v, str(k), max_length, category) for v, k in zip(series[dup], rank)]
    return series.to_numpy(dtype=object)


def _suffixed(value: str, tag: str, max_length: int | None, category: str) -> str:
    """``value`` plus ``tag`` (may be empty), shortened to fit; e-mails keep their domain."""
    limit = max_length or 10**6
    if category == "email" and "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:max(limit - len(domain) - len(tag) - 1, 1)]}{tag}@{domain}"[-limit:]
    sep = "" if category in _NO_SPACE_SUFFIX or not tag else " "
    room = limit - len(tag) - len(sep)
    return f"{value[:room].rstrip()}{sep}{tag}" if room >= 1 else tag[-limit:]


def _coerce(series: pd.Series, kind: str) -> pd.Series:
    """Digits only, as numbers, for phone/postal/card/id columns stored in integer types."""
    if kind not in INTEGER_KINDS and kind != "numeric":
        return series
    keep = {"smallint": 4, "integer": 9}.get(kind, 18)
    digits = series.str.replace(r"\D", "", regex=True).str[-keep:].replace("", "0")
    return pd.Series(pd.to_numeric(digits).astype(object), dtype=object)


def birth_anchor() -> date:
    """1 January of this year: birth dates are 18 to 80 years before it (the one input of sampling read from
    the clock; a rows cache keys its files by it)."""
    return date(date.today().year, 1, 1)


def _birth_dates(rng: np.random.Generator, n: int, kind: str) -> pd.Series:
    """Dates 18 to 80 years before 1 January of this year (stable for a whole year)."""
    anchor = birth_anchor()
    oldest = np.datetime64(anchor.replace(year=anchor.year - 80), "D")
    youngest = np.datetime64(anchor.replace(year=anchor.year - 18), "D")
    days = oldest + rng.integers(0, int((youngest - oldest).astype(int)) + 1, n).astype("timedelta64[D]")
    if kind == "date":
        return pd.Series(days.astype(object), dtype=object)
    if kind in _DATE_KINDS:
        return pd.Series(pd.to_datetime(days).astype("datetime64[ns]"))
    return pd.Series(np.datetime_as_string(days), dtype=object)


def _ip_addresses(rng: np.random.Generator, n: int, unique: bool) -> np.ndarray:
    """Addresses in the private 10.0.0.0/8 block: never a real host."""
    span = 1 << 24
    offsets = rng.choice(span, n, replace=False) if unique and n <= span else rng.integers(0, span, n)
    octets = [pd.Series(((offsets >> shift) & 255).astype(str), dtype=object) for shift in (16, 8, 0)]
    return ("10." + octets[0] + "." + octets[1] + "." + octets[2]).to_numpy(dtype=object)


def mask_consistent(table: Table, frame: pd.DataFrame, columns: Sequence[PiiColumn], seed: int, secret: bytes) -> pd.DataFrame:
    """A copy of ``frame`` (real rows of a copied table) whose PII ``columns`` hold Faker values,
    the same fake for the same real value: each distinct value gets one fake, assigned in the
    order of a keyed hash of the value (``secret``), so the mapping depends on neither row order
    nor anything an outsider can recompute. Nulls stay null; different values get different fakes
    (text categories; a birth date may coincide), so a unique column stays unique."""
    import hmac

    out = frame.copy()
    for pii in columns:
        if pii.table != table.key or pii.column not in out.columns:
            continue
        col = table.column(pii.column)
        values = out[col.name]
        present = values.notna()
        if not present.any():
            continue
        firsts = values[present].astype(str).drop_duplicates()  # one row per distinct value (its locale)
        tags = [hmac.new(secret, f"{col.name}\x1f{v}".encode(), "sha256").digest() for v in firsts]
        ordered = firsts.iloc[np.argsort(np.array(tags, dtype=object))]
        rows = frame.loc[ordered.index].reset_index(drop=True)
        spec = dataclasses.replace(pii, null_rate=0.0)
        fakes = _fill_column(spec, col, rows, True, _seed(seed, table.key, col.name, "mask"))  # distinct values stay distinct
        mapping = dict(zip(ordered.to_numpy(), fakes.to_numpy()))
        out[col.name] = values.astype(str).map(mapping).where(present, None).astype(object)
    return out
