"""The PII scan: flags columns that likely hold personal data, from their names and harvested sample values.

Rules are deliberately simple and explainable: each match says why (``pii_reason``). A name rule fires on
the column name's words (``customer_email`` → ``customer``, ``email``); a value rule fires when most of the
non-empty sample values look like the kind of data it detects. Checksums (IBAN mod-97, Luhn) keep false
positives on numeric ids down.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalog.governance.given_names import GIVEN_NAMES

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class PiiFinding:
    kind: str
    reason: str


# kind → column-name patterns, most specific first ("ip_address" is not a postal address), matched against
# the name's words joined by "_" (so "e_mail" matches too).
_NAME_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("e-mail address", re.compile(r"(^|_)(e_?mail|email_?address|mail_?address)(_|$)")),
    ("IP address", re.compile(r"(^|_)(ip|ip_?address|ipv4|ipv6|client_?ip)(_|$)")),
    ("phone number", re.compile(r"(^|_)(phone|mobile|telephone|tel|msisdn|fax)(_|$)")),
    (
        "person name",
        re.compile(
            r"(^|_)(first_?name|last_?name|given_?name|family_?name|surname|full_?name|maiden_?name|"
            r"(customer|recipient|person|contact|employee|patient|user|holder|account_?holder)_name)(_|$)"
        ),
    ),
    (
        "postal address",
        re.compile(
            r"(^|_)(address|street|street_?address|address_?line_?\d?|postcode|post_?code|postal_?code|zip|"
            r"zip_?code|house_?number)(_|$)"
        ),
    ),
    ("bank account (IBAN)", re.compile(r"(^|_)(iban|bank_?account|account_?number|bic|swift)(_|$)")),
    ("payment card number", re.compile(r"(^|_)(card_?number|credit_?card|pan|cc_?number|cvv|cvc)(_|$)")),
    (
        "national identifier",
        re.compile(
            r"(^|_)(ssn|social_?security|national_?id|nino|national_?insurance|passport|passport_?number|"
            r"tax_?id|tin|driving_?licen[cs]e|personal_?id|bsn|nir)(_|$)"
        ),
    ),
    ("date of birth", re.compile(r"(^|_)(dob|date_?of_?birth|birth_?date|birthday)(_|$)")),
]

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d][\d ()./-]{7,18}\d$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_CARD = re.compile(r"^\d{13,19}$")
_US_SSN = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_UK_NINO = re.compile(r"^[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]$")
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
_STREET = re.compile(
    r"^\d+[a-z]?,? [\w .'-]+ (street|st|road|rd|avenue|ave|lane|ln|way|drive|dr|boulevard|"
    r"blvd|strasse|straße|rue|weg|plein|laan)\.?$",
    re.IGNORECASE,
)
# "Ana García", "Dr. Jan de Vries", "O'Brien, Siobhan": two to five words, letters with ' - . inside.
_NAME_WORD = r"[^\W\d_][^\W\d_'’.-]*(?:['’-][^\W\d_]+)*\.?"
_PERSON_NAME = re.compile(rf"^{_NAME_WORD}(?:,? {_NAME_WORD}){{1,4}}$")
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "mx"}
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")


def _iban_ok(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not _IBAN.match(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _luhn_ok(value: str) -> bool:
    digits = value.replace(" ", "").replace("-", "")
    if not _CARD.match(digits):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _phone_ok(value: str) -> bool:
    # E.164 numbers have at most 15 digits; bare digit runs (ids) count only with a "+" or trunk "0" prefix.
    digits = sum(c.isdigit() for c in value)
    formatted = value.startswith(("+", "0")) or any(c in " -()./" for c in value)
    return bool(_PHONE.match(value)) and 9 <= digits <= 15 and formatted


def looks_like_person_name(value: str) -> bool:
    """A name's shape with a known given name in it, first (after a title) or after a comma."""
    if not _PERSON_NAME.match(value):
        return False
    parts = value.replace(",", " , ").split()
    words = [w.strip(".").lower() for w in parts]
    words = [w for w in words if w not in _TITLES]
    if not words or any(w[:1].isdigit() for w in words):
        return False
    candidates = {words[0]}
    if "," in words:  # "Family, Given"
        after = words.index(",") + 1
        if after < len(words):
            candidates.add(words[after])
    return any(c in GIVEN_NAMES or c.split("-")[0] in GIVEN_NAMES for c in candidates)  # "Mary-Jane"


_VALUE_RULES: list[tuple[str, Callable[[str], bool]]] = [
    ("e-mail address", lambda v: bool(_EMAIL.match(v))),
    ("bank account (IBAN)", _iban_ok),
    ("payment card number", _luhn_ok),
    ("national identifier", lambda v: bool(_US_SSN.match(v) or _UK_NINO.match(v.replace(" ", "").upper()))),
    ("postal address", lambda v: bool(_UK_POSTCODE.match(v.upper()) or _STREET.match(v))),
    ("IP address", lambda v: bool(_IPV4.match(v))),
    ("person name", looks_like_person_name),
    # Phone last: a 16-digit card number also looks like a long phone number.
    ("phone number", _phone_ok),
]


def name_words(name: str) -> str:
    """``customerEMail-Address`` → ``customer_e_mail_address``."""
    return "_".join(w for w in _WORD_SPLIT.split(_CAMEL.sub("_", name).lower()) if w)


def scan_column(name: str, sample_values: Iterable[object] = ()) -> PiiFinding | None:
    """The first reason this column likely holds personal data, or None."""
    words = name_words(name)
    for kind, pattern in _NAME_RULES:
        if pattern.search(words):
            return PiiFinding(kind, f"column name looks like a {kind}")
    values = [str(v).strip() for v in sample_values if v is not None and str(v).strip()][:50]
    if values:
        for kind, matches in _VALUE_RULES:
            hits = sum(1 for v in values if matches(v))
            # A majority of the samples, so that one odd value in a free-text column does not flag it.
            if hits * 2 > len(values):
                return PiiFinding(kind, f"{hits} of {len(values)} sample values look like a {kind}")
    return None
