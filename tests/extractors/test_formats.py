"""The second-rank formats read real corpus files: tables, mail, archives, markup."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors import (
    ExtractionFailed,
    ExtractionLimits,
    extract_bytes,
    extract_in_process,
)
from extractors.language import guess_language, join_cjk_spaces

LIMITS = ExtractionLimits()

# (corpus path, MIME type, a string the text holds)
TEXT_CASES = [
    ("xlsx/contract__cn_contract_batch_data.xlsx", "spreadsheetml", "合同编码"),
    ("xls/deg__hxsec_fake_xls_gbk_tsv.xls", "text/plain", "成交时间"),
    ("csv/deg__alipay_records_gbk.csv", "text/csv", "支付宝账户"),
    ("csv/easyexcel__office_bom_zh.csv", "text/csv", "姓名,年纪"),
    ("html/chardet__gb2312_sohu_fragment.html", "text/html", "搜狐在线"),
    ("html/tika__testHTML_charset_utf16le.html", "text/html", "This is a sample text"),
    ("xml/chardet__big5_sinica.edu.tw.xml", "application/xml", "隨機部落格"),
    ("eml/kopano__big5_raw_headers.eml", "message/rfc822", "養樂多線上訂購"),
    ("eml/kopano__gb2312_18030.eml", "message/rfc822", "梁祐晟"),
    ("rtf/tika__testRTFJapanese.rtf", "application/rtf", "古書店で処刑記録見つかる"),
    ("rtf/tika__testRTFWord2010CzechCharacters.rtf", "application/rtf", "Článek týdne"),
    ("odt/paperless-ngx__sample.odt", "opendocument.text", "This is an ODT test"),
    ("ofd/ofdrw__invoice_2024_shudian.ofd", "application/ofd", "电子发票"),
    ("doc/paperless-ngx__sample.doc", "application/msword", "older .doc format"),
    ("zip/tika__gbk.zip", "application/zip", "集团邮件审计系统"),
]


@pytest.mark.parametrize(("name", "mime_type", "expected"), TEXT_CASES)
def test_extract_in_process_corpus_format_gives_expected_text(
    corpus_dir: Path, name: str, mime_type: str, expected: str
) -> None:
    extraction = extract_in_process(corpus_dir / name, LIMITS)

    assert mime_type in extraction.mime_type, f"{name}: {extraction.mime_type}"
    assert expected in extraction.text, f"{name}: {extraction.text[:300]!r}"


def test_extract_in_process_mail_attachment_names_decoded(corpus_dir: Path) -> None:
    path = corpus_dir / "eml/osst__phish_docx_attach_zh.eml"

    extraction = extract_in_process(path, LIMITS)

    assert [child.name for child in extraction.children] == [
        "2023年第1季度个人劳动补贴通知.docx"
    ]
    assert extraction.children[0].data.startswith(b"PK")
    assert extraction.language == "zh"


def test_extract_in_process_rfc2231_japanese_name_decoded(corpus_dir: Path) -> None:
    path = corpus_dir / "eml/mikel_mail__rfc2231_long_attachment_name_ja.eml"

    extraction = extract_in_process(path, LIMITS)

    assert extraction.children[0].name.startswith("かきくけこ")


@pytest.mark.parametrize(
    "name",
    [
        "xlsx/tika__testEXCEL_protected_passtika.xlsx",
        "odt/tika__testODTEncrypted.odt",
        "zip/tika__testZipEncrypted.zip",
        "doc/tika__testWORD_protected_passtika.doc",
    ],
)
def test_extract_in_process_encrypted_container_is_encrypted(
    corpus_dir: Path, name: str
) -> None:
    with pytest.raises(ExtractionFailed) as caught:
        extract_in_process(corpus_dir / name, LIMITS)

    assert caught.value.state == "encrypted", f"{name}: {caught.value.reason}"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Full-width punctuation is what Chinese text uses.
        ("甲方：上海某某有限公司 (Shanghai Co., Ltd.) 合同编号 HT-2025", "zh"),
        ("你好呀，OFD Reader&Writer！", "zh"),
        ("This agreement is made between the parties.", "en"),
        ("漏電遮断機構と検知機構を一つの箱に", "ja"),
        ("역사적 예수 연구자들은", "ko"),
        ("В гимназии он не был", "ru"),
        ("12345 -- 678", "und"),
    ],
)
def test_guess_language_script_mix_gives_language(text: str, language: str) -> None:
    assert guess_language(text) == language


def test_join_cjk_spaces_ocr_spacing_removed_latin_kept() -> None:
    assert (
        join_cjk_spaces("增 值 税 专 用 发 票 No 123 合 同")
        == "增值税专用发票 No 123 合同"
    )


def test_extract_in_process_7z_with_documented_password_opens(
    corpus_dir: Path,
) -> None:
    path = corpus_dir / "7z/tika__test7Z_protected_passTika.7z"

    extraction = extract_in_process(path, LIMITS, password="Tika")

    assert [child.name for child in extraction.children] == ["text.txt"]
    assert b"This is text inside an encrypted 7zip" in extraction.children[0].data


def test_extract_in_process_7z_wrong_password_says_so(corpus_dir: Path) -> None:
    path = corpus_dir / "7z/tika__test7Z_protected_passTika.7z"

    with pytest.raises(ExtractionFailed) as caught:
        extract_in_process(path, LIMITS, password="wrong")

    assert caught.value.state == "encrypted"
    assert caught.value.reason == "the password given does not open this 7z archive"


def test_extract_bytes_ppt_inside_zip_read_by_catppt(corpus_dir: Path) -> None:
    archive = extract_in_process(corpus_dir / "zip/tika__test-documents.zip", LIMITS)
    ppt = next(child for child in archive.children if child.name == "testPPT.ppt")

    extraction = extract_bytes(ppt.data, ppt.name, LIMITS)

    assert extraction.mime_type == "application/vnd.ms-powerpoint"
    assert "Sample Powerpoint Slide" in extraction.text
    assert extraction.author == "Keith Bennett"


def test_extract_bytes_nested_tarball_unpacks_level_by_level(corpus_dir: Path) -> None:
    tar = extract_in_process(corpus_dir / "tar/tika__test-nested-tarball.tar", LIMITS)
    tgz = extract_bytes(tar.children[0].data, tar.children[0].name, LIMITS)
    inner = extract_bytes(tgz.children[0].data, tgz.children[0].name, LIMITS)

    assert tar.text == "folderContainingTgz/inner/nested.tgz"
    assert tgz.mime_type == "application/gzip"
    assert inner.mime_type == "application/x-tar"
    assert inner.text == "folderWithinTgz/testTXT.txt"


def test_extract_in_process_msg_attachments_become_children(corpus_dir: Path) -> None:
    extraction = extract_in_process(
        corpus_dir / "msg/tika__testMSG_att_msg.msg", LIMITS
    )

    names = [child.name for child in extraction.children]
    assert names == ["Test Attachment.msg", "smbprn.00009008.KdcPjl.pdf"]
    attached = extract_bytes(extraction.children[0].data, names[0], LIMITS)
    assert attached.title == "Test Attachment"


def test_extract_in_process_flat_opc_xml_read_as_word(corpus_dir: Path) -> None:
    path = corpus_dir / "xml/contract__cn_purchase_contract_flat_opc.xml"

    extraction = extract_in_process(path, LIMITS)

    assert extraction.mime_type.endswith("wordprocessingml.document")
    assert "根据《中华人民共和国合同法》" in extraction.text
    assert "<w:" not in extraction.text
