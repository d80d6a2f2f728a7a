"""PII detection: find personal columns in the source.

``detect`` flags columns from their names, their types and their sampled
values. Filling them with Faker values lives in :mod:`provisioner.synth.fake`;
``fill`` here stays importable and delegates to it.

Reasons and messages never contain a source value: only column names,
patterns and shares.
"""

from __future__ import annotations

import importlib
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from provisioner.errors import ConfigError
from provisioner.schema.snapshot import (
    INTEGER_KINDS,
    TEXT_KINDS,
    Column,
    SchemaSnapshot,
    Table,
)

CATEGORIES: tuple[str, ...] = (
    "first_name", "last_name", "full_name", "email", "phone", "street_address", "city", "state",
    "postal_code", "country", "company", "birth_date", "national_id", "card_number", "iban",
    "ip_address", "url", "username", "free_text", "text",
)


@dataclass(frozen=True)
class PiiColumn:
    table: str  # Table.key
    column: str
    category: str  # one of CATEGORIES
    reason: str  # why it was flagged; never a value
    null_rate: float = 0.0  # share of NULLs among the sampled source values
    mean_length: float | None = None  # mean length of non-null values (free_text / text)
    email_domains: tuple[tuple[str, float], ...] = ()  # common public mail domains and their share
    source: str = ""  # "faker" / "value": set in tables.<t>.columns (category: the provider, or "value"); "" detected
    args: tuple[tuple[str, Any], ...] = ()  # source "faker": the provider's keyword arguments
    value: Any = None  # source "value": the constant every row gets
    empty_rate: float = 0.0  # share of empty strings ('') among the sampled source values (kept as they are)


def text_column(table: str, column: str, null_rate: float, mean_length: float | None, empty_rate: float = 0.0) -> PiiColumn:
    """A category ``text`` entry: non-PII free-form text that must not be learnt verbatim."""
    return PiiColumn(table, column, "text", "high-cardinality text is replaced, not learnt", null_rate, mean_length,
                     empty_rate=empty_rate)


def empty_share(values: pd.Series) -> float:
    """The share of empty strings among the non-NULL ``values`` (a NOT NULL text column that is often, or always, '')."""
    present = values.dropna()
    if not len(present):
        return 0.0
    return round(float(np.mean([v == "" for v in present.to_numpy()])), 4)


# --------------------------------------------------------------------------- name rules


def _spec(text: str) -> dict[str, str]:
    """``category: name name ...`` lines -> {name: category}."""
    pairs = (line.split(":", 1) for line in text.strip().splitlines())
    return {name: cat.strip() for cat, names in pairs for name in names.split()}


_EXACT = _spec("""
first_name: first_name firstname fname given_name forename
last_name: last_name lastname lname surname family_name
full_name: full_name fullname contact_name contactname person_name display_name customer_name recipient_name
email: email e_mail email_address emailaddress mail
phone: phone telephone tel mobile cell cellphone fax phone_number phonenumber mobile_number fax_number msisdn
street_address: address street street_address address_line addr streetaddress
city: city town
state: state region province county
postal_code: postal_code postalcode zip zipcode zip_code postcode post_code
country: country country_name
company: company company_name companyname employer organisation organization business_name
birth_date: birth_date birthdate dob date_of_birth birthday born_on
national_id: ssn national_id passport passport_number social_security_number tax_id nino
card_number: card credit_card card_number creditcard cc_number credit_card_number
iban: iban bank_account bank_account_number
ip_address: ip ip_address ipaddress ip_addr remote_addr client_ip last_ip
url: url homepage home_page website web_site profile_url avatar_url
username: username user_name login user_login screen_name login_name nickname
free_text: notes note comment comments bio biography remarks remark memo about about_me
""")
_LAST_TOKEN = {"email": "email", "phone": "phone", "fax": "phone", "telephone": "phone", "mobile": "phone",
               "zip": "postal_code", "zipcode": "postal_code", "postcode": "postal_code", "ssn": "national_id",
               "iban": "iban", "dob": "birth_date", "birthdate": "birth_date", "birthday": "birth_date",
               "surname": "last_name", "address": "street_address"}
