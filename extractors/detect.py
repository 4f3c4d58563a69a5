"""The MIME type of a file from its first bytes; the name is only a tie-breaker."""

from __future__ import annotations

import logging
import re
from pathlib import PurePath
from typing import Final

logger = logging.getLogger(__name__)

OCTET_STREAM: Final = "application/octet-stream"
WORDPERFECT: Final = "application/vnd.wordperfect"
FLAT_OPC_NAMESPACE: Final = b"schemas.microsoft.com/office/2006/xmlPackage"
WORD_PROG_ID: Final = b'progid="Word.Document"'
# OpenPGP packets that start an encrypted message: public-key or symmetric-key
# session key, in the old (0x84-0x8F) or new (0xC1, 0xC3) packet format.
PGP_SESSION_KEY_TAGS: Final = frozenset(
    {0x84, 0x85, 0x86, 0x8C, 0x8D, 0x8E, 0xC1, 0xC3}
)
PGP_PACKET_VERSIONS: Final = frozenset({3, 4, 5, 6})
DBF_VERSIONS: Final = frozenset(
    {0x02, 0x03, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0xCB, 0xF5, 0xFB}
)
DBF_FIELD_TYPES: Final = frozenset(b"CNLDFMBGIYT0@+OPWV")
# Some producers put junk (a BOM, a few bytes) before the header; readers accept it.
PDF_HEADER_WINDOW_BYTES: Final = 1024
TEXT_SAMPLE_BYTES: Final = 8192

SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "image/jp2"),
    (b"\xff\x4f\xff\x51", "image/jp2"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "image/jxl"),
    (b"\xff\x0a", "image/jxl"),
    (b"\x97JB2\r\n\x1a\n", "image/x-jbig2"),
    (b"{\\rtf", "application/rtf"),
    (b"\x1f\x8b", "application/gzip"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"-----BEGIN PGP", "application/pgp-encrypted"),
    (b"\xffWPC", WORDPERFECT),
    # The OneNote revision-store file GUID {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}.
    (bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3"), "application/onenote"),
)
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX: Final = (
    "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)
# Word's single-file XML package (pkg:package); read like a DOCX.
WORD_FLAT_OPC: Final = "application/vnd.ms-word.flat-opc+xml"
OOXML_SUFFIXES: Final = {
    ".docx": DOCX,
    ".docm": DOCX,
    ".dotx": DOCX,
    ".xlsx": XLSX,
    ".xlsm": XLSX,
    ".pptx": PPTX,
}
ZIP_MARKERS: Final[tuple[tuple[bytes, str], ...]] = (
    (
        b"mimetypeapplication/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.text",
    ),
    (
        b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    (
        b"mimetypeapplication/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.presentation",
    ),
    (
        b"word/",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        b"ppt/",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
)
ISO_BMFF_BRANDS: Final = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"avif": "image/avif",
}
MAIL_HEADER_NAMES: Final = frozenset(
    {
        b"received",
        b"return-path",
        b"from",
        b"to",
        b"subject",
        b"date",
        b"message-id",
        b"mime-version",
        b"content-type",
    }
)
HEADER_LINE_PATTERN: Final = re.compile(rb"^([A-Za-z][A-Za-z0-9_-]*):")
MBOX_FROM_PREFIX: Final = b"From "
HTML_PATTERN: Final = re.compile(
    rb"<(!doctype html|html|head|body|div|p|br|h1|table|span|style|script)[\s>/]",
    re.IGNORECASE,
)
XHTML_PATTERN: Final = re.compile(rb"<(!doctype html|html)[\s>]", re.IGNORECASE)
TABLE_SUFFIXES: Final = {".csv": "text/csv", ".tsv": "text/tab-separated-values"}


def detect_type(head: bytes, name: str = "") -> str:
    """MIME type of a file from its first bytes; unknown gives octet-stream."""
    for signature, mime_type in SIGNATURES:
        if head.startswith(signature):
            return mime_type

    if b"%PDF-" in head[:PDF_HEADER_WINDOW_BYTES]:
        return "application/pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return zip_type(head, name)
    if head[4:8] == b"ftyp":
        return ISO_BMFF_BRANDS.get(head[8:12], OCTET_STREAM)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"

    if head[257:262] == b"ustar":
        return "application/x-tar"

    return binary_type(head) or markup_type(ascii_view(head)) or plain_type(head, name)


def binary_type(head: bytes) -> str | None:
    """Formats without a fixed magic number, recognised by their structure.

    Their first bytes can also begin a GBK text (lead bytes 0x81-0xFE), so
    anything that reads as text is left to the text checks.
    """
    if is_text(head):
        return None
    if is_pgp_message(head):
        return "application/pgp-encrypted"
    if is_dbf(head):
        return "application/x-dbf"
    if is_wordperfect4(head):
        return WORDPERFECT
    return None


def is_pgp_message(head: bytes) -> bool:
    """Whether a binary OpenPGP message opens with a session-key packet."""
    if len(head) < 8 or head[0] not in PGP_SESSION_KEY_TAGS:
        return False
    # The version byte follows the 1-, 2- or 4-byte length (old format) or the
    # one-byte length of a new-format packet.
    length_bytes = {0: 1, 1: 2, 2: 4}.get(head[0] & 0x03, 1) if head[0] < 0xC0 else 1
    return head[1 + length_bytes] in PGP_PACKET_VERSIONS


def is_dbf(head: bytes) -> bool:
    """Whether the bytes hold a dBase header: version, date, sizes, first field."""
    if len(head) < 64 or head[0] not in DBF_VERSIONS:
        return False
    month, day = head[2], head[3]
    header_size = int.from_bytes(head[8:10], "little")
    record_size = int.from_bytes(head[10:12], "little")
    field_name = head[32:43].split(b"\0", 1)[0]
    return (
        1 <= month <= 12
        and 1 <= day <= 31
        and header_size >= 65
        and record_size > 1
        and field_name.isascii()
        and field_name.replace(b"_", b"").isalnum()
        and head[43] in DBF_FIELD_TYPES
    )


def is_wordperfect4(head: bytes) -> bool:
    """Whether the file opens with WordPerfect 4.x function codes.

    WordPerfect before 5.0 has no header; its fixed-length codes (0xC0-0xFE)
    begin and end with the same byte, so two closed codes in a row mark it.
    """
    position = 0
    for _ in range(2):
        code = head[position : position + 1]
        if not code or not 0xC0 <= code[0] <= 0xFE:
            return False
        end = head.find(code, position + 2, position + 40)
        if end < 0:
            return False
        position = end + 1
    return True


def ascii_view(head: bytes) -> bytes:
    """The first bytes with UTF-16 turned into single bytes, for header patterns."""
    sample = head[:TEXT_SAMPLE_BYTES]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or looks_utf16(sample):
        encoding = (
            "utf-16-be"
            if sample[0:1] == b"\x00" or sample[:2] == b"\xfe\xff"
            else "utf-16-le"
        )
        text = sample[: len(sample) // 2 * 2].decode(encoding, errors="replace")
        return text.lstrip("\ufeff").encode("utf-8", errors="replace")
    return sample.removeprefix(b"\xef\xbb\xbf")


def markup_type(sample: bytes) -> str | None:
    """E-mail or HTML when the first bytes look like mail headers or HTML tags."""
    start = sample.lstrip(b" \r\n\t")
    if is_mail(start):
        return "message/rfc822"
    if start.startswith(b"<?xml"):
        if WORD_PROG_ID in sample and FLAT_OPC_NAMESPACE in sample:
            return WORD_FLAT_OPC
        # XHTML is HTML; a feed or an office XML with <title> is XML.
        return "text/html" if XHTML_PATTERN.search(sample) else "application/xml"
    if start.startswith(b"<") and HTML_PATTERN.search(sample):
        return "text/html"
    return None


def is_mail(sample: bytes) -> bool:
    """Whether the text opens with a block of RFC 5322 headers naming mail fields."""
    block = re.split(rb"\r?\n\r?\n", sample, maxsplit=1)[0]
    lines = [line for line in block.splitlines() if line and line[:1] not in b" \t"]
    if lines and lines[0].startswith(MBOX_FROM_PREFIX):
        lines = lines[1:]
    names = [
        m.group(1).lower() for line in lines if (m := HEADER_LINE_PATTERN.match(line))
    ]
    if len(names) < 2 or len(names) < 0.8 * len(lines):
        return False
    return any(name in MAIL_HEADER_NAMES for name in names)


def plain_type(head: bytes, name: str) -> str:
    """Text type for text, else octet-stream."""
    if is_text(head):
        return text_type(head, name)
    return OCTET_STREAM


def zip_type(head: bytes, name: str) -> str:
    """Office or ODF type when the first member names show it, else plain ZIP."""
    for marker, mime_type in ZIP_MARKERS:
        if marker in head:
            return mime_type
    if b"[Content_Types].xml" in head:
        return OOXML_SUFFIXES.get(PurePath(name).suffix.lower(), DOCX)
    return "application/zip"


def is_text(head: bytes) -> bool:
    """Whether the bytes read as text in some encoding (NUL-free or UTF-16/32)."""
    sample = head[:TEXT_SAMPLE_BYTES]
    if not sample:
        return False
    if sample.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return True
    if looks_utf16(sample):
        return True

    # ESC is legal in ISO-2022 text; other C0 controls mean binary.
    controls = sum(
        1 for byte in sample if byte < 0x09 or (0x0E <= byte < 0x20 and byte != 0x1B)
    )
    return controls <= len(sample) * 0.01


def looks_utf16(sample: bytes) -> bool:
    """Whether BOM-less bytes have the NUL in every other byte of UTF-16 ASCII."""
    if len(sample) < 4:
        return False
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    return (
        max(even_nuls, odd_nuls) > 0.4 * half and min(even_nuls, odd_nuls) < 0.05 * half
    )


def text_type(head: bytes, name: str) -> str:
    """Which kind of text: HTML fragment, table or plain."""
    sample = ascii_view(head)
    if HTML_PATTERN.search(sample[:1024]) and b"<" in sample[:64]:
        return "text/html"

    # The content says "text"; only then may the name say which text.
    suffix = PurePath(name).suffix.lower()
    return TABLE_SUFFIXES.get(suffix, "text/plain")
