"""Hostile and broken inputs end in a clear reason, never a crash or a hang."""

from __future__ import annotations

import base64
import gzip
import io
import signal
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import py7zr
import pytest
from PIL import Image

from extractors import (
    ExtractionFailed,
    ExtractionLimits,
    detect_type,
    extract_bytes,
    extract_file,
    extract_in_process,
)
from extractors.isolation import death_reason, timeout_reason
from tests.extractors.samples import (
    pdf_with_pages,
    seven_zip_named,
    stored_rar,
    tar_of,
)

LIMITS = ExtractionLimits(timeout_seconds=120)


def failure(path: Path, limits: ExtractionLimits = LIMITS) -> ExtractionFailed:
    """The failure extracting a file raises; the test fails if none is raised."""
    with pytest.raises(ExtractionFailed) as caught:
        extract_file(path, limits)
    return caught.value


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    """A small real PNG."""
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, format="PNG")
    return buffer.getvalue()


def with_png_dimensions(data: bytes, width: int, height: int) -> bytes:
    """A PNG whose IHDR claims other dimensions, with a valid chunk CRC."""
    header = bytearray(data)
    header[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(header[12:29])) & 0xFFFFFFFF
    header[29:33] = struct.pack(">I", crc)
    return bytes(header)


def test_extract_file_empty_file_fails_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")

    err = failure(path)

    assert err.reason == "the file is empty"
    assert err.state == "failed"


def test_detect_type_png_named_jpg_is_png() -> None:
    assert detect_type(png_bytes(), "photo.jpg") == "image/png"


def test_detect_type_gbk_text_named_xls_is_text() -> None:
    data = "姓名\t金额\n张三\t100\n李四\t200\n".encode("gbk")

    assert detect_type(data, "report.xls") == "text/plain"


def test_extract_file_gbk_text_named_xls_gives_chinese_text(tmp_path: Path) -> None:
    path = tmp_path / "report.xls"
    path.write_bytes("客户名称\t合同金额\n上海某某公司\t1000\n".encode("gbk") * 20)

    extraction = extract_file(path, LIMITS)

    assert "上海某某公司" in extraction.text
    assert extraction.language == "zh"


def test_extract_file_truncated_docx_names_missing_central_directory(
    tmp_path: Path,
) -> None:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("合同正文" * 200)
    document.save(buffer)
    path = tmp_path / "cut.docx"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])

    err = failure(path)

    assert err.reason.startswith("truncated DOCX: the ZIP central directory is missing")


def test_extract_file_pixel_bomb_png_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(with_png_dimensions(png_bytes(), 60_000, 60_000))

    err = failure(path)

    assert "60000 x 60000 pixels" in err.reason
    assert "decompression bomb" in err.reason


def test_extract_file_encrypted_pdf_without_password_is_encrypted(
    corpus_dir: Path,
) -> None:
    err = failure(corpus_dir / "pdf/pdfminer.six__aes-256.pdf")

    assert err.state == "encrypted"
    assert "password" in err.reason


def test_extract_file_encrypted_pdf_with_password_opens(corpus_dir: Path) -> None:
    path = corpus_dir / "pdf/paperless-ngx__password-is-test.pdf"

    extraction = extract_file(path, LIMITS, password="test")

    assert "Password Protected PDF test." in extraction.text


def test_extract_file_encrypted_pdf_wrong_password_says_so(corpus_dir: Path) -> None:
    with pytest.raises(ExtractionFailed) as caught:
        extract_file(corpus_dir / "pdf/pdfminer.six__rc4-40.pdf", LIMITS, "wrong")

    assert caught.value.state == "encrypted"
    assert caught.value.reason == "the password given does not open this PDF"


def test_extract_file_ocr_over_time_limit_is_stopped(corpus_dir: Path) -> None:
    limits = ExtractionLimits(timeout_seconds=0.5)

    err = failure(corpus_dir / "pdf/paperless-ngx__rotated_scan.pdf", limits)

    assert err.reason == "extraction took longer than 0.5 s and was stopped"


def test_extract_file_memory_over_limit_names_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "large.png"
    Image.new("RGB", (9_000, 9_000), "white").save(path, format="PNG")
    limits = ExtractionLimits(memory_mb=250)

    err = failure(path, limits)

    assert "more than 250 MB of memory" in err.reason