_NOT_STREET = frozenset("ip mac email e web wallet bitcoin remote".split())
_PREFIXES = frozenset("""ship shipping billing bill billto shipto mailing home work business primary secondary alt
    alternate contact customer cust emergency delivery personal private office main current permanent invoice
    employee emp person owner guardian parent spouse recipient sender buyer seller patient student member client
    user""".split())
_PERSON_TABLES = frozenset("""customer client employee staff person people user member contact author patient
    student owner applicant passenger guest subscriber profile teacher doctor driver manager writer reviewer
    candidate volunteer donor tenant agent""".split())
_PERSONAL = frozenset({"first_name", "last_name", "full_name", "email", "phone", "company", "username"})
_NUMBER_OK = frozenset({"phone", "postal_code", "card_number", "national_id"})
_DATE_KINDS = frozenset({"date", "timestamp", "timestamptz"})


def _tokens(name: str) -> list[str]:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return [t for t in re.split(r"[^a-z0-9]+", snake) if t and not t.isdigit()]


def _name_rule(name: str, person_table: bool) -> tuple[str, str] | None:
    """(category, matched pattern) from a column name, stripping role prefixes like ship_ or billing_."""
    tokens, stripped = _tokens(name), False
    while tokens:
        joined = "_".join(tokens)
        if joined in _EXACT:
            return _EXACT[joined], joined
        if joined == "name" and (stripped or person_table):
            return "full_name", "name"
        if tokens[0] not in _PREFIXES or len(tokens) == 1:
            break
        tokens, stripped = tokens[1:], True
    if len(tokens) > 1 and tokens[-1] in _LAST_TOKEN and tokens[-2] not in _NOT_STREET:
        return _LAST_TOKEN[tokens[-1]], tokens[-1]
    return None


def _name_applies(category: str, kind: str, context: tuple[bool, bool], forced: bool) -> bool:
    """Kinds must fit; then (unless added by config) countries are categories, cities and states
    count only next to an address, and URLs only on tables of people or companies."""
    numeric = category in _NUMBER_OK and (kind in INTEGER_KINDS or kind == "numeric")
    special = {"birth_date": _DATE_KINDS, "ip_address": {"inet"}}.get(category, set())
    if not (kind in TEXT_KINDS or kind in special or numeric):
        return False
    has_address, personal = context
    if forced or category in {"birth_date", "ip_address"}:
        return True
    if category == "country":
        return False
    return has_address if category in {"city", "state"} else personal or category != "url"


# --------------------------------------------------------------------------- value rules

# Every repetition is bounded, so a search costs at most a few dozen steps per character of text
# (an unbounded local part made ``str.contains`` quadratic: 40 KB of text took 5.5 s).
_EMAIL = r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}"
_PHONE = r"\+?[\d(][\d\s().\-/]{5,22}\d(?:\s*(?:x|ext\.?)\s*\d{1,6})?"
_DATE_TEXT = r"\d{4}-\d{2}-\d{2}.*|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}"
_IPV4 = r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
_URL = r"(?i)(?:https?|ftp)://\S+|www\.\S+"
_USER_URL = r"(?i)(?:https?|ftp)://[^/\s@]{1,256}@|/~[\w.-]{1,64}|/(?:users?|profiles?|people|members?|u)/[\w.-]{1,64}"
_IBAN = r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}"
_PHONE_IN_TEXT = r"(?<!\w)\+?\(?\d{2,4}\)?[\s.-]\d{3,4}[\s.-]?\d{3,4}(?!\w)"


def _share(mask: pd.Series) -> float:
    return float(mask.mean()) if len(mask) else 0.0


