"""OFD (GB/T 33190), the Chinese fixed-layout format of e-invoices and permits."""

from __future__ import annotations

import logging
import re
from typing import Final

from extractors.office import open_zip, parse_xml
from extractors.types import Extraction, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "application/ofd"
TEXT_OBJECT_TAG: Final = "TextObject"
NUMBER_PATTERN: Final = re.compile(r"\d+")


def content_order(name: str) -> tuple[int, list[int]]:
    """Sort key: templates first (they hold an invoice's printed labels), then pages."""
    is_page = 0 if "/Tpls/" in name else 1
    return is_page, [int(number) for number in NUMBER_PATTERN.findall(name)]


def text_objects(content: bytes) -> list[str]:
    """The text of each text object on one page or template, in drawing order."""
    root = parse_xml(content)
    lines = []
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.endswith(TEXT_OBJECT_TAG):
            text = "".join(element.itertext()).strip()
            if text:
                lines.append(text)
    return lines


def extract_ofd(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The text of every template and page of an OFD document."""
    archive = open_zip(data, "OFD")
    contents = sorted(
        (name for name in archive.namelist() if name.endswith("/Content.xml")),
        key=content_order,
    )

    lines = []
    for name in contents:
        lines.extend(text_objects(archive.read(name)))
    pages = sum(1 for name in contents if "/Tpls/" not in name)
    return Extraction(
        mime_type=MIME_TYPE,
        text="\n".join(lines)[: limits.max_text_chars],
        page_count=pages,
    )
