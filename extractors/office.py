"""Office documents: Word (python-docx), Excel (openpyxl), PowerPoint and ODF."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Final

import docx
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from extractors.detect import DOCX, PPTX, XLSX
from extractors.types import Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

W_NS: Final = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_FALLBACK: Final = (
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
)
W_P: Final = f"{{{W_NS}}}p"
W_T: Final = f"{{{W_NS}}}t"
W_TAB: Final = f"{{{W_NS}}}tab"
W_BR: Final = f"{{{W_NS}}}br"
A_T: Final = "{http://schemas.openxmlformats.org/drawingml/2006/main}t"
TEXT_NS: Final = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
# python-docx opens only the "document" content type; templates and macro
# documents have the same body, so their declared type is rewritten in memory.
WORD_CONTENT_TYPES: Final = (
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
WORD_DOCUMENT_TYPE: Final = (
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
OLE_STREAM_TYPES: Final[tuple[tuple[str, str], ...]] = (
    ("EncryptedPackage", "application/x-tika-ooxml-protected"),
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
)
XML_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False
)


def open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """The ZIP container of an office file, or a reason it is broken."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        if b"PK\x05\x06" not in data[-66_000:]:
            raise ExtractionFailed(
                f"truncated {kind}: the ZIP central directory is missing "
                f"(the file is {len(data):,} bytes and was probably cut off)"
            ) from err
        raise ExtractionFailed(f"damaged {kind}: {err}") from err


def extract_docx(data: bytes, limits: ExtractionLimits) -> Extraction:
    """Body, tables, text boxes, headers and footers of a Word document."""
    archive = open_zip(data, "DOCX")
    try:
        document = docx.Document(io.BytesIO(as_word_document(archive, data)))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as err:
        raise ExtractionFailed(f"damaged DOCX: {err}", mime_type=DOCX) from err

    parts = [paragraph_texts(document.element.body)]
    for section in document.sections:
        for story in (section.header, section.footer, section.first_page_header):
            if not story.is_linked_to_previous:
                parts.append(paragraph_texts(story._element))

    properties = document.core_properties
    return Extraction(
        mime_type=DOCX,
        text="\n".join(line for part in parts for line in part)[
            : limits.max_text_chars
        ],
        title=properties.title or None,
        author=properties.author or None,
        created=iso_or_none(properties.created),
        modified=iso_or_none(properties.modified),
    )


