"""PDF: the text layer through pdfium, pdfminer when that fails, OCR for scans."""

from __future__ import annotations

import io
import logging
import math
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final

import pypdfium2 as pdfium
from PIL import Image

from extractors.language import join_cjk_spaces
from extractors.ocr import recognize
from extractors.types import Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "application/pdf"
POINTS_PER_INCH: Final = 72
FPDF_ERR_PASSWORD: Final = 4
FPDF_ERR_SECURITY: Final = 6
# A page with fewer visible characters than this is a scan (a lone page number
# or a stray mark does not make a text layer).
MIN_TEXT_LAYER_CHARS: Final = 3
GARBAGE_SHARE: Final = 0.3
PDFIUM_CAUSE_PATTERN: Final = re.compile(r"\(PDFium: ([^)]+)\)")
PDF_DATE_PATTERN: Final = re.compile(
    r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?"
)


@dataclass
class PageTexts:
    """Text per page, and which pages still need OCR or came from it."""

    texts: list[str]
    ocr_pages: list[int] = field(default_factory=list)


def extract_pdf(
    data: bytes, limits: ExtractionLimits, password: str | None = None
) -> Extraction:
    """The text of every page of a PDF, with metadata and the pages OCR read."""
    try:
        document = open_document(data, password)
    except PdfUnreadable as err:
        return extract_with_pdfminer(data, password, limits, err.reason)

    try:
        return extract_document(document, data, limits, password)
    finally:
        document.close()


class PdfUnreadable(Exception):
    """pdfium could not parse the file; pdfminer may still."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_document(data: bytes, password: str | None) -> pdfium.PdfDocument:
    """The pdfium document, or ExtractionFailed for a password problem."""
    try:
        return pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as err:
        if err.err_code == FPDF_ERR_PASSWORD:
            raise encrypted_failure(password) from err
        if err.err_code == FPDF_ERR_SECURITY:
            raise ExtractionFailed(
                "the PDF uses an encryption scheme that cannot be opened here",
                state="encrypted",
                mime_type=MIME_TYPE,
            ) from err
        raise PdfUnreadable(pdfium_cause(str(err))) from err


def pdfium_cause(message: str) -> str:
    """The cause inside pdfium's "Failed to load document (PDFium: ...)." text."""
    match = PDFIUM_CAUSE_PATTERN.search(message)
    return match.group(1).lower() if match else message


def encrypted_failure(password: str | None) -> ExtractionFailed:
    """The failure for a PDF that needs a (different) password."""
    reason = (
        "the password given does not open this PDF"
        if password
        else "the PDF is password-protected; give its password to read it"
    )
    return ExtractionFailed(reason, state="encrypted", mime_type=MIME_TYPE)


def extract_document(
    document: pdfium.PdfDocument,
    data: bytes,
    limits: ExtractionLimits,
    password: str | None,
) -> Extraction:
    """Text of an open document: text layer, pdfminer for garbage, OCR for scans."""
    page_count = len(document)
    if page_count > limits.max_pages:
        logger.warning("PDF has %d pages; only %d read", page_count, limits.max_pages)
    pages = PageTexts(
        texts=read_text_layer(document, min(page_count, limits.max_pages))
    )

    repair_with_pdfminer(pages, data, password)
    ocr_scanned_pages(pages, document, limits)

    metadata = document.get_metadata_dict(skip_empty=True)
    return Extraction(
        mime_type=MIME_TYPE,
        text="\n\n".join(pages.texts)[: limits.max_text_chars],
        page_count=page_count,
        ocr_pages=pages.ocr_pages,
        title=clean_metadata(metadata.get("Title")),
        author=clean_metadata(metadata.get("Author")),
        created=pdf_date_to_iso(metadata.get("CreationDate")),
        modified=pdf_date_to_iso(metadata.get("ModDate")),
    )


def read_text_layer(document: pdfium.PdfDocument, page_count: int) -> list[str]:
    """The text layer of the first pages, empty where a page cannot be read."""
    texts = []
    for index in range(page_count):
        try:
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
        except pdfium.PdfiumError as err:
            logger.warning("page %d unreadable by pdfium: %s", index + 1, err)
            texts.append("")
    return texts


def needs_ocr(text: str) -> bool:
    """Whether a page's text layer is missing or unreadable."""
    return is_blank(text) or is_garbage(text)


def is_blank(text: str) -> bool:
    """Whether a text has fewer than a few visible characters."""
    return sum(1 for char in text if not char.isspace()) < MIN_TEXT_LAYER_CHARS


def is_garbage(text: str) -> bool:
    """Whether most of a text is private-use, replacement or control characters.

    Fonts without a Unicode mapping come out as such characters, or as
    pdfminer's ``(cid:123)`` markers.
    """
    visible = [char for char in text if not char.isspace()]
    if not visible:
        return False
    bad = sum(1 for char in visible if is_unmapped(char))
    bad += 6 * text.count("(cid:")
    return bad > GARBAGE_SHARE * len(visible)


def is_unmapped(char: str) -> bool:
    """Whether a character is what a font without a Unicode mapping produces."""
    return char == "\ufffd" or unicodedata.category(char) in {"Co", "Cc", "Cs"}