def _phone_share(values: pd.Series) -> float:
    digits = values.str.count(r"\d")
    ok = values.str.fullmatch(_PHONE) & digits.between(7, 15) & ~values.str.fullmatch(_DATE_TEXT)
    return _share(ok & (values.str.contains(r"[\s().\-/+]") | (digits >= 9)))


def _luhn_share(values: pd.Series) -> float:
    """Share of values that are 13-19 digit Luhn-valid numbers (vectorised checksum)."""
    digits = values.str.replace(r"[\s-]", "", regex=True)
    ok = digits.str.fullmatch(r"\d{13,19}")
    if not ok.any():
        return 0.0
    padded = digits[ok].str.zfill(19).to_numpy().astype("S19")
    arr = np.frombuffer(padded.tobytes(), dtype=np.uint8).reshape(-1, 19).astype(int) - ord("0")
    doubled = arr[:, -2::-2] * 2
    total = arr[:, -1::-2].sum(axis=1) + (doubled - 9 * (doubled > 9)).sum(axis=1)
    return float((total % 10 == 0).sum()) / len(values)


def _iban_share(values: pd.Series) -> float:
    compact = values.str.replace(" ", "", regex=False).str.upper()
    shaped = compact[compact.str.fullmatch(_IBAN)]
    valid = sum(int("".join(str(int(ch, 36)) for ch in v[4:] + v[:4])) % 97 == 1 for v in shaped)
    return valid / len(values)


def _is_ipv6(text: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(text), ipaddress.IPv6Address)
    except ValueError:
        return False


def _ip_share(values: pd.Series) -> float:
    v4 = values.str.fullmatch(_IPV4)
    maybe_v6 = values[~v4 & values.str.fullmatch(r"[0-9A-Fa-f:.]{2,45}") & values.str.contains("::|:.*:.*:")]
    return (int(v4.sum()) + sum(_is_ipv6(v) for v in maybe_v6)) / len(values)


_VALUE_RULES: tuple[tuple[str, float, str, Callable[[pd.Series], float]], ...] = (
    ("email", 0.5, "e-mail addresses", lambda v: _share(v.str.fullmatch(_EMAIL))),
    ("card_number", 0.5, "Luhn-valid card numbers", _luhn_share),
    ("iban", 0.5, "IBANs", _iban_share),
    ("ip_address", 0.5, "IP addresses", _ip_share),
    ("phone", 0.6, "phone numbers", _phone_share),
    ("url", 0.2, "URLs naming a user", lambda v: _share(v.str.contains(_USER_URL))),
)


def _value_rule(values: pd.Series, personal: bool) -> tuple[str, float, str] | None:
    """(category, share, description) from sampled text values, or None."""
    if len(values) < 3:
        return None
    for category, threshold, what, measure in _VALUE_RULES:
        if (share := measure(values)) >= threshold:
            return category, share, what
    if personal and (share := _share(values.str.contains(_URL))) >= 0.5:
        return "url", share, "URLs on a table of people or companies"
    if values.str.len().mean() >= 20:
        hits = values.str.contains(_EMAIL) | values.str.contains(_PHONE_IN_TEXT)
        if hits.sum() >= max(1, 0.01 * len(values)):
            return "free_text", _share(hits), "free text holding e-mail addresses or phone numbers"
    return None


_NAME_LOCALES = "en_US en_GB de_DE fr_FR es_ES es_MX pt_BR pt_PT it_IT nl_NL sv_SE no_NO da_DK fi_FI pl_PL cs_CZ hu_HU"


@lru_cache(maxsize=1)
def _common_first_names() -> frozenset[str]:
    """Lower-cased first names from Faker's person providers of common Western locales."""
    names: set[str] = set()
    for locale in _NAME_LOCALES.split():
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names |= {str(n).lower() for n in getattr(provider, attr, ())}
    return frozenset(names)


def _looks_like_companies(values: pd.Series) -> bool:
    """A generic 'name' column (ship_name, ...) holding organisations rather than people."""
    if len(values) < 10:
        return False
    return _share(values.str.split().str[0].str.lower().isin(_common_first_names())) < 0.25


