"""ZIP archives, and the limits every archive reader applies to its members.

Members become child files in memory; nothing is ever written to disk.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from typing import Final

from extractors.detect import DOCX, PPTX, XLSX
from extractors.types import ChildFile, Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "application/zip"
UTF8_NAME_FLAG: Final = 0x800


@dataclass(frozen=True)
class Member:
    """One archive member as its header describes it, before unpacking."""

    name: str
    size: int
    packed_size: int
    kind: str
    mime_type: str


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name decoded right: UTF-8 if flagged, else UTF-8, GBK or Shift-JIS.

    Without the UTF-8 flag, zipfile decodes names as CP437; Chinese Windows
    tools write GBK there, so the CP437 text is turned back into bytes.
    """
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    utf8 = decode_or_none(raw, "utf-8")
    if utf8 is not None:
        return utf8
    # Shift-JIS names also decode as GB18030, into rare or traditional hanzi;
    # GBK is taken first only when every character is in GB2312.
    gbk = decode_or_none(raw, "gb18030")
    if gbk is not None and is_gb2312(gbk):
        return gbk
    return decode_or_none(raw, "shift_jis") or gbk or info.filename


def decode_or_none(raw: bytes, encoding: str) -> str | None:
    """The bytes decoded strictly, or None when they are not in that encoding."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def is_gb2312(text: str) -> bool:
    """Whether every character of the text exists in GB2312 (simplified Chinese)."""
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def safe_name(name: str) -> str:
    """A member name without drive letters, absolute roots or ``..`` steps.

    Members are never written to disk; the name is cleaned because callers
    show it and may store it.
    """
    parts = name.replace("\\", "/").split("/")
    kept = [
        part for part in parts if part not in {"", ".", ".."} and not part.endswith(":")
    ]
    return "/".join(kept) or "unnamed"


def check_count(count: int, limits: ExtractionLimits, mime_type: str) -> None:
    """Raise when an archive lists more members than the limit."""
    if count > limits.max_archive_members:
        raise ExtractionFailed(
            f"the archive has {count} members, more than the limit of "
            f"{limits.max_archive_members}",
            mime_type=mime_type,
        )


def check_expansion(member: Member, total: int, limits: ExtractionLimits) -> None:
    """Raise when a member would break the archive size or ratio limits.

    ``total`` is what the members before it unpacked to; ``packed_size`` is
    the member's (or, for solid archives, the whole archive's) stored size.
    """
    if total + member.size > limits.max_archive_total_bytes:
        raise ExtractionFailed(
            "the archive unpacks to more than "
            f"{limits.max_archive_total_bytes:,} bytes",
            mime_type=member.mime_type,
        )
    ratio = member.size / max(member.packed_size, 1)
    if ratio > limits.max_archive_ratio:
        raise ExtractionFailed(
            f"member {member.name!r} expands {ratio:.0f} times "
            f"(limit {limits.max_archive_ratio}); a possible {member.kind} bomb",
            mime_type=member.mime_type,
        )


def check_member(info: zipfile.ZipInfo, total: int, limits: ExtractionLimits) -> None:
    """Raise when a ZIP member would break the archive size or ratio limits."""
    member = Member(
        name=safe_name(member_name(info)),
        size=info.file_size,
        packed_size=info.compress_size,
        kind="ZIP",
        mime_type=MIME_TYPE,
    )
    check_expansion(member, total, limits)


def listing(children: list[ChildFile]) -> str:
    """The text of an archive: its member names, one a line."""
    return "\n".join(child.name for child in children)


def extract_zip(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The member list as text and each member as a child file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as err:
        raise ExtractionFailed(
            f"damaged ZIP archive: {err}", mime_type=MIME_TYPE
        ) from err

    members = [info for info in archive.infolist() if not info.is_dir()]
    check_count(len(members), limits, MIME_TYPE)
    if any(info.flag_bits & 0x1 for info in members):
        raise ExtractionFailed(
            "the ZIP archive is password-protected",
            state="encrypted",
            mime_type=MIME_TYPE,
        )

    children = read_members(archive, members, limits)
    return Extraction(mime_type=MIME_TYPE, text=listing(children), children=children)


def read_members(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limits: ExtractionLimits
) -> list[ChildFile]:
    """Each member's bytes, checked against the limits before it is inflated."""
    children: list[ChildFile] = []
    total = 0
    for info in members:
        check_member(info, total, limits)
        try:
            content = archive.read(info)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as err:
            logger.warning("ZIP member %d unreadable: %s", len(children) + 1, err)
            continue
        total += len(content)
        children.append(ChildFile(name=safe_name(member_name(info)), data=content))
    return children


def zip_content_type(data: bytes) -> str:
    """The office type a ZIP's member names reveal, else plain ZIP."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return MIME_TYPE
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    if "ppt/presentation.xml" in names:
        return PPTX
    if "OFD.xml" in names:
        return "application/ofd"
    return MIME_TYPE
