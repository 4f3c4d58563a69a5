"""Text files in any encoding, detected from the bytes and never assumed."""

from __future__ import annotations

import codecs
import logging
from typing import Final

import charset_normalizer

from extractors.detect import looks_utf16
from extractors.types import Extraction, ExtractionLimits

logger = logging.getLogger(__name__)

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BOMS: Final[tuple[tuple[bytes, str], ...]] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# GB18030 is a superset of these; a detector naming one of them is naming GB18030
# text that happened to use only the older subset, and decoding with the superset
# keeps the rarer characters (names, Ext-A) the subset would lose.
GB_FAMILY: Final = frozenset({"gb2312", "gbk", "cp936", "hz", "gb18030"})
# Detecting on a prefix is as good as on the whole file and bounds the cost.
DETECTION_SAMPLE_BYTES: Final = 256 * 1024
WIDE_CODECS: Final = ("utf_16", "utf_32")


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of bytes in an undeclared encoding, and the encoding used."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding

    # NUL bytes are valid UTF-8, so BOM-less UTF-16 has to be ruled out first.
    if looks_utf16(data[:8192]):
        encoding = "utf-16-be" if data[:1] == b"\x00" else "utf-16-le"
        return data.decode(encoding, errors="replace"), encoding

    # ISO-2022-JP is 7-bit, so it is also valid UTF-8; its escapes give it away.
    if b"\x1b$B" in data or b"\x1b$@" in data:
        return data.decode("iso2022_jp", errors="replace"), "iso2022_jp"

    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass

    encoding = guess_encoding(data)
    return data.decode(encoding, errors="replace"), encoding


def guess_encoding(data: bytes) -> str:
    """The legacy encoding charset-normalizer finds most likely, GB names unified."""
    # UTF-16/32 were ruled out by BOM and NUL pattern before; on a few bytes
    # of Big5 or GBK the detector still ranks them first (a mail header).
    matches = charset_normalizer.from_bytes(data[:DETECTION_SAMPLE_BYTES])
    candidates = [m.encoding for m in matches if not m.encoding.startswith(WIDE_CODECS)]
    encoding = candidates[0] if candidates else "gb18030"
    if encoding in GB_FAMILY or is_gb18030_text(data, encoding):
        return "gb18030"
    return encoding


def is_gb18030_text(data: bytes, guess: str) -> bool:
    """Whether a CJK guess other than Big5 is better read as GB18030.

    Short Chinese texts are sometimes taken for EUC-JP or Shift_JIS; if the
    bytes decode cleanly as GB18030 into mostly common Chinese characters, they
    are Chinese.
    """
    # Korean is left out: EUC-KR hangul rows coincide with GB2312's common hanzi.
    if guess not in {"euc_jp", "euc_jis_2004", "shift_jis", "cp932"}:
        return False
    try:
        text = data[:DETECTION_SAMPLE_BYTES].decode("gb18030")
    except UnicodeDecodeError:
        return False
    han = [char for char in text if "\u4e00" <= char <= "\u9fff"]
    return len(han) > 0.3 * len(text) and share_of_common_hanzi(han) > 0.9


def share_of_common_hanzi(han: list[str]) -> float:
    """Share of characters in GB2312 level 1, the 3,755 most used hanzi."""
    common = 0
    for char in han:
        encoded = char.encode("gb2312", errors="ignore")
        if encoded and 0xB0 <= encoded[0] <= 0xD7:
            common += 1
    return common / len(han) if han else 0.0


def extract_text_file(
    data: bytes, mime_type: str, limits: ExtractionLimits
) -> Extraction:
    """A text file's content decoded from its detected encoding."""
    text, encoding = decode_text(data)
    logger.debug("decoded %d bytes of %s as %s", len(data), mime_type, encoding)
    return Extraction(mime_type=mime_type, text=text[: limits.max_text_chars])