# --------------------------------------------------------------------------- detect

COMMON_EMAIL_DOMAINS = frozenset("""gmail.com googlemail.com yahoo.com hotmail.com outlook.com live.com msn.com
    aol.com icloud.com me.com mac.com protonmail.com proton.me gmx.com gmx.net gmx.de web.de mail.com mail.ru
    yandex.ru yandex.com qq.com 163.com 126.com naver.com zoho.com t-online.de orange.fr free.fr laposte.net
    libero.it virgilio.it uol.com.br bol.com.br sapo.pt wp.pl o2.pl seznam.cz comcast.net btinternet.com shaw.ca
    rogers.ca""".split())
_WEBMAIL = r"(?:yahoo|hotmail|outlook|live|gmx|ymail)\.(?:[a-z]{2,3}|co\.[a-z]{2}|com\.[a-z]{2})"
_MIN_DOMAIN_COUNT = 2  # a domain seen once may be a person's own


def detect(
    snapshot: SchemaSnapshot, samples: Mapping[str, pd.DataFrame], add: Sequence[str] = (), remove: Sequence[str] = ()
) -> tuple[PiiColumn, ...]:
    """Every PII column of ``snapshot``, judged from names, types and sampled values."""
    adds, removes = _refs(snapshot, add, "add"), _refs(snapshot, remove, "remove")
    if both := sorted(set(adds) & set(removes)):
        raise ConfigError(f"pii column {'.'.join(both[0])} is both added and removed; keep it in one list")
    found: list[PiiColumn] = []
    for table in snapshot.tables:
        forced = {c for t, c in adds if t == table.key}
        dropped = {c for t, c in removes if t == table.key}
        found += _detect_table(table, samples.get(table.key), forced, dropped)
    return tuple(found)


def _refs(snapshot: SchemaSnapshot, refs: Sequence[str], which: str) -> list[tuple[str, str]]:
    """Parse ``table.column`` (or ``schema.table.column``) entries, checking that they exist."""
    out = []
    for ref in refs:
        key, name = _split_ref(snapshot, ref)
        if not key or not name:
            raise ConfigError(f"pii {which} entry {ref!r} must be written table.column")
        if not snapshot.has_table(key):
            raise ConfigError(f"pii {which} entry {ref!r}: unknown table {key!r}")
        table = snapshot.table(key)
        if name not in {c.name for c in table.columns}:
            raise ConfigError(f"pii {which} entry {ref!r}: table {key} has no column {name!r}")
        if which == "add" and name in _key_columns(table):
            raise ConfigError(f"pii add entry {ref!r} is a key column; keys are never replaced")
        out.append((key, name))
    return out


def _split_ref(snapshot: SchemaSnapshot, ref: str) -> tuple[str, str]:
    """``table.column`` where a table key may hold a dot (``sales.order``) and so may a column (a
    composite's attribute, ``home.street``): the longest known table on the left wins."""
    for at in reversed([i for i, ch in enumerate(ref) if ch == "."]):
        if snapshot.has_table(ref[:at]):
            return ref[:at], ref[at + 1:]
    key, _, name = ref.rpartition(".")
    return key, name


def _key_columns(table: Table) -> set[str]:
    return set(table.primary_key) | set(table.fk_columns)


def _detect_table(table: Table, sample: pd.DataFrame | None, forced: set[str], dropped: set[str]) -> list[PiiColumn]:
    words = set(_tokens(table.name))
    person = bool((words | {w.removesuffix("s") for w in words}) & _PERSON_TABLES)
    by_name = {c.name: _name_rule(c.name, person) for c in table.columns}
    has_address = any(hit and hit[0] == "street_address" for hit in by_name.values())
    personal = person or any(hit and hit[0] in _PERSONAL for hit in by_name.values())
    out = []
    for col in table.columns:
        if col.name in _key_columns(table) or col.name in dropped:
            continue
        values = _text_values(sample, col)
        hit = _classify(col, by_name[col.name], values, (has_address, personal), col.name in forced)
        if hit is None and col.name in forced:
            raise ConfigError(f"pii add entry {table.key}.{col.name}: a {col.kind} column cannot hold Faker values")
        if hit:
            out.append(_entry(table.key, col, hit, sample))
    return out


