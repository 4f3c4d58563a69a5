"""E-mail (RFC 5322): headers and body as text, attachments as child files."""

from __future__ import annotations

import email
import email.header
import email.utils
import logging
from email.message import Message
from typing import Any, Final

from extractors.language import guess_language
from extractors.markup import html_to_text
from extractors.plaintext import decode_text
from extractors.types import ChildFile, Extraction, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "message/rfc822"
# Mailers label GB18030 text as gb2312 or gbk, and Big5-HKSCS as big5; decoding
# with the superset keeps the characters the narrow label would lose.
CHARSET_SUPERSETS: Final = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "unicodebig": "utf-16-be",
    "unicode": "utf-16",
}
SHOWN_HEADERS: Final = ("From", "To", "Cc", "Date", "Subject")


def decode_charset(payload: bytes, charset: str | None) -> str:
    """Bytes decoded with a mail charset label, widened to its superset."""
    label = (charset or "utf-8").strip().lower()
    for encoding in (CHARSET_SUPERSETS.get(label, label), "utf-8", "gb18030"):
        try:
            return payload.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def decode_header_value(value: Any) -> str:
    """A header's text with RFC 2047 encoded words and raw 8-bit bytes decoded."""
    if not value:
        return ""
    try:
        pieces = email.header.decode_header(value)
    except email.errors.HeaderParseError:
        return str(value)
    return "".join(decode_piece(piece, charset) for piece, charset in pieces)


def decode_piece(piece: bytes | str, charset: str | None) -> str:
    """One decoded-header piece as text.

    Unencoded 8-bit header bytes (a broken mailer) carry no charset, so it is
    detected rather than assumed.
    """
    if isinstance(piece, str):
        return piece
    if charset in {None, "unknown-8bit"}:
        return decode_text(piece)[0]
    return decode_charset(piece, charset)


def attachment_name(part: Message) -> str | None:
    """A part's file name: RFC 2231 parameters first, then RFC 2047 words."""
    for header in ("content-disposition", "content-type"):
        for key in ("filename", "name"):
            value = part.get_param(key, header=header)
            if value is None:
                continue
            if isinstance(value, tuple):
                charset, _, text = value
                raw = text.encode("latin-1", errors="replace")
                return decode_charset(raw, charset or "utf-8")
            return decode_header_value(email.utils.unquote(value))
    return None


def part_text(part: Message) -> str:
    """The decoded text of a text part; HTML reduced to its visible text."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_charset(payload, part.get_content_charset())
    if part.get_content_type() == "text/html":
        return html_to_text(text)[0]
    return text


def extract_mail(data: bytes, limits: ExtractionLimits) -> Extraction:
    """Headers, body text and attachments of an e-mail."""
    message = email.message_from_bytes(data)
    bodies: list[str] = []
    children: list[ChildFile] = []
    collect(message, bodies, children, limits)

    headers = [
        f"{name}: {decode_header_value(message[name])}"
        for name in SHOWN_HEADERS
        if message[name]
    ]
    text = "\n".join(headers) + "\n\n" + "\n\n".join(bodies)
    return Extraction(
        mime_type=MIME_TYPE,
        text=text.strip()[: limits.max_text_chars],
        title=decode_header_value(message["Subject"]) or None,
        author=decode_header_value(message["From"]) or None,
        created=mail_date(message["Date"]),
        # Header names and addresses are Latin whatever the mail's language.
        language=guess_language(
            decode_header_value(message["Subject"]) + "\n".join(bodies)
        ),
        children=children,
    )


def collect(
    message: Message,
    bodies: list[str],
    children: list[ChildFile],
    limits: ExtractionLimits,
) -> None:
    """Walk the parts: inline text to bodies, everything else to children."""
    has_plain = any(part.get_content_type() == "text/plain" for part in message.walk())
    for part in message.walk():
        if part.is_multipart():
            continue
        name = attachment_name(part)
        kind = part.get_content_type()
        if name is None and kind.startswith("text/"):
            # An HTML alternative repeats the plain body; keep it only if alone.
            if kind != "text/html" or not has_plain:
                bodies.append(part_text(part))
            continue
        if len(children) >= limits.max_archive_members:
            logger.warning("e-mail has more than %d attachments", len(children))
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            children.append(
                ChildFile(name=name or f"part-{len(children) + 1}", data=payload)
            )


def mail_date(value: str | None) -> str | None:
    """ISO 8601 text of an e-mail Date header."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(value)).isoformat()
    except (TypeError, ValueError):
        return None