def repair_with_pdfminer(pages: PageTexts, data: bytes, password: str | None) -> None:
    """Replace garbage pages with pdfminer's reading where that one is clean."""
    garbage = [i for i, text in enumerate(pages.texts) if is_garbage(text)]
    if not garbage:
        return

    for index, text in zip(
        garbage, pdfminer_pages(data, password, garbage), strict=False
    ):
        if not needs_ocr(text):
            logger.debug("page %d: pdfminer text replaces pdfium garbage", index + 1)
            pages.texts[index] = text


def pdfminer_pages(data: bytes, password: str | None, indexes: list[int]) -> list[str]:
    """pdfminer's text of the given pages, empty when pdfminer fails too."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    try:
        return [
            "".join(
                item.get_text() for item in page if isinstance(item, LTTextContainer)
            )
            for page in extract_pages(
                io.BytesIO(data), password=password or "", page_numbers=set(indexes)
            )
        ]
    # pdfminer raises many unrelated types on damaged files; it is only a
    # fallback here, so any failure means "no better text".
    except Exception as err:
        logger.warning("pdfminer fallback failed: %s", type(err).__name__)
        return []


def ocr_scanned_pages(
    pages: PageTexts, document: pdfium.PdfDocument, limits: ExtractionLimits
) -> None:
    """Render and OCR each page without a usable text layer, pages in parallel.

    pdfium is not thread-safe, so pages are rendered here one by one; each
    tesseract run is a process of its own, so threads keep ``ocr_workers`` of
    them busy. Pages go in batches of that size to bound the rendered images
    held in memory.
    """
    scanned = [index for index, text in enumerate(pages.texts) if needs_ocr(text)]
    workers = max(1, limits.ocr_workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(scanned), workers):
            batch = scanned[start : start + workers]
            images = [render_page(document, index, limits) for index in batch]
            texts = pool.map(
                lambda index, image: recognize(image, limits, index + 1), batch, images
            )
            for index, text in zip(batch, texts, strict=True):
                pages.texts[index] = text
                pages.ocr_pages.append(index + 1)


def render_page(
    document: pdfium.PdfDocument, index: int, limits: ExtractionLimits
) -> Image.Image:
    """One page as a grayscale image at the OCR resolution."""
    page = document[index]
    try:
        scale = render_scale(page.get_size(), limits)
        return page.render(scale=scale, grayscale=True).to_pil().copy()
    finally:
        page.close()


def render_scale(size: tuple[float, float], limits: ExtractionLimits) -> float:
    """Pixels per point for OCR: the configured DPI, less if the page is huge."""
    scale = limits.ocr_dpi / POINTS_PER_INCH
    width, height = size
    pixels = width * height * scale * scale
    if pixels > limits.ocr_max_page_pixels:
        scale *= math.sqrt(limits.ocr_max_page_pixels / pixels)
        logger.info("page of %.0fx%.0f pt rendered at %.2f px/pt", width, height, scale)
    return scale


def extract_with_pdfminer(
    data: bytes, password: str | None, limits: ExtractionLimits, pdfium_reason: str
) -> Extraction:
    """The text pdfminer reads from a PDF pdfium could not open, or a reason."""
    logger.info("pdfium could not open the PDF (%s); trying pdfminer", pdfium_reason)
    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        text = extract_text(
            io.BytesIO(data), password=password or "", maxpages=limits.max_pages
        )
    except PDFPasswordIncorrect as err:
        raise encrypted_failure(password) from err
    # As above: any pdfminer failure on a file pdfium also rejected means damaged.
    except Exception as err:
        raise ExtractionFailed(
            "the PDF is damaged and neither PDF reader could open it "
            f"(pdfium: {pdfium_reason}; pdfminer: {type(err).__name__})",
            mime_type=MIME_TYPE,
        ) from err

    if is_blank(text):
        raise ExtractionFailed(
            f"the PDF is damaged: pdfium could not open it ({pdfium_reason}) "
            "and pdfminer found no text",
            mime_type=MIME_TYPE,
        )
    return Extraction(
        mime_type=MIME_TYPE, text=join_cjk_spaces(text)[: limits.max_text_chars]
    )


def clean_metadata(value: str | None) -> str | None:
    """A metadata string without NULs and padding, None when nothing is left."""
    cleaned = (value or "").replace("\x00", "").strip()
    return cleaned or None


def pdf_date_to_iso(value: str | None) -> str | None:
    """An ISO 8601 timestamp from a PDF date such as ``D:20170821104704+08'00'``."""
    match = PDF_DATE_PATTERN.match(value or "")
    if not match or match.group(1) == "0000":
        return None

    year, month, day, hour, minute, second, sign, tz_hour, tz_minute = match.groups()
    stamp = f"{year}-{month or '01'}-{day or '01'}T{hour or '00'}:{minute or '00'}"
    stamp += f":{second or '00'}"
    if sign in {"Z", "z"}:
        return stamp + "Z"
    if sign and tz_hour:
        return f"{stamp}{sign}{tz_hour}:{tz_minute or '00'}"
    return stamp
