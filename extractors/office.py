"""Office documents: Word (python-docx), Excel (openpyxl), PowerPoint and ODF."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Final

import docx
import olefile
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
PKG_NS: Final = "http://schemas.microsoft.com/office/2006/xmlPackage"
DC_NS: Final = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS: Final = "http://purl.org/dc/terms/"
ODF_META_NS: Final = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
APP_PAGES: Final = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Pages"
)
WORD_STORY_PREFIXES: Final = ("/word/header", "/word/footer")
STRICT_NAMESPACE_PREFIX: Final = b"http://purl.oclc.org/ooxml/"
# Longest first: the relationships namespace is a prefix of relationship types.
STRICT_NAMESPACES: Final = (
    (
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    ),
    (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    ),
    (
        b"http://purl.oclc.org/ooxml/drawingml/main",
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
        b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    ),
)
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
    ("__properties_version1.0", "application/vnd.ms-outlook"),
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
        page_count=app_page_count(read_member(archive, "docProps/app.xml")),
        title=properties.title or None,
        author=properties.author or None,
        created=iso_or_none(properties.created),
        modified=iso_or_none(properties.modified),
    )


def read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A package part's bytes, None when the part is missing or unreadable."""
    try:
        return archive.read(name)
    except (KeyError, zipfile.BadZipFile, OSError):
        return None


def app_page_count(content: bytes | None) -> int | None:
    """The page count Word saved in docProps/app.xml (as of its last layout)."""
    if not content:
        return None
    try:
        pages = etree.fromstring(content, parser=XML_PARSER).findtext(APP_PAGES)
    except etree.XMLSyntaxError:
        return None
    return int(pages) if pages and pages.strip().isdigit() else None


def extract_flat_opc(data: bytes, limits: ExtractionLimits) -> Extraction:
    """A Word document saved as one XML package (pkg:package), read like a DOCX.

    Reported as DOCX: it is the same document model, and people file it as a
    Word document, not as XML.
    """
    parts = flat_opc_parts(parse_xml(data))
    body = parts.get("/word/document.xml")
    if body is None:
        raise ExtractionFailed(
            "the Word XML package has no /word/document.xml part", mime_type=DOCX
        )

    lines = paragraph_texts(body)
    for name in sorted(parts):
        if name.startswith(WORD_STORY_PREFIXES):
            lines.extend(paragraph_texts(parts[name]))
    core = parts.get("/docProps/core.xml")
    app = parts.get("/docProps/app.xml")
    return Extraction(
        mime_type=DOCX,
        text="\n".join(lines)[: limits.max_text_chars],
        page_count=app_page_count(etree.tostring(app)) if app is not None else None,
        title=core_text(core, f"{{{DC_NS}}}title"),
        author=core_text(core, f"{{{DC_NS}}}creator"),
        created=core_text(core, f"{{{DCTERMS_NS}}}created"),
        modified=core_text(core, f"{{{DCTERMS_NS}}}modified"),
    )


def flat_opc_parts(root: Any) -> dict[str, Any]:
    """Each XML part of a flat OPC package by its name, as its root element."""
    parts = {}
    for part in root.iter(f"{{{PKG_NS}}}part"):
        xml_data = part.find(f"{{{PKG_NS}}}xmlData")
        if xml_data is not None and len(xml_data):
            parts[part.get(f"{{{PKG_NS}}}name", "")] = xml_data[0]
    return parts


def core_text(root: Any, tag: str) -> str | None:
    """The stripped text of a metadata element, None when absent or empty."""
    if root is None:
        return None
    value = root.findtext(f".//{tag}")
    return value.strip() or None if value else None


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

    archive = open_zip(data, "XLSX")
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(as_transitional(archive, data)), read_only=True, data_only=True
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


def as_transitional(archive: zipfile.ZipFile, data: bytes) -> bytes:
    """The XLSX bytes, with ISO 29500 Strict namespaces renamed to Transitional.

    openpyxl knows only the Transitional namespaces and reads a Strict
    workbook as empty; the two differ in names, not in structure, for cells.
    """
    if STRICT_NAMESPACE_PREFIX not in (
        read_member(archive, "[Content_Types].xml") or b""
    ) + (read_member(archive, "_rels/.rels") or b""):
        return data

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as copy:
        for item in archive.infolist():
            content = archive.read(item)
            for strict, transitional in STRICT_NAMESPACES:
                content = content.replace(strict, transitional)
            copy.writestr(item, content)
    return buffer.getvalue()


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
    extraction = Extraction(
        mime_type=mime_type, text="\n".join(lines)[: limits.max_text_chars]
    )
    return with_odf_metadata(extraction, read_member(archive, "meta.xml"))


def with_odf_metadata(extraction: Extraction, meta: bytes | None) -> Extraction:
    """The extraction with title, author, dates and pages from ODF meta.xml."""
    if not meta:
        return extraction
    try:
        root = etree.fromstring(meta, parser=XML_PARSER)
    except etree.XMLSyntaxError:
        logger.debug("unreadable ODF meta.xml")
        return extraction

    extraction.title = core_text(root, f"{{{DC_NS}}}title")
    extraction.author = core_text(root, f"{{{ODF_META_NS}}}initial-creator") or (
        core_text(root, f"{{{DC_NS}}}creator")
    )
    extraction.created = core_text(root, f"{{{ODF_META_NS}}}creation-date")
    extraction.modified = core_text(root, f"{{{DC_NS}}}date")
    statistic = root.find(f".//{{{ODF_META_NS}}}document-statistic")
    pages = (
        statistic.get(f"{{{ODF_META_NS}}}page-count") if statistic is not None else None
    )
    extraction.page_count = int(pages) if pages and pages.isdigit() else None
    return extraction


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
    """The office type inside an OLE compound file, from its top-level streams.

    Only the root's entries count: an Outlook item or a Word file embedding a
    workbook holds the embedded file's stream names deeper down.
    """
    names = ole_root_names(data)
    for stream, mime_type in OLE_STREAM_TYPES:
        if stream in names:
            return mime_type
    return "application/x-ole-storage"


def ole_root_names(data: bytes) -> set[str]:
    """Names of the streams and storages at the root of an OLE file.

    A directory olefile cannot parse falls back to every stream name that
    appears in the bytes (UTF-16), which is what the readers will meet anyway.
    """
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return {
                path[0] for path in ole.listdir(streams=True, storages=True) if path
            }
    # olefile raises many types on damaged directories; the fallback decides.
    except Exception as err:
        logger.debug("OLE directory unreadable: %s", type(err).__name__)
    return {
        stream for stream, _ in OLE_STREAM_TYPES if stream.encode("utf-16-le") in data
    }


def encrypted_office(mime_type: str) -> ExtractionFailed:
    """The failure for a password-protected Office file."""
    return ExtractionFailed(
        "the Office document is password-protected; give its password to read it",
        state="encrypted",
        mime_type=mime_type,
    )