def _classify(
    col: Column, by_name: tuple[str, str] | None, values: pd.Series, context: tuple[bool, bool], forced: bool
) -> tuple[str, str] | None:
    """(category, reason) for one column, or None."""
    if col.kind == "inet":
        return "ip_address", "column type is inet"
    if by_name and _name_applies(by_name[0], col.kind, context, forced):
        if by_name[1] == "name" and _looks_like_companies(values):
            return "company", "column name matches 'name' and few sampled values start with a common first name"
        return by_name[0], f"column name matches {by_name[1]!r}"
    if col.kind in TEXT_KINDS and (rule := _value_rule(values, context[1])):
        return rule[0], f"{rule[1]:.0%} of sampled values look like {rule[2]}"
    if not forced or col.kind not in TEXT_KINDS | _DATE_KINDS:
        return None
    if col.kind in _DATE_KINDS:
        return "birth_date", "added in the pii configuration"
    long = bool(len(values)) and float(values.str.len().mean()) >= 60
    return ("free_text" if long else "text"), "added in the pii configuration"


#: Value rules read at most this many values of a column, each cut to this many characters:
#: detection costs what the capped sample's bytes cost, however long a value is.
SAMPLE_VALUES = 2000
SAMPLE_CHARS = 2000


def _text_values(sample: pd.DataFrame | None, col: Column) -> pd.Series:
    usable = sample is not None and col.name in sample.columns and col.kind in TEXT_KINDS
    return capped(sample[col.name]) if usable else pd.Series([], dtype=object)  # type: ignore[index]


def capped(values: pd.Series) -> pd.Series:
    """The non-null values as stripped text: a seeded sample of at most ``SAMPLE_VALUES``, each cut to ``SAMPLE_CHARS``."""
    present = values.dropna()
    if len(present) > SAMPLE_VALUES:
        present = present.sample(SAMPLE_VALUES, random_state=0).sort_index()
    return present.astype(str).str.slice(0, SAMPLE_CHARS).str.strip()


def looks_personal(values: list[str]) -> bool:
    """Whether text values (of a JSON key, an array, an hstore key) look like e-mail addresses, phone or
    card numbers, IBANs or IP addresses: then none of them is kept, even as a category."""
    text = capped(pd.Series(values, dtype=object))
    return len(text) >= 3 and any(measure(text) >= threshold for _, threshold, _, measure in _VALUE_RULES[:5])


def _entry(key: str, col: Column, hit: tuple[str, str], sample: pd.DataFrame | None) -> PiiColumn:
    category, reason = hit
    raw = sample[col.name] if sample is not None and col.name in sample.columns else pd.Series([], dtype=object)
    null_rate = round(float(raw.isna().mean()), 4) if len(raw) else 0.0
    values = raw.dropna().astype(str)
    mean_length = float(values.str.len().mean()) if category in {"free_text", "text"} and len(values) else None
    domains = _email_domains(values) if category == "email" else ()
    return PiiColumn(key, col.name, category, reason, null_rate, mean_length, domains, empty_rate=empty_share(raw))


def _email_domains(values: pd.Series) -> tuple[tuple[str, float], ...]:
    """Shares of well-known public mail domains only; company and rare domains are dropped."""
    if not len(values):
        return ()
    domains = values.str.rpartition("@")[2].str.lower().str.strip()
    counts = domains.value_counts()
    public = counts.index.isin(COMMON_EMAIL_DOMAINS) | counts.index.str.fullmatch(_WEBMAIL)
    common = counts[(counts >= _MIN_DOMAIN_COUNT) & public]
    return tuple((str(d), round(float(c) / len(domains), 4)) for d, c in common.items())
