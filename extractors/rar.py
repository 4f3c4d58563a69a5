"""RAR archives: headers read by rarfile, compressed members unpacked by bsdtar.

rarfile parses the headers in Python (names, sizes, encryption flags), so an
encrypted archive is recognised without any tool; stored members are copied
out directly, and compressed ones go through bsdtar (Debian libarchive-tools;
the non-free unrar is not in Debian and unrar-free reads only RAR 2).
"""

from __future__ import annotations

import io
import logging
import shutil
from typing import Final

import rarfile

from extractors.archive import Member, check_count, check_expansion, listing, safe_name
from extractors.types import ChildFile, Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "application/vnd.rar"


def extract_rar(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The member list as text and each file as a child; encrypted is reported."""
    try:
        archive = rarfile.RarFile(io.BytesIO(data))
    except (rarfile.Error, EOFError, OSError) as err:
        raise ExtractionFailed(
            f"damaged RAR archive: {err}", mime_type=MIME_TYPE
        ) from err

    # Set by the header flags: the archive's own (encrypted file names) or any
    # member's (encrypted content).
    if archive.needs_password():
        raise ExtractionFailed(
            "the RAR archive is password-protected; it cannot be read here",
            state="encrypted",
            mime_type=MIME_TYPE,
        )

    infos = [info for info in archive.infolist() if info.is_file()]
    check_count(len(infos), limits, MIME_TYPE)
    children = read_members(archive, infos, limits)
    return Extraction(mime_type=MIME_TYPE, text=listing(children), children=children)


def read_members(
    archive: rarfile.RarFile, infos: list[rarfile.RarInfo], limits: ExtractionLimits
) -> list[ChildFile]:
    """Each member's bytes, checked against the limits before it is unpacked."""
    use_bsdtar()
    children: list[ChildFile] = []
    total = 0
    for info in infos:
        name = safe_name(info.filename or "")
        size = info.file_size or 0
        packed = info.compress_size or 0
        check_expansion(Member(name, size, packed, "RAR", MIME_TYPE), total, limits)
        content = read_member(archive, info, size)
        total += len(content)
        children.append(ChildFile(name=name, data=content))
    return children


def read_member(archive: rarfile.RarFile, info: rarfile.RarInfo, size: int) -> bytes:
    """One member's bytes, never more than its header declared."""
    try:
        with archive.open(info) as stream:
            return stream.read(size)
    except rarfile.RarCannotExec as err:
        raise ExtractionFailed(
            "compressed RAR members need bsdtar (libarchive-tools), "
            "which is not installed",
            mime_type=MIME_TYPE,
        ) from err
    except (rarfile.Error, EOFError, OSError) as err:
        raise ExtractionFailed(
            f"damaged RAR member {safe_name(info.filename or '')!r}: {err}",
            mime_type=MIME_TYPE,
        ) from err


def use_bsdtar() -> None:
    """Make rarfile unpack with bsdtar, the one RAR tool Debian ships in main."""
    if shutil.which(rarfile.BSDTAR_TOOL) is None:
        return
    rarfile.tool_setup(
        unrar=False, unar=False, sevenzip=False, sevenzip2=False, bsdtar=True
    )
