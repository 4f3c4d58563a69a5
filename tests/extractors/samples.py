"""Files the tests build byte by byte: many-page PDFs, RAR and tar archives."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile
import zlib

import py7zr

RAR4_MARKER = b"Rar!\x1a\x07\x00"
RAR_STORED_METHOD = 0x30
RAR_LONG_BLOCK_FLAG = 0x8000
SEVEN_ZIP_START_HEADER_BYTES = 32


def pdf_with_pages(page_count: int, title: str = "", author: str = "") -> bytes:
    """A valid PDF whose page N shows the text ``Page N``, with an Info dict."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, written once the page numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        (
            f"<< /Title ({title}) /Author ({author}) "
            "/CreationDate (D:20250102030405+08'00') >>"
        ).encode("latin-1"),
    ]
    kids = []
    for number in range(1, page_count + 1):
        stream = f"BT /F1 24 Tf 72 720 Td (Page {number}) Tj ET".encode("ascii")
        objects.append(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = (
        f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {page_count} >>".encode(
            "ascii"
        )
    )
    return pdf_file(objects)


def pdf_file(objects: list[bytes]) -> bytes:
    """PDF bytes with the given objects (numbered from 1), xref and trailer."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


def rar_block(kind: int, flags: int, body: bytes) -> bytes:
    """One RAR 4 header block: CRC16 (low half of CRC32), type, flags, size."""
    size = 7 + len(body)
    header = struct.pack("<BHH", kind, flags, size) + body
    crc = zlib.crc32(header) & 0xFFFF
    return struct.pack("<H", crc) + header


def stored_rar(name: str, content: bytes, claimed_size: int | None = None) -> bytes:
    """A RAR 4 archive holding one stored (uncompressed) file.

    ``claimed_size`` makes the header lie about the unpacked size, as a bomb's
    header would.
    """
    main = rar_block(0x73, 0, b"\0" * 6)
    encoded = name.encode("utf-8")
    unpacked = len(content) if claimed_size is None else claimed_size
    file_fields = struct.pack(
        "<IIBIIBBHI",
        len(content),
        unpacked,
        3,  # host OS: Unix
        zlib.crc32(content),
        0,  # DOS time
        20,  # version needed to unpack
        RAR_STORED_METHOD,
        len(encoded),
        0o100644 << 16,
    )
    entry = rar_block(0x74, RAR_LONG_BLOCK_FLAG, file_fields + encoded)
    end = rar_block(0x7B, 0x4000, b"")
    return RAR4_MARKER + main + entry + content + end


def tar_of(members: dict[str, bytes]) -> bytes:
    """An uncompressed ustar archive holding the given members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def seven_zip_named(content: bytes, name: str) -> bytes:
    """A 7z archive with one member called ``name``, even one py7zr won't write.

    py7zr refuses unsafe names when writing, so a placeholder of the same
    length is written into an uncompressed header, replaced, and the two
    header CRCs are recomputed.
    """
    placeholder = "A" * len(name)
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.encoded_header_mode = False
        archive.writestr(content, placeholder)
    data = bytearray(buffer.getvalue())

    header_offset, header_size = struct.unpack_from("<QQ", data, 12)
    start = SEVEN_ZIP_START_HEADER_BYTES + header_offset
    header = bytes(data[start : start + header_size])
    header = header.replace(placeholder.encode("utf-16-le"), name.encode("utf-16-le"))
    data[start : start + header_size] = header
    struct.pack_into("<I", data, 28, zlib.crc32(header))
    struct.pack_into("<I", data, 8, zlib.crc32(bytes(data[12:32])))
    return bytes(data)


def odt_with_meta(text: str, title: str, author: str, created: str) -> bytes:
    """A minimal OpenDocument text with one paragraph and a meta.xml."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    content = (
        f'<office:document-content xmlns:office="{office}" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
        f"<office:body><office:text><text:p>{text}</text:p></office:text>"
        "</office:body></office:document-content>"
    )
    meta = (
        f'<office:document-meta xmlns:office="{office}" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
        f"<dc:title>{title}</dc:title>"
        f"<meta:initial-creator>{author}</meta:initial-creator>"
        f"<meta:creation-date>{created}</meta:creation-date>"
        '<meta:document-statistic meta:page-count="3"/>'
        "</office:meta></office:document-meta>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("meta.xml", meta)
    return buffer.getvalue()
