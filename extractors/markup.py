"""HTML and XML: the visible text, scripts and styles left out."""

from __future__ import annotations

import logging
import re
from typing import Final

import lxml.html
from lxml import etree

from extractors.plaintext import decode_text
from extractors.types import Extraction, ExtractionLimits

logger = logging.getLogger(__name__)

META_CHARSET_PATTERN: Final = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
INVISIBLE_TAGS: Final = ("script", "style", "noscript", "template", "head")
BLANK_LINES_PATTERN: Final = re.compile(r"\n\s*\n+")
# A declared gb2312 or gbk page is in practice GB18030 (its superset).
CHARSET_ALIASES: Final = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}


def decode_html(data: bytes) -> str:
    """The page's text in its declared charset, else in the detected one."""
    match = META_CHARSET_PATTERN.search(data[:4096])
    if match and not data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        declared = match.group(1).decode("ascii").lower()
        charset = CHARSET_ALIASES.get(declared, declared)
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            logger.debug("declared charset %s does not decode the page", declared)
    return decode_text(data)[0]


def html_to_text(markup: str) -> tuple[str, str | None]:
    """The visible text of an HTML page and its title."""
    if not markup.strip():
        return "", None
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        # lxml refuses str with an XML encoding declaration; bytes parse fine.
        root = lxml.html.document_fromstring(markup.encode("utf-8"))

    title = root.findtext(".//title")
    for element in root.iter(*INVISIBLE_TAGS):
        element.drop_tree()
    for element in root.iter("br", "p", "div", "tr", "li", "h1", "h2", "h3", "td"):
        element.tail = ("\n" if element.tag != "td" else "\t") + (element.tail or "")

    text = BLANK_LINES_PATTERN.sub("\n\n", root.text_content())
    return text.strip(), (title or "").strip() or None


def extract_html(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The visible text of an HTML file, whatever its encoding."""
    text, title = html_to_text(decode_html(data))
    return Extraction(
        mime_type="text/html", text=text[: limits.max_text_chars], title=title
    )


def extract_xml(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The character data of an XML file, without expanding entities."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(data, parser=parser)
    if root is None:
        text = decode_text(data)[0]
    else:
        text = "\n".join(piece.strip() for piece in root.itertext() if piece.strip())
    return Extraction(mime_type="application/xml", text=text[: limits.max_text_chars])
