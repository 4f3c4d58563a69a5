"""Tar archives and gzip streams (stdlib): members become child files in memory."""

from __future__ import annotations

import gzip
import io
import logging
import tarfile
import zlib
from typing import Final

from extractors.archive import (
    Member,
    check_count,
    check_expansion,
    listing,
    safe_name,
)
from extractors.types import ChildFile, Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

TAR_TYPE: Final = "application/x-tar"
GZIP_TYPE: Final = "application/gzip"
GZIP_HEADER_BYTES: Final = 10
GZIP_FLAG_EXTRA: Final = 0x04
GZIP_FLAG_NAME: Final = 0x08
UNNAMED_CONTENT: Final = "content"


def extract_tar(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The member list as text and each regular file as a child file."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            children = read_tar_members(archive, len(data), limits)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as err:
        raise ExtractionFailed(
            f"damaged tar archive: {err}", mime_type=TAR_TYPE
        ) from err
    return Extraction(mime_type=TAR_TYPE, text=listing(children), children=children)


def read_tar_members(
    archive: tarfile.TarFile, archive_size: int, limits: ExtractionLimits
) -> list[ChildFile]:
    """Regular members' bytes, checked against the limits before each is read.

    Members are taken one at a time from the stream, so a tar of millions of
    empty headers stops at the member limit instead of being listed whole.
    Links, devices and directories carry no content and are skipped; the
    ratio is against the whole archive, as a sparse member is stored small.
    """
    children: list[ChildFile] = []
    total = 0
    for count, info in enumerate(archive, start=1):
        check_count(count, limits, TAR_TYPE)
        if not info.isfile():
            continue
        member = Member(safe_name(info.name), info.size, archive_size, "tar", TAR_TYPE)
        check_expansion(member, total, limits)
        stream = archive.extractfile(info)
        if stream is None:
            continue
        content = stream.read(info.size)
        total += len(content)
        children.append(ChildFile(name=member.name, data=content))
    return children


def extract_gzip(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The one file a gzip stream holds, as a child file named from its header."""
    name = safe_name(gzip_member_name(data) or UNNAMED_CONTENT)
    content = gunzip(data, limits)
    return Extraction(
        mime_type=GZIP_TYPE,
        text=name,
        children=[ChildFile(name=name, data=content)],
    )


def gunzip(data: bytes, limits: ExtractionLimits) -> bytes:
    """The decompressed bytes, stopped as soon as they pass a limit.

    The output is read one byte past the allowance, so a bomb costs at most
    the allowance in memory and is never inflated whole.
    """
    allowance = min(
        limits.max_archive_total_bytes, len(data) * limits.max_archive_ratio
    )
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            content = stream.read(allowance + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as err:
        raise ExtractionFailed(
            f"damaged gzip file: {err}", mime_type=GZIP_TYPE
        ) from err

    if len(content) > allowance:
        raise ExtractionFailed(
            f"the gzip file expands to more than {allowance:,} bytes "
            f"({limits.max_archive_ratio} times its size or "
            f"{limits.max_archive_total_bytes:,} bytes); a possible gzip bomb",
            mime_type=GZIP_TYPE,
        )
    return content


def gzip_member_name(data: bytes) -> str | None:
    """The original file name stored in a gzip header (RFC 1952 FNAME), if any."""
    if len(data) < GZIP_HEADER_BYTES or not data[3] & GZIP_FLAG_NAME:
        return None

    position = GZIP_HEADER_BYTES
    if data[3] & GZIP_FLAG_EXTRA:
        position += 2 + int.from_bytes(data[position : position + 2], "little")
    end = data.find(b"\0", position)
    if end < 0:
        return None
    # RFC 1952 says ISO 8859-1; Chinese tools write GBK or UTF-8 there.
    raw = data[position:end]
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
