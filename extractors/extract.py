"""One file in, its text out: detect the type, then hand it to its reader."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from extractors import (
    archive,
    dbf,
    image,
    legacy,
    mail,
    markup,
    ofd,
    office,
    officecrypto,
    outlook,
    pdf,
    plaintext,
    rar,
    rtf,
    sevenzip,
    tarball,
)
from extractors.detect import (
    DOCX,
    OCTET_STREAM,
    PPTX,
    WORD_FLAT_OPC,
    WORDPERFECT,
    XLSX,
    detect_type,
)
from extractors.language import guess_language
from extractors.types import (
    Extraction,
    ExtractionFailed,
    ExtractionLimits,
    FailureState,
)

logger = logging.getLogger(__name__)

DETECTION_HEAD_BYTES: Final = 64 * 1024
Reader = Callable[[bytes, ExtractionLimits], Extraction]
TypedReader = Callable[[bytes, str, ExtractionLimits], Extraction]

READERS: Final[dict[str, Reader]] = {
    DOCX: office.extract_docx,
    XLSX: office.extract_xlsx,
    PPTX: office.extract_pptx,
    "text/html": markup.extract_html,
    "application/xml": markup.extract_xml,
    "message/rfc822": mail.extract_mail,
    "application/zip": archive.extract_zip,
    "application/rtf": rtf.extract_rtf,
    "application/ofd": ofd.extract_ofd,
    "application/msword": legacy.extract_doc,
    "application/vnd.ms-powerpoint": legacy.extract_ppt,
    "application/vnd.ms-excel": legacy.extract_xls,
    "application/vnd.ms-outlook": outlook.extract_outlook,
    "application/x-tar": tarball.extract_tar,
    "application/gzip": tarball.extract_gzip,
    "application/vnd.rar": rar.extract_rar,
    "application/x-dbf": dbf.extract_dbf,
    WORD_FLAT_OPC: office.extract_flat_opc,
}
# Types recognised on purpose but not read, and what to tell the person.
UNREADABLE: Final[dict[str, tuple[str, FailureState]]] = {
    WORDPERFECT: ("WordPerfect documents are not supported", "failed"),
    "application/onenote": (
        "OneNote notebooks are not supported; export the pages as PDF",
        "failed",
    ),
    "application/pgp-encrypted": (
        "the file is encrypted with PGP; decrypt it before sending it",
        "encrypted",
    ),
    "application/x-ole-storage": (
        "this OLE compound file is not a Word, Excel, PowerPoint or Outlook file",
        "failed",
    ),
}
# Readers that serve several types and record which one they read.
TYPED_READERS: Final[tuple[tuple[frozenset[str], TypedReader], ...]] = (
    (
        frozenset({"text/plain", "text/csv", "text/tab-separated-values"}),
        plaintext.extract_text_file,
    ),
    (
        frozenset(
            {
                "application/vnd.oasis.opendocument.text",
                "application/vnd.oasis.opendocument.spreadsheet",
                "application/vnd.oasis.opendocument.presentation",
            }
        ),
        office.extract_odf,
    ),
    (
        frozenset(
            {"image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp"}
            | {"image/webp", "image/jp2", "image/heic", "image/heif", "image/avif"}
            | {"image/jxl", "image/x-jbig2"}
        ),
        image.extract_image,
    ),
)


def extract_in_process(
    path: Path, limits: ExtractionLimits, password: str | None = None
) -> Extraction:
    """The text and metadata of a file, read in this process (no isolation)."""
    data = read_file(path)
    return extract_bytes(data, path.name, limits, password)


def read_file(path: Path) -> bytes:
    """The file's bytes, or a reason it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ExtractionFailed(f"the file cannot be read: {err.strerror}") from err
    if not data:
        raise ExtractionFailed("the file is empty")
    return data


def extract_bytes(
    data: bytes, name: str, limits: ExtractionLimits, password: str | None = None
) -> Extraction:
    """The text and metadata of a file's content; ``name`` only breaks ties."""
    started = time.monotonic()
    mime_type = refine_type(detect_type(data[:DETECTION_HEAD_BYTES], name), data)

    try:
        extraction = read(data, mime_type, limits, password)
    except ExtractionFailed as err:
        err.mime_type = err.mime_type or mime_type
        raise
    except MemoryError as err:
        raise ExtractionFailed(
            f"extraction needed more than {limits.memory_mb} MB of memory",
            mime_type=mime_type,
        ) from err

    extraction.language = extraction.language or guess_language(extraction.text)
    logger.debug(
        "extracted %s, %d bytes -> %d chars, %d OCR pages, %.2f s",
        mime_type,
        len(data),
        len(extraction.text),
        len(extraction.ocr_pages),
        time.monotonic() - started,
    )
    return extraction


def refine_type(mime_type: str, data: bytes) -> str:
    """A more exact type where the first bytes cannot tell (ZIP and OLE)."""
    if mime_type == "application/x-ole-storage":
        return office.ole_type(data)
    if mime_type == "application/zip":
        return archive.zip_content_type(data)
    return mime_type


def read(
    data: bytes, mime_type: str, limits: ExtractionLimits, password: str | None
) -> Extraction:
    """The extraction by the reader of the type, or a failure naming the type."""
    if mime_type == "application/pdf":
        return pdf.extract_pdf(data, limits, password)
    if mime_type == "application/x-7z-compressed":
        return sevenzip.extract_7z(data, limits, password)
    if mime_type == officecrypto.PROTECTED_OOXML:
        plain = officecrypto.decrypt_office(data, password)
        return read(plain, refine_type("application/zip", plain), limits, None)
    if mime_type in READERS:
        return READERS[mime_type](data, limits)
    for types, reader in TYPED_READERS:
        if mime_type in types:
            return reader(data, mime_type, limits)
    raise unsupported(mime_type)


def unsupported(mime_type: str) -> ExtractionFailed:
    """The failure for a type no reader handles, saying which and why."""
    if mime_type == "application/x-tika-ooxml-protected":
        return office.encrypted_office(mime_type)
    if mime_type in UNREADABLE:
        reason, state = UNREADABLE[mime_type]
        return ExtractionFailed(reason, state=state, mime_type=mime_type)
    if mime_type == OCTET_STREAM:
        return ExtractionFailed(
            "the file type could not be recognised from its content",
            mime_type=mime_type,
        )
    return ExtractionFailed(
        f"files of type {mime_type} are not supported yet", mime_type=mime_type
    )
