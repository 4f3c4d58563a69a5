"""dBase tables (.dbf): every record as a tab-separated line, text fields decoded.

The header rarely names its code page (the language-driver byte is often 0),
so the text fields of all records are decoded together the way a text file
is: detected, GB18030 for Chinese.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from typing import Final

from extractors.plaintext import decode_text
from extractors.types import Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "application/x-dbf"
HEADER_BYTES: Final = 32
FIELD_DESCRIPTOR_BYTES: Final = 32
FIELD_TERMINATOR: Final = 0x0D
DELETED_FLAG: Final = ord("*")
# A separator that no decoder turns into text, to split the decoded fields.
FIELD_SEPARATOR: Final = "\x1f"
# Memo, binary and general fields point into a separate .dbt/.fpt file.
POINTER_TYPES: Final = frozenset(b"MBGP")


@dataclass(frozen=True)
class Field:
    """One column: its name, type letter and width in bytes."""

    name: str
    kind: str
    size: int


def extract_dbf(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The column names, then one line per record that is not deleted."""
    record_count, header_size, record_size = parse_header(data)
    fields = parse_fields(data, header_size)
    if sum(field.size for field in fields) + 1 > record_size:
        raise damaged(f"fields need more than the {record_size}-byte record")

    rows = [[field.name for field in fields]]
    rows.extend(read_records(data, fields, header_size, record_size, record_count))
    text = "\n".join("\t".join(row).rstrip("\t") for row in rows)
    return Extraction(
        mime_type=MIME_TYPE, text=text[: limits.max_text_chars], page_count=1
    )


def parse_header(data: bytes) -> tuple[int, int, int]:
    """Record count, header size and record size from the table header."""
    if len(data) < HEADER_BYTES + 1:
        raise damaged(f"only {len(data)} bytes, shorter than a header")
    record_count, header_size, record_size = struct.unpack_from("<IHH", data, 4)
    if header_size > len(data) or record_size == 0:
        raise damaged(f"header size {header_size} or record size {record_size}")
    return record_count, header_size, record_size


def parse_fields(data: bytes, header_size: int) -> list[Field]:
    """The field descriptors up to the 0x0D terminator."""
    fields = []
    for offset in range(HEADER_BYTES, header_size - 1, FIELD_DESCRIPTOR_BYTES):
        if data[offset] == FIELD_TERMINATOR:
            break
        descriptor = data[offset : offset + FIELD_DESCRIPTOR_BYTES]
        name = descriptor[:11].split(b"\0", 1)[0].decode("latin-1").strip()
        fields.append(Field(name=name, kind=chr(descriptor[11]), size=descriptor[16]))
    if not fields:
        raise damaged("no field descriptors")
    return fields


def read_records(
    data: bytes,
    fields: list[Field],
    header_size: int,
    record_size: int,
    record_count: int,
) -> list[list[str]]:
    """Each live record's field values, text decoded in one pass for all records."""
    # The count in the header may lie; the bytes present are what is read.
    available = (len(data) - header_size) // record_size
    raw_rows = []
    for index in range(min(record_count, available)):
        start = header_size + index * record_size
        record = data[start : start + record_size]
        if record[0] == DELETED_FLAG:
            continue
        raw_rows.append(record_values(record, fields))

    joined = b"\n".join(FIELD_SEPARATOR.encode().join(row) for row in raw_rows)
    text = decode_text(joined)[0] if joined else ""
    return [line.split(FIELD_SEPARATOR) for line in text.split("\n")] if text else []


def record_values(record: bytes, fields: list[Field]) -> list[bytes]:
    """The raw bytes of each field of one record, padding removed."""
    values = []
    position = 1
    for field in fields:
        raw = record[position : position + field.size]
        position += field.size
        values.append(b"" if ord(field.kind) in POINTER_TYPES else raw.strip(b" \0"))
    return values


def damaged(detail: str) -> ExtractionFailed:
    """The failure for a table whose header does not hold together."""
    return ExtractionFailed(f"damaged dBase table: {detail}", mime_type=MIME_TYPE)