def test_extract_bytes_zip_with_traversal_names_keeps_them_inside(
    tmp_path: Path,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/evil.txt", "escape")
        archive.writestr("/abs/path.txt", "absolute")
    before = set(tmp_path.iterdir())

    extraction = extract_bytes(buffer.getvalue(), "a.zip", LIMITS)

    assert [child.name for child in extraction.children] == [
        "etc/evil.txt",
        "abs/path.txt",
    ]
    assert set(tmp_path.iterdir()) == before


def test_extract_bytes_zip_gbk_member_name_is_decoded() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("XXXX.txt", "内容")
    # Windows tools write GBK names without the UTF-8 flag; zipfile cannot, so
    # the ASCII placeholder (same byte length) is swapped in both headers.
    data = buffer.getvalue().replace(b"XXXX.txt", "合同.txt".encode("gbk"))

    extraction = extract_bytes(data, "a.zip", LIMITS)

    assert extraction.children[0].name == "合同.txt"


def test_extract_bytes_zip_bomb_ratio_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 10_000_000)

    with pytest.raises(ExtractionFailed) as caught:
        extract_bytes(buffer.getvalue(), "a.zip", LIMITS)

    assert "possible ZIP bomb" in caught.value.reason


def test_extract_bytes_mail_gb2312_label_with_gb18030_text_decodes() -> None:
    # Mailers label GB18030 as gb2312; 𠀀 (Ext-B) exists only in GB18030.
    subject = base64.b64encode("发票𠀀".encode("gb18030")).decode("ascii")
    body = base64.b64encode("请查收发票。".encode("gb18030")).decode("ascii")
    big5_name = base64.b64encode("合約.pdf".encode("big5")).decode("ascii")
    raw = (
        "From: sales@example.com\r\n"
        f"Subject: =?gb2312?B?{subject}?=\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\n"
        'Content-Type: text/plain; charset="gb2312"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
        "--b1\r\n"
        "Content-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename*=gb2312''%B7%A2%C6%B1.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n"
        "--b1\r\n"
        f'Content-Type: application/pdf; name="=?big5?B?{big5_name}?="\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n"
        "--b1--\r\n"
    ).encode("ascii")

    extraction = extract_bytes(raw, "mail.eml", LIMITS)

    assert extraction.title == "发票𠀀"
    assert "请查收发票。" in extraction.text
    assert [child.name for child in extraction.children] == ["发票.pdf", "合約.pdf"]
    assert extraction.children[0].data == b"%PDF-1.4"


def test_extract_in_process_unknown_binary_fails_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "blob.docx"
    path.write_bytes(bytes(range(256)) * 4)

    with pytest.raises(ExtractionFailed) as caught:
        extract_in_process(path, LIMITS)

    assert (
        caught.value.reason == "the file type could not be recognised from its content"
    )


def test_death_reason_killed_child_names_memory_limit() -> None:
    reason = death_reason(-signal.SIGKILL, ExtractionLimits(memory_mb=1024))

    assert reason.startswith("extraction needed more than 1024 MB of memory")


def test_death_reason_segfault_names_signal() -> None:
    reason = death_reason(-signal.SIGSEGV, ExtractionLimits())

    assert "SIGSEGV" in reason


def test_timeout_reason_default_limit_reads_plainly() -> None:
    reason = timeout_reason(ExtractionLimits())

    assert reason == "extraction took longer than 120 s and was stopped"


def test_extract_file_2000_page_pdf_reads_only_max_pages(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf_with_pages(2000))
    limits = ExtractionLimits(max_pages=100, memory_mb=512)

    extraction = extract_file(path, limits)

    assert extraction.page_count == 2000
    assert "Page 100" in extraction.text
    assert "Page 101" not in extraction.text


def test_extract_file_2000_page_pdf_within_default_limits_reads_all(
    tmp_path: Path,
) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf_with_pages(2000))

    extraction = extract_file(path, ExtractionLimits(memory_mb=512))

    assert "Page 2000" in extraction.text
    assert extraction.ocr_pages == []


def test_extract_bytes_gzip_quine_gives_one_child_per_level(corpus_dir: Path) -> None:
    data = (corpus_dir / "gz/tika__quine.gz").read_bytes()

    extraction = extract_bytes(data, "quine.gz", LIMITS)

    # The quine unpacks to itself; each level yields exactly one child, so the
    # pipeline's depth limit is what ends the chain.
    assert [child.name for child in extraction.children] == ["quine.gz"]
    assert extraction.children[0].data == data


def test_extract_bytes_droste_zip_children_bounded(corpus_dir: Path) -> None:
    data = (corpus_dir / "zip/tika__droste.zip").read_bytes()

    extraction = extract_bytes(data, "droste.zip", LIMITS)

    assert sorted(child.name for child in extraction.children) == [
        "droste.jpg",
        "droste.zip",
    ]
    assert next(c for c in extraction.children if c.name == "droste.zip").data == data


