"""Outlook items (.msg, extract-msg): headers and body as text, attachments as children.

Old Outlook writes 8-bit ("ANSI") string properties in the sender's code
page; extract-msg falls back to ISO-8859-15 when the message code page is
missing, which turns Big5 or GBK subjects into Latin noise, so the internet
code page is used instead when the message names one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Final

import extract_msg

from extractors.archive import safe_name
from extractors.language import guess_language
from extractors.markup import html_to_text
from extractors.types import ChildFile, Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "application/vnd.ms-outlook"
MESSAGE_CODEPAGE_PROPERTY: Final = "3FFD0003"
INTERNET_CODEPAGE_PROPERTY: Final = "3FDE0003"
# Mail code pages whose Python codec is a narrower relative.
CODEPAGE_ENCODINGS: Final = {936: "gb18030", 950: "cp950", 20936: "gb18030"}
UNICODE_CODEPAGES: Final = frozenset({1200, 1201, 65001})


def extract_outlook(data: bytes, limits: ExtractionLimits) -> Extraction:
    """Sender, recipients, date, subject and body of an Outlook item."""
    message = open_message(data)
    try:
        return read_message(message, limits)
    finally:
        message.close()


def open_message(data: bytes) -> Any:
    """The parsed item, opened with the code page its 8-bit strings use."""
    try:
        message = extract_msg.openMsg(data)
        encoding = legacy_encoding(message)
        if encoding is None:
            return message
        message.close()
        return extract_msg.openMsg(data, overrideEncoding=encoding)
    # extract-msg raises its own types and plain ones (KeyError, struct.error,
    # ValueError) on broken property streams: all mean a damaged item.
    except Exception as err:
        raise ExtractionFailed(
            f"damaged Outlook item ({type(err).__name__})", mime_type=MIME_TYPE
        ) from err


def legacy_encoding(message: Any) -> str | None:
    """The codec for 8-bit strings when the item names a code page, else None."""
    if message.areStringsUnicode:
        return None
    for key in (MESSAGE_CODEPAGE_PROPERTY, INTERNET_CODEPAGE_PROPERTY):
        prop = message.props.get(key)
        codepage = getattr(prop, "value", None)
        if isinstance(codepage, int) and codepage not in UNICODE_CODEPAGES:
            return CODEPAGE_ENCODINGS.get(codepage, f"cp{codepage}")
    return None


def read_message(message: Any, limits: ExtractionLimits) -> Extraction:
    """The extraction of an opened item."""
    subject = text_field(message, "subject")
    sender = text_field(message, "sender")
    body = body_text(message)
    headers = [
        f"{label}: {value}"
        for label, value in (
            ("From", sender),
            ("To", text_field(message, "to")),
            ("Cc", text_field(message, "cc")),
            ("Date", iso_date(getattr(message, "date", None))),
            ("Subject", subject),
        )
        if value
    ]
    text = "\n".join(headers) + "\n\n" + body
    return Extraction(
        mime_type=MIME_TYPE,
        text=text.strip()[: limits.max_text_chars],
        title=subject,
        author=sender,
        created=iso_date(getattr(message, "date", None)),
        language=guess_language(f"{subject or ''}\n{body}"),
        children=attachments(message, limits),
    )


def text_field(message: Any, name: str) -> str | None:
    """A string property, None when absent or empty."""
    try:
        value = getattr(message, name, None)
    # A broken property stream fails on access; the field is then missing.
    except Exception as err:
        logger.debug("Outlook field %s unreadable: %s", name, type(err).__name__)
        return None
    return value.strip() or None if isinstance(value, str) else None


def body_text(message: Any) -> str:
    """The plain body, else the HTML body's visible text.

    Reading ``body`` may make extract-msg derive text from the RTF body, whose
    parser fails on some code pages; the HTML body is the fallback.
    """
    body = text_field(message, "body")
    if body:
        return body.replace("\r\n", "\n")
    try:
        html = message.htmlBody
    except Exception as err:
        logger.debug("Outlook HTML body unreadable: %s", type(err).__name__)
        return ""
    if isinstance(html, bytes):
        return html_to_text(html.decode("utf-8", errors="replace"))[0]
    return ""


def attachments(message: Any, limits: ExtractionLimits) -> list[ChildFile]:
    """Attached files as children; an attached Outlook item as its own .msg."""
    children: list[ChildFile] = []
    for number, attachment in enumerate(getattr(message, "attachments", []), start=1):
        if len(children) >= limits.max_archive_members:
            logger.warning("Outlook item has more than %d attachments", len(children))
            break
        content = attachment_bytes(attachment)
        if content:
            name = safe_name(attachment_name(attachment, number))
            children.append(ChildFile(name=name, data=content))
    return children


def attachment_bytes(attachment: Any) -> bytes | None:
    """An attachment's content: file bytes, or an embedded item exported whole."""
    try:
        content = attachment.data
        if isinstance(content, bytes):
            return content
        if hasattr(content, "exportBytes"):
            return bytes(content.exportBytes())
    except Exception as err:
        logger.warning("Outlook attachment unreadable: %s", type(err).__name__)
    return None


def attachment_name(attachment: Any, number: int) -> str:
    """The attachment's long name, short name or display name, else a number."""
    for field in ("longFilename", "shortFilename", "displayName"):
        value = getattr(attachment, field, None)
        if isinstance(value, str) and value.strip():
            name = value.strip().replace("\x00", "")
            is_item = not isinstance(getattr(attachment, "data", b""), bytes)
            return f"{name}.msg" if is_item and not name.endswith(".msg") else name
    return f"attachment-{number}"


def iso_date(value: Any) -> str | None:
    """ISO 8601 text of a message time."""
    return value.isoformat() if isinstance(value, datetime) else None