def as_word_document(archive: zipfile.ZipFile, data: bytes) -> bytes:
    """The DOCX bytes, with a template's content type rewritten to a document's."""
    types_xml = archive.read("[Content_Types].xml")
    if not any(content_type in types_xml for content_type in WORD_CONTENT_TYPES):
        return data

    for content_type in WORD_CONTENT_TYPES:
        types_xml = types_xml.replace(content_type, WORD_DOCUMENT_TYPE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as copy:
        for item in archive.infolist():
            content = (
                types_xml
                if item.filename == "[Content_Types].xml"
                else archive.read(item)
            )
            copy.writestr(item, content)
    return buffer.getvalue()


def paragraph_texts(root: Any) -> list[str]:
    """Each paragraph under an element, text boxes and table cells included.

    python-docx's ``paragraphs`` skips text boxes, so the XML is walked; a
    paragraph's text is only the runs whose nearest paragraph is that one, and
    compatibility fallbacks (a copy of the text box) are skipped.
    """
    lines = []
    for paragraph in root.iter(W_P):
        if any(ancestor.tag == MC_FALLBACK for ancestor in paragraph.iterancestors()):
            continue
        text = "".join(run_texts(paragraph)).strip()
        if text:
            lines.append(text)
    return lines


def run_texts(paragraph: Any) -> Iterator[str]:
    """Text, tab and break pieces that belong directly to one paragraph."""
    for node in paragraph.iter(W_T, W_TAB, W_BR):
        owner = next(node.iterancestors(W_P), None)
        if owner is not paragraph:
            continue
        if node.tag == W_T:
            yield node.text or ""
        else:
            yield "\t" if node.tag == W_TAB else "\n"


def iso_or_none(value: datetime | None) -> str | None:
    """ISO 8601 text of a timestamp, if there is one."""
    return value.isoformat() if value else None


def extract_xlsx(data: bytes, limits: ExtractionLimits) -> Extraction:
    """Every sheet's cells, one row per line, cells separated by tabs."""
    import openpyxl

    open_zip(data, "XLSX")
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as err:
        raise ExtractionFailed(f"damaged XLSX: {err}", mime_type=XLSX) from err

    lines = []
    for sheet in workbook.worksheets:
        lines.append(f"# {sheet.title}")
        lines.extend(row_lines(sheet.iter_rows(values_only=True)))
        if sum(len(line) for line in lines) > limits.max_text_chars:
            break

    properties = workbook.properties
    workbook.close()
    return Extraction(
        mime_type=XLSX,
        text="\n".join(lines)[: limits.max_text_chars],
        page_count=len(workbook.sheetnames),
        title=properties.title or None,
        author=properties.creator or None,
        created=iso_or_none(properties.created),
        modified=iso_or_none(properties.modified),
    )


def row_lines(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """Non-empty rows as tab-separated lines."""
    for row in rows:
        cells = ["" if value is None else str(value) for value in row]
        if any(cells):
            yield "\t".join(cells).rstrip("\t")


def extract_pptx(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The text of every slide, in slide order."""
    archive = open_zip(data, "PPTX")
    slides = sorted(
        (name for name in archive.namelist() if name.startswith("ppt/slides/slide")),
        key=lambda name: int("".join(filter(str.isdigit, name)) or 0),
    )
    texts = [" ".join(xml_texts(archive.read(name), A_T)) for name in slides]
    return Extraction(
        mime_type=PPTX,
        text="\n\n".join(texts)[: limits.max_text_chars],
        page_count=len(slides),
    )


def extract_odf(data: bytes, mime_type: str, limits: ExtractionLimits) -> Extraction:
    """The paragraphs and headings of an OpenDocument file."""
    archive = open_zip(data, "OpenDocument file")
    if is_encrypted_odf(archive):
        raise encrypted_office(mime_type)
    try:
        content = archive.read("content.xml")
    except KeyError as err:
        raise ExtractionFailed("damaged OpenDocument file: no content.xml") from err

    root = parse_xml(content)
    lines = [
        "".join(element.itertext())
        for element in root.iter(f"{{{TEXT_NS}}}p", f"{{{TEXT_NS}}}h")
    ]
    return Extraction(
        mime_type=mime_type, text="\n".join(lines)[: limits.max_text_chars]
    )


def is_encrypted_odf(archive: zipfile.ZipFile) -> bool:
    """Whether the ODF manifest lists encryption data for its parts."""
    try:
        manifest = archive.read("META-INF/manifest.xml")
    except KeyError:
        return False
    return b"encryption-data" in manifest


def parse_xml(content: bytes) -> Any:
    """An XML tree parsed without entity expansion or network access."""
    try:
        return etree.fromstring(content, parser=XML_PARSER)
    except etree.XMLSyntaxError as err:
        raise ExtractionFailed(f"damaged XML inside the document: {err}") from err


def xml_texts(content: bytes, tag: str) -> list[str]:
    """The text of every element with the given tag."""
    return [element.text or "" for element in parse_xml(content).iter(tag)]


def ole_type(data: bytes) -> str:
    """The office type inside an OLE compound file, from its stream names."""
    for stream, mime_type in OLE_STREAM_TYPES:
        if stream.encode("utf-16-le") in data:
            return mime_type
    return "application/x-ole-storage"


def encrypted_office(mime_type: str) -> ExtractionFailed:
    """The failure for a password-protected Office file."""
    return ExtractionFailed(
        "the Office document is password-protected; give its password to read it",
        state="encrypted",
        mime_type=mime_type,
    )
