"""Each format that carries document metadata hands it over in the Extraction."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import docx
import openpyxl

from extractors import ExtractionLimits, extract_bytes, extract_in_process
from tests.extractors.samples import odt_with_meta, pdf_with_pages

LIMITS = ExtractionLimits()


def test_extract_bytes_pdf_metadata_filled() -> None:
    data = pdf_with_pages(3, title="Quarterly report", author="Zhang San")

    extraction = extract_bytes(data, "report.pdf", LIMITS)

    assert extraction.mime_type == "application/pdf"
    assert extraction.page_count == 3
    assert extraction.title == "Quarterly report"
    assert extraction.author == "Zhang San"
    assert extraction.created == "2025-01-02T03:04:05+08:00"
    assert extraction.language == "en"
    assert extraction.char_count == len(extraction.text) > 0
    assert extraction.ocr_pages == []


def test_extract_in_process_scanned_pdf_lists_ocr_pages(corpus_dir: Path) -> None:
    path = corpus_dir / "pdf/tika__testOCR.pdf"

    extraction = extract_in_process(path, ExtractionLimits(ocr_dpi=150))

    assert extraction.ocr_pages == [1]
    assert extraction.page_count == 1


def test_extract_bytes_docx_metadata_filled() -> None:
    document = docx.Document()
    document.add_paragraph("甲方与乙方签订本合同。")
    document.core_properties.title = "采购合同"
    document.core_properties.author = "李四"
    document.core_properties.created = datetime(2025, 1, 2, 3, 4, 5)
    buffer = io.BytesIO()
    document.save(buffer)

    extraction = extract_bytes(buffer.getvalue(), "contract.docx", LIMITS)

    assert extraction.title == "采购合同"
    assert extraction.author == "李四"
    assert extraction.created == "2025-01-02T03:04:05+00:00"
    assert extraction.modified is not None
    assert extraction.page_count == 1
    assert extraction.language == "zh"


def test_extract_bytes_xlsx_metadata_filled() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["客户名称", "金额"])
    workbook.create_sheet("第二页")
    workbook.properties.title = "对账单"
    workbook.properties.creator = "王五"
    workbook.properties.created = datetime(2024, 5, 6, 7, 8, 9)
    buffer = io.BytesIO()
    workbook.save(buffer)

    extraction = extract_bytes(buffer.getvalue(), "book.xlsx", LIMITS)

    assert extraction.title == "对账单"
    assert extraction.author == "王五"
    assert extraction.created == "2024-05-06T07:08:09"
    assert extraction.page_count == 2


def test_extract_bytes_odt_metadata_filled() -> None:
    data = odt_with_meta("会议纪要正文", "会议纪要", "赵六", "2023-03-04T05:06:07")

    extraction = extract_bytes(data, "minutes.odt", LIMITS)

    assert extraction.text == "会议纪要正文"
    assert extraction.title == "会议纪要"
    assert extraction.author == "赵六"
    assert extraction.created == "2023-03-04T05:06:07"
    assert extraction.page_count == 3


def test_extract_bytes_eml_subject_from_date_become_metadata() -> None:
    raw = (
        "From: Zhang San <zhang@example.com>\r\n"
        "To: li@example.com\r\n"
        "Subject: =?utf-8?b?5Y+R56Wo?=\r\n"
        "Date: Tue, 4 Mar 2025 10:11:12 +0800\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "请查收本月发票。\r\n"
    ).encode()

    extraction = extract_bytes(raw, "mail.eml", LIMITS)

    assert extraction.title == "发票"
    assert extraction.author == "Zhang San <zhang@example.com>"
    assert extraction.created == "2025-03-04T10:11:12+08:00"
    assert extraction.language == "zh"


def test_extract_in_process_msg_metadata_in_chinese(corpus_dir: Path) -> None:
    extraction = extract_in_process(
        corpus_dir / "msg/tika__testMSG_chinese.msg", LIMITS
    )

    assert extraction.mime_type == "application/vnd.ms-outlook"
    assert extraction.title == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert extraction.author == "Tests Chang@FT (張毓倫)"
    assert extraction.created == "2011-03-29T08:52:48.725260+00:00"
    assert extraction.language == "zh"


def test_extract_in_process_xls_summary_metadata_filled(corpus_dir: Path) -> None:
    path = corpus_dir / "xls/tika__testEXCEL_labels-govdocs-515858.xls"

    extraction = extract_in_process(path, LIMITS)

    assert extraction.author == "Donna Roberts"
    assert extraction.created == "2008-06-27T16:07:30"
    assert extraction.title is not None
    assert extraction.title.startswith("Cabbage and other brassicas")
