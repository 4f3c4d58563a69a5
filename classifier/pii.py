"""Detectors for personal data in Chinese and English text; they count, never keep."""

from __future__ import annotations

import datetime
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Final

logger = logging.getLogger(__name__)

Span = tuple[int, int]

# GB 11643: the first two digits name a province-level division.
PRC_PROVINCE_CODES: Final = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45}
    | {46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
PRC_ID_WEIGHTS: Final = tuple(pow(2, 17 - position, 11) for position in range(17))
PRC_ID_CHECK_CHARS: Final = "10X98765432"
PRC_ID_EARLIEST_BIRTH_YEAR: Final = 1900

# GB 32100: 31 characters (no I, O, Z, S, V); weight of position i is 3**i mod 31.
USCC_CHARS: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: Final = tuple(pow(3, position, 31) for position in range(17))

PASSPORT_CONTEXT_CHARS: Final = 40

# Shared mailboxes of a department name no person, so they are not personal data;
# matched on the local part before any "+tag", "." or "-" suffix.
ROLE_MAILBOXES: Final = frozenset(
    {"accounts", "admin", "billing", "contact", "enquiries", "finance", "help"}
    | {"hello", "hr", "info", "invoice", "invoices", "legal", "mail", "marketing"}
    | {"noreply", "no-reply", "office", "orders", "payments", "postmaster"}
    | {"press", "purchasing", "sales", "service", "support", "webmaster"}
)

# Look-arounds keep a match from being a slice of a longer number, including one
# written in groups ("6222 0212 ..."), which is what makes a phone inside an
# invoice number or a card number not count.
_NO_DIGIT_BEFORE = r"(?<!\d)(?<!\d[ -])"
_NO_DIGIT_AFTER = r"(?!\d)(?![ -]\d)"
_NO_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NO_ALNUM_AFTER = r"(?![0-9A-Za-z])"

PRC_ID_PATTERN: Final = re.compile(_NO_ALNUM_BEFORE + r"\d{17}[\dXx]" + _NO_ALNUM_AFTER)
MOBILE_PATTERN: Final = re.compile(
    r"(?:(?<![\d+])(?:\+|00)86[ -]?|" + _NO_DIGIT_BEFORE + r")"
    r"1[3-9]\d(?:\d{8}|[ -]\d{4}[ -]\d{4})" + _NO_DIGIT_AFTER
)
BANK_CARD_PATTERN: Final = re.compile(
    _NO_DIGIT_BEFORE + r"(?:\d{13,19}|\d{4,6}(?:[ -]\d{3,7}){1,4})" + _NO_DIGIT_AFTER
)
EMAIL_PATTERN: Final = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
PRC_PASSPORT_PATTERN: Final = re.compile(
    _NO_ALNUM_BEFORE + r"[EG]\d{8}" + _NO_ALNUM_AFTER
)
CONTEXT_PASSPORT_PATTERN: Final = re.compile(
    _NO_ALNUM_BEFORE + r"(?:[A-Z]\d{8}|E[A-HJ-NP-Z]\d{7})" + _NO_ALNUM_AFTER
)
PASSPORT_WORD_PATTERN: Final = re.compile(r"passport|护照|護照", re.IGNORECASE)
USCC_PATTERN: Final = re.compile(
    _NO_ALNUM_BEFORE
    + r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}"
    + _NO_ALNUM_AFTER
)


def is_prc_id(candidate: str) -> bool:
    """True when an 18-character PRC resident ID has a real province, date and check."""
    if len(candidate) != 18 or not candidate[:17].isdigit():
        return False
    if int(candidate[:2]) not in PRC_PROVINCE_CODES:
        return False
    if not _is_plausible_birth_date(candidate[6:14]):
        return False
    return candidate[17].upper() == prc_id_check_char(candidate[:17])


