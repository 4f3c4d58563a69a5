"""The pages in a real browser: upload, search, facets, a correction, review, zh/en."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from search_api.i18n import translate
from tests.pages.browser import (
    PHONE_VIEWPORT,
    SCREENSHOTS_DIR,
    open_browser,
    screenshot,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="pip install playwright to run browser tests"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser

ENGLISH_PDF = "pdf/pdfminer.six__simple1.pdf"
CHINESE_CONTRACT = "docx/contract__cn_cooperation_agreement_filled.docx"
INGEST_WAIT_MS = 300_000
PDF_VIEWER_PAINT_MS = 2_000


@dataclass
class UploadRow:
    """What the upload page showed for one file once it stopped changing."""

    document_id: int
    receipt: str
    state: str
    state_class: str


@pytest.fixture(scope="module")
def uploaded(site: str, chinese_browser: Any, corpus_dir: Path) -> dict[str, UploadRow]:
    """Both corpus files sent through the upload page and followed to a final state."""
    page = chinese_browser.new_page()
    page.goto(f"{site}/ui/upload")
    page.fill("#customer", "华东贸易有限公司")
    page.set_input_files(
        "#files", [corpus_dir / ENGLISH_PDF, corpus_dir / CHINESE_CONTRACT]
    )

    rows = {}
    for item in page.locator(".upload-item").all():
        final = item.locator(".state-indexed, .state-failed, .state-encrypted")
        final.wait_for(timeout=INGEST_WAIT_MS)
        link = item.locator(".upload-status a")
        rows[item.locator(".upload-name").inner_text()] = UploadRow(
            document_id=int(link.get_attribute("href").rsplit("/", 1)[-1]),
            receipt=link.inner_text(),
            state=final.inner_text(),
            state_class=final.get_attribute("class"),
        )
    screenshot(page, "upload-zh")
    page.close()
    return rows


def test_upload_page_each_file_gets_receipt_then_searchable(
    uploaded: dict[str, UploadRow],
) -> None:
    assert set(uploaded) == {Path(ENGLISH_PDF).name, Path(CHINESE_CONTRACT).name}
    for row in uploaded.values():
        assert row.receipt == f"新文档 {row.document_id}"
        assert "state-indexed" in row.state_class, row.state
        assert row.state == "可搜索"


def test_search_page_chinese_word_is_marked_in_snippet(
    page: Any, site: str, uploaded: dict[str, UploadRow]
) -> None:
    contract_id = uploaded[Path(CHINESE_CONTRACT).name].document_id
    page.goto(f"{site}/")
    page.fill("#q", "合作")
    page.press("#q", "Enter")

    hit = page.locator(".hit").first
    expect(hit.locator("h3 a")).to_have_attribute(
        "href", f"/ui/documents/{contract_id}"
    )
    expect(hit.locator(".snippet mark").first).to_have_text("合作")
    expect(hit.locator(".confidence").first).to_contain_text("置信度")
    expect(hit.locator("time")).to_contain_text("年")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    screenshot(page, "search-zh")


def test_search_page_facet_ticked_by_keyboard_keeps_only_that_type(
    page: Any, site: str, uploaded: dict[str, UploadRow]
) -> None:
    page.goto(f"{site}/")
    expect(page.locator(".hit")).to_have_count(2)

    pdf_box = page.get_by_role("checkbox", name=re.compile(r"^PDF\b"))
    pdf_box.focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"type=pdf"))

    expect(page.locator(".hit")).to_have_count(1)
    expect(page.locator(".hit h3 a")).to_have_attribute(
        "href", f"/ui/documents/{uploaded[Path(ENGLISH_PDF).name].document_id}"
    )
    expect(page.get_by_role("checkbox", name=re.compile(r"^PDF\b"))).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile(r"^PDF\b"))).to_be_focused()
    expect(page.locator(".chips")).to_contain_text("文件类型: PDF")
    screenshot(page, "search-facet-zh")


def test_search_page_syntax_error_shows_api_message_and_position(
    page: Any, site: str, uploaded: dict[str, UploadRow]
) -> None:
    page.goto(f"{site}/")
    page.fill("#q", "合同 AND (草稿")
    page.press("#q", "Enter")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("无法解析查询")
    expect(alert).to_contain_text("position")
    expect(page.locator("#q")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "search-syntax-error-zh")


def test_document_page_correction_shows_in_history_and_search(
    page: Any, site: str, uploaded: dict[str, UploadRow]
) -> None:
    contract_id = uploaded[Path(CHINESE_CONTRACT).name].document_id
    page.goto(f"{site}/?q=协议")
    page.locator(f'.hit a[href="/ui/documents/{contract_id}"]').click()
    page.wait_for_url(f"{site}/ui/documents/{contract_id}")
    current = page.locator("#correct-category").get_attribute("data-current")
    new = "financial" if current != "financial" else "technical"
    shown = translate("zh", f"category.{new}")

    page.select_option("#correct-category", new)
    page.fill("#correct-reason", "客户确认这是付款协议")
    page.fill("#person", "王芳")
    page.click("#correct-form button[type=submit]")

    latest = page.locator("#history tbody tr").first
    expect(latest).to_contain_text("王芳")
    expect(latest).to_contain_text(shown)
    expect(latest).to_contain_text("客户确认这是付款协议")
    expect(page.locator("#current-category")).to_contain_text("人工")
    expect(page.locator("#person")).to_have_value("王芳")
    screenshot(page, "document-zh")

    page.goto(f"{site}/?category={new}")
    corrected = page.locator(".hit").filter(
        has=page.locator(f'a[href="/ui/documents/{contract_id}"]')
    )
    expect(corrected.locator(".label-category")).to_contain_text(shown)
    expect(corrected.locator(".label-category")).to_contain_text("100%")


def test_document_page_pdf_is_previewed_inline_in_a_frame(
    page: Any, site: str, uploaded: dict[str, UploadRow]
) -> None:
    pdf_id = uploaded[Path(ENGLISH_PDF).name].document_id
    page.goto(f"{site}/ui/documents/{pdf_id}")

    frame = page.locator("#preview iframe")
    expect(frame).to_have_attribute(
        "src", f"/ui/documents/{pdf_id}/preview#view=FitH&navpanes=0"
    )
    answer = page.request.get(f"{site}/ui/documents/{pdf_id}/preview")
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("inline")
    expect(page.locator(".extracted")).to_contain_text("Hello World")
    expect(page.get_by_role("link", name="下载原件")).to_have_attribute(
        "href", f"/documents/{pdf_id}/original"
    )
    screenshot(page, "document-pdf-zh")
    # The browser's PDF viewer paints a moment after the frame has loaded.
    page.wait_for_load_state("load")  # includes the frame
    page.wait_for_timeout(PDF_VIEWER_PAINT_MS)
    page.locator("#preview").screenshot(path=str(SCREENSHOTS_DIR / "pdf-preview.png"))


def test_review_page_accepts_with_key_a_and_records_confirmation(
    page: Any, site: str, uploaded: dict[str, UploadRow]
) -> None:
    page.goto(f"{site}/ui/review")
    expect(page.locator(".shortcuts")).to_contain_text("接受建议")
    page.fill("#person", "李雷")
    screenshot(page, "review-zh")

    first = page.locator(".review-item").first
    document_id = first.get_attribute("data-document")
    first.focus()
    page.keyboard.press("a")
    expect(first).to_have_class(re.compile(r"is-done"))

    page.goto(f"{site}/ui/documents/{document_id}")
    expect(page.locator("#history tbody")).to_contain_text("李雷")
    expect(page.locator("#history tbody")).to_contain_text("确认")


def test_language_switch_turns_pages_english_and_is_remembered(
    page: Any, site: str, uploaded: dict[str, UploadRow]
) -> None:
    page.goto(f"{site}/?q=合作")
    page.click("#lang-switch")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#q")).to_have_value("合作")
    expect(page.get_by_role("navigation")).to_contain_text("Review queue")
    expect(page.locator(".hit .confidence").first).to_contain_text("sure")
    screenshot(page, "search-en")
    page.goto(f"{site}/ui/upload")
    expect(page.locator("h1")).to_have_text("Upload files")

    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_pages_english_browser_defaults_to_english(
    playwright_api: Any, tmp_path: Path, site: str, uploaded: dict[str, UploadRow]
) -> None:
    context = open_browser(
        playwright_api, tmp_path / "profile", "en-US", PHONE_VIEWPORT
    )
    try:
        page = context.new_page()
        page.goto(f"{site}/?q=合作")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator(".total")).to_contain_text("1 document found")
        screenshot(page, "search-phone-en")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_VIEWPORT["width"], f"page is {width} px wide on a phone"
        contract_id = uploaded[Path(CHINESE_CONTRACT).name].document_id
        page.goto(f"{site}/ui/documents/{contract_id}")
        screenshot(page, "document-phone-en")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_VIEWPORT["width"], f"document page is {width} px wide"
    finally:
        context.close()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)
