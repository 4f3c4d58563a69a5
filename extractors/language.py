"""A cheap guess of a text's language from the scripts its letters belong to."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from typing import Final

logger = logging.getLogger(__name__)

# Enough letters to judge the whole text; counting all of a 5 MB text adds nothing.
SAMPLE_CHARS: Final = 20_000
CJK_SPACE_PATTERN: Final = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])[ \t]+"
    r"(?=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])"
)
ASIAN_CHAR_WEIGHT: Final = 3
DOMINANT_SHARE: Final = 0.3
SCRIPT_LANGUAGES: Final = {
    "CYRILLIC": "ru",
    "ARABIC": "ar",
    "GREEK": "el",
    "HEBREW": "he",
    "THAI": "th",
    "DEVANAGARI": "hi",
}


def script_of(char: str) -> str:
    """The script a letter belongs to, as its Unicode name's first word."""
    code = ord(char)
    if 0x3040 <= code <= 0x30FF:
        return "KANA"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
        return "HANGUL"
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code >= 0x20000:
        return "HAN"
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "OTHER"


def guess_language(text: str) -> str:
    """ISO 639-1 code of the dominant script's language, or ``und`` without letters."""
    scripts = Counter(script_of(char) for char in text[:SAMPLE_CHARS] if char.isalpha())
    if not scripts:
        return "und"

    # One hanzi carries about as much as a short Latin word, so Asian characters
    # weigh three letters each; a Chinese text quoting Latin names stays Chinese.
    asian = scripts["HAN"] + scripts["KANA"] + scripts["HANGUL"]
    weighted = sum(scripts.values()) + (ASIAN_CHAR_WEIGHT - 1) * asian
    if asian * ASIAN_CHAR_WEIGHT >= DOMINANT_SHARE * weighted:
        return asian_language(scripts)

    script, _ = scripts.most_common(1)[0]
    if script == "LATIN":
        return "en"
    return SCRIPT_LANGUAGES.get(script, "und")


def asian_language(scripts: Counter[str]) -> str:
    """Japanese with kana, Korean with more hangul than hanzi, else Chinese."""
    asian = scripts["HAN"] + scripts["KANA"] + scripts["HANGUL"]
    if scripts["KANA"] >= 0.2 * asian:
        return "ja"
    if scripts["HANGUL"] > scripts["HAN"]:
        return "ko"
    return "zh"


def join_cjk_spaces(text: str) -> str:
    """Text with the spaces OCR puts between two Chinese characters removed."""
    return CJK_SPACE_PATTERN.sub("", text)
