"""7z archives (py7zr): members become child files in memory, within limits."""

from __future__ import annotations

import io
import logging
import lzma
from typing import Final

import py7zr
import py7zr.exceptions
import py7zr.io

from extractors.archive import Member, check_count, check_expansion, listing, safe_name
from extractors.types import ChildFile, Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "application/x-7z-compressed"
# What a wrong password or a damaged stream makes py7zr raise while unpacking.
UNPACK_ERRORS: Final = (
    py7zr.exceptions.ArchiveError,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
)


def extract_7z(
    data: bytes, limits: ExtractionLimits, password: str | None = None
) -> Extraction:
    """The member list as text and each file as a child; encrypted needs a password."""
    archive = open_archive(data, password)
    with archive:
        if archive.needs_password() and not password:
            raise encrypted_failure(password)
        infos = [info for info in archive.list() if not info.is_directory]
        check_members(infos, len(data), limits)
        children = unpack(archive, limits, password)
    return Extraction(mime_type=MIME_TYPE, text=listing(children), children=children)


def open_archive(data: bytes, password: str | None) -> py7zr.SevenZipFile:
    """The opened archive, or a failure for encrypted headers or damage."""
    try:
        return py7zr.SevenZipFile(io.BytesIO(data), password=password)
    except py7zr.exceptions.PasswordRequired as err:
        # The headers themselves are encrypted: not even the names are readable.
        raise encrypted_failure(password) from err
    except UNPACK_ERRORS as err:
        if password:
            raise encrypted_failure(password) from err
        raise ExtractionFailed(
            f"damaged 7z archive: {err}", mime_type=MIME_TYPE
        ) from err


def check_members(
    infos: list[py7zr.FileInfo], archive_size: int, limits: ExtractionLimits
) -> None:
    """Raise before unpacking when the listed sizes break a limit.

    Solid archives compress members together, so each member's ratio is taken
    against the whole archive.
    """
    check_count(len(infos), limits, MIME_TYPE)
    total = 0
    for info in infos:
        size = info.uncompressed or 0
        member = Member(safe_name(info.filename), size, archive_size, "7z", MIME_TYPE)
        check_expansion(member, total, limits)
        total += size


def unpack(
    archive: py7zr.SevenZipFile, limits: ExtractionLimits, password: str | None
) -> list[ChildFile]:
    """Every member's bytes, unpacked into memory only.

    py7zr counts the bytes it really inflates against ``max_extract_size``,
    so a header that lies about sizes is still stopped; member names with
    ``..`` or a drive make py7zr refuse the archive before anything is read.
    """
    archive.max_extract_size = limits.max_archive_total_bytes
    factory = py7zr.io.BytesIOFactory(limits.max_archive_total_bytes)
    try:
        archive.extractall(factory=factory)
    except py7zr.exceptions.DecompressionBombError as err:
        raise ExtractionFailed(
            "the 7z archive unpacks to more than "
            f"{limits.max_archive_total_bytes:,} bytes",
            mime_type=MIME_TYPE,
        ) from err
    except UNPACK_ERRORS as err:
        if password:
            raise encrypted_failure(password) from err
        raise ExtractionFailed(
            f"damaged 7z archive: {err}", mime_type=MIME_TYPE
        ) from err

    children = []
    for name, product in factory.products.items():
        product.seek(0)
        children.append(ChildFile(name=safe_name(name), data=product.read()))
    return children


def encrypted_failure(password: str | None) -> ExtractionFailed:
    """The failure for a 7z archive that needs a (different) password."""
    reason = (
        "the password given does not open this 7z archive"
        if password
        else "the 7z archive is password-protected; give its password to read it"
    )
    return ExtractionFailed(reason, state="encrypted", mime_type=MIME_TYPE)