def prc_id_check_char(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of a PRC ID."""
    total = sum(
        int(digit) * weight for digit, weight in zip(body, PRC_ID_WEIGHTS, strict=True)
    )
    return PRC_ID_CHECK_CHARS[total % 11]


def is_luhn_valid(digits: str) -> bool:
    """True when a digit string passes the Luhn (mod 10) check used by card numbers."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def uscc_check_char(body: str) -> str:
    """The GB 32100 check character of the first 17 characters of a credit code."""
    total = sum(
        USCC_CHARS.index(char) * weight
        for char, weight in zip(body, USCC_WEIGHTS, strict=True)
    )
    return USCC_CHARS[(31 - total % 31) % 31]


def is_uscc(candidate: str) -> bool:
    """True when an 18-character unified social credit code carries its check char."""
    if len(candidate) != 18 or any(char not in USCC_CHARS for char in candidate):
        return False
    return candidate[17] == uscc_check_char(candidate[:17])


def detect_pii(text: str) -> dict[str, int]:
    """How many of each kind of personal data the text holds; kinds absent are omitted.

    Kinds: ``prc_id``, ``mobile``, ``bank_card``, ``email`` (shared mailboxes
    such as sales@ left out), ``passport`` and ``uscc`` (an organisation's code:
    reported, but not personal data itself).
    """
    claimed: list[Span] = []
    counts: Counter[str] = Counter()

    # Order matters: an 18-digit ID number can also pass Luhn or look like a
    # credit code, so the more specific kinds claim their spans first.
    for kind, finder in _FINDERS:
        for span in finder(text):
            if not _overlaps(span, claimed):
                claimed.append(span)
                counts[kind] += 1

    return dict(counts)


def _is_plausible_birth_date(digits: str) -> bool:
    """True for a YYYYMMDD date between 1900 and today."""
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return born.year >= PRC_ID_EARLIEST_BIRTH_YEAR and born <= datetime.date.today()


def _find_prc_ids(text: str) -> Iterator[Span]:
    for match in PRC_ID_PATTERN.finditer(text):
        if is_prc_id(match.group()):
            yield match.span()


def _find_mobiles(text: str) -> Iterator[Span]:
    for match in MOBILE_PATTERN.finditer(text):
        yield match.span()


def _find_bank_cards(text: str) -> Iterator[Span]:
    for match in BANK_CARD_PATTERN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and is_luhn_valid(digits):
            yield match.span()


def _find_emails(text: str) -> Iterator[Span]:
    for match in EMAIL_PATTERN.finditer(text):
        if not is_role_mailbox(match.group()):
            yield match.span()


def is_role_mailbox(address: str) -> bool:
    """True for a department's shared address such as sales@ or accounts.payable@."""
    local = address.split("@", 1)[0].lower()
    if local in ROLE_MAILBOXES:
        return True
    return re.split(r"[.+_-]", local, maxsplit=1)[0] in ROLE_MAILBOXES


def _find_passports(text: str) -> Iterator[Span]:
    for match in PRC_PASSPORT_PATTERN.finditer(text):
        yield match.span()

    # Other countries' numbers are too generic to count without the word nearby.
    for match in CONTEXT_PASSPORT_PATTERN.finditer(text):
        start = max(0, match.start() - PASSPORT_CONTEXT_CHARS)
        window = text[start : match.end() + PASSPORT_CONTEXT_CHARS]
        if PASSPORT_WORD_PATTERN.search(window):
            yield match.span()


def _find_usccs(text: str) -> Iterator[Span]:
    for match in USCC_PATTERN.finditer(text):
        if is_uscc(match.group()):
            yield match.span()


def _overlaps(span: Span, claimed: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in claimed)


_FINDERS: Final[tuple[tuple[str, Callable[[str], Iterator[Span]]], ...]] = (
    ("prc_id", _find_prc_ids),
    ("uscc", _find_usccs),
    ("email", _find_emails),
    ("passport", _find_passports),
    ("mobile", _find_mobiles),
    ("bank_card", _find_bank_cards),
)