def test_extract_bytes_zip_over_member_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(11):
            archive.writestr(f"{number}.txt", "x")

    with pytest.raises(ExtractionFailed) as caught:
        extract_bytes(
            buffer.getvalue(), "a.zip", ExtractionLimits(max_archive_members=10)
        )

    assert caught.value.reason == (
        "the archive has 11 members, more than the limit of 10"
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.tar", tar_of({"../../etc/x": b"escape", "/abs/y": b"absolute"})),
        ("a.rar", stored_rar("../../etc/x", b"escape")),
        ("x.gz", gzip.compress(b"escape")),
    ],
)
def test_extract_bytes_traversal_member_names_stay_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes
) -> None:
    if name == "x.gz":
        # gzip.compress writes no name; the FNAME field is set by hand.
        data = data[:3] + b"\x08" + data[4:10] + b"../../etc/x\0" + data[10:]
    monkeypatch.chdir(tmp_path)

    extraction = extract_bytes(data, name, LIMITS)

    assert all(
        not child.name.startswith(("/", "..")) and "/../" not in child.name
        for child in extraction.children
    )
    assert "etc/x" in [child.name for child in extraction.children]
    assert list(tmp_path.iterdir()) == []


def test_extract_bytes_7z_traversal_name_is_refused_without_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = seven_zip_named(b"escape", "../../etc/x")
    monkeypatch.chdir(tmp_path)

    with pytest.raises(ExtractionFailed) as caught:
        extract_bytes(data, "a.7z", LIMITS)

    assert "../../etc/x" in caught.value.reason
    assert list(tmp_path.iterdir()) == []


def test_extract_bytes_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)

    with pytest.raises(ExtractionFailed) as caught:
        extract_bytes(bomb, "zeros.gz", LIMITS)

    assert "possible gzip bomb" in caught.value.reason


def test_extract_bytes_tar_over_total_size_is_refused_before_reading() -> None:
    data = tar_of({"a.bin": b"\0" * 600_000, "b.bin": b"\0" * 600_000})
    limits = ExtractionLimits(max_archive_total_bytes=1_000_000)

    with pytest.raises(ExtractionFailed) as caught:
        extract_bytes(data, "a.tar", limits)

    assert caught.value.reason == "the archive unpacks to more than 1,000,000 bytes"


def test_extract_bytes_tar_gz_bomb_is_refused_at_the_gzip_layer() -> None:
    bomb = gzip.compress(tar_of({"zeros.bin": b"\0" * 20_000_000}))

    with pytest.raises(ExtractionFailed) as caught:
        extract_bytes(bomb, "zeros.tar.gz", LIMITS)

    assert "possible gzip bomb" in caught.value.reason


def test_extract_bytes_7z_bomb_is_refused_before_unpacking() -> None:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.writestr(b"\0" * 20_000_000, "zeros.bin")

    with pytest.raises(ExtractionFailed) as caught:
        extract_bytes(buffer.getvalue(), "zeros.7z", LIMITS)

    assert "possible 7z bomb" in caught.value.reason


def test_extract_bytes_rar_header_claiming_huge_size_is_refused() -> None:
    data = stored_rar("big.bin", b"0123456789", claimed_size=5_000_000)

    with pytest.raises(ExtractionFailed) as caught:
        extract_bytes(data, "big.rar", LIMITS)

    assert "possible RAR bomb" in caught.value.reason


def test_extract_bytes_dbf_header_claiming_millions_of_records_reads_what_is_there(
    corpus_dir: Path,
) -> None:
    data = bytearray((corpus_dir / "dbf/tika__testDBF_gb18030.dbf").read_bytes())
    data[4:8] = (50_000_000).to_bytes(4, "little")

    extraction = extract_bytes(bytes(data), "table.dbf", LIMITS)

    assert extraction.text.splitlines()[0] == "TEXTFIELD"
    assert "虽然该指令经过重新发布" in extraction.text


def test_extract_bytes_plain_rar_member_becomes_child() -> None:
    data = stored_rar("合同/说明.txt", "租赁合同".encode())

    extraction = extract_bytes(data, "a.rar", LIMITS)

    assert extraction.mime_type == "application/vnd.rar"
    assert [child.name for child in extraction.children] == ["合同/说明.txt"]
    assert extraction.children[0].data.decode() == "租赁合同"


def test_detect_type_gbk_text_starting_like_wordperfect_is_text() -> None:
    # 上 is C9 CF in GBK: a WordPerfect 4 function-code byte, closed again.
    data = "上海上海公司合同".encode("gbk") * 4

    assert detect_type(data, "a.txt") == "text/plain"
