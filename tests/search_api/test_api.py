"""The HTTP API end to end, through a real server process on a loopback port."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from tests.search_api.server import run_cli, running_server

ENGLISH_PDF = "pdf/pdfminer.six__simple1.pdf"
CHINESE_CONTRACT = "docx/contract__cn_cooperation_agreement_filled.docx"
CHINESE_INVOICE = "pdf/invoice__cn_e_invoice_sf_express_2025.pdf"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("api") / "data"
    with running_server(data_dir) as base_url:
        yield base_url, data_dir


@pytest.fixture(scope="module")
def uploaded(server: tuple[str, Path], corpus_dir: Path) -> dict[str, dict]:
    base_url, _ = server
    names = [ENGLISH_PDF, CHINESE_CONTRACT, CHINESE_INVOICE]
    files = [("files", (Path(n).name, (corpus_dir / n).read_bytes())) for n in names]
    answer = httpx.post(
        f"{base_url}/documents",
        files=files,
        data={"customer": "华东贸易有限公司", "note": "first delivery"},
        params={"wait": "true"},
        timeout=300,
    )
    assert answer.status_code == 200, answer.text
    return dict(zip(names, answer.json(), strict=True))


def test_upload_new_files_answers_one_receipt_each(uploaded: dict[str, dict]) -> None:
    for name, receipt in uploaded.items():
        assert receipt["duplicate_of"] is None, name
        assert receipt["state"] == "indexed", (name, receipt)
        assert receipt["customer"] == "华东贸易有限公司"
        assert len(receipt["sha256"]) == 64


def test_upload_same_bytes_again_is_duplicate_of_first(
    server: tuple[str, Path], uploaded: dict[str, dict], corpus_dir: Path
) -> None:
    base_url, _ = server
    first = uploaded[ENGLISH_PDF]
    data = (corpus_dir / ENGLISH_PDF).read_bytes()
    answer = httpx.post(
        f"{base_url}/documents",
        files=[("files", ("renamed.pdf", data))],
        data={"customer": "华东贸易有限公司"},
    )
    receipt = answer.json()[0]
    assert receipt["duplicate_of"] == first["document_id"]
    assert receipt["document_id"] == first["document_id"]
    document = httpx.get(f"{base_url}/documents/{first['document_id']}").json()
    assert [d["is_duplicate"] for d in document["deliveries"]] == [False, True]


def test_upload_same_bytes_other_customer_is_new_document(
    server: tuple[str, Path], uploaded: dict[str, dict], corpus_dir: Path
) -> None:
    base_url, _ = server
    data = (corpus_dir / ENGLISH_PDF).read_bytes()
    answer = httpx.post(
        f"{base_url}/documents",
        files=[("files", ("simple.pdf", data))],
        data={"customer": "Acme Ltd"},
        params={"wait": "true"},
    )
    receipt = answer.json()[0]
    assert receipt["duplicate_of"] is None
    assert receipt["document_id"] != uploaded[ENGLISH_PDF]["document_id"]


def test_document_shows_receipt_labels_and_text(
    server: tuple[str, Path], uploaded: dict[str, dict]
) -> None:
    base_url, _ = server
    receipt = uploaded[ENGLISH_PDF]
    document = httpx.get(f"{base_url}/documents/{receipt['document_id']}").json()
    assert "Hello World" in document["text"]
    assert document["sha256"] == receipt["sha256"]
    assert document["receipt"]["channel"] == "upload"
    assert document["receipt"]["note"] == "first delivery"
    assert document["category"] in {
        "contract",
        "financial",
        "technical",
        "feedback",
        "identity",
        "correspondence",
        "other",
    }
    assert 0.0 <= document["category_confidence"] <= 1.0
    assert document["sensitivity"] in {"public", "internal", "confidential", "personal"}
    assert document["mime_type"] == "application/pdf"
    assert isinstance(document["pii_kinds"], dict)


def test_original_is_returned_unchanged_with_its_name(
    server: tuple[str, Path], uploaded: dict[str, dict], corpus_dir: Path
) -> None:
    base_url, _ = server
    receipt = uploaded[CHINESE_CONTRACT]
    answer = httpx.get(f"{base_url}/documents/{receipt['document_id']}/original")
    assert answer.status_code == 200
    expected = (corpus_dir / CHINESE_CONTRACT).read_bytes()
    assert (
        hashlib.sha256(answer.content).hexdigest()
        == hashlib.sha256(expected).hexdigest()
    )
    assert "wordprocessingml" in answer.headers["content-type"]
    disposition = unquote(answer.headers["content-disposition"])
    assert Path(CHINESE_CONTRACT).name in disposition


def test_search_chinese_word_marks_it_in_snippet(
    server: tuple[str, Path], uploaded: dict[str, dict]
) -> None:
    base_url, _ = server
    result = httpx.get(f"{base_url}/search", params={"q": "发票"}).json()
    ids = [hit["id"] for hit in result["hits"]]
    assert uploaded[CHINESE_INVOICE]["document_id"] in ids
    hit = next(
        h for h in result["hits"] if h["id"] == uploaded[CHINESE_INVOICE]["document_id"]
    )
    assert "<mark>发票</mark>" in hit["snippet"]
    assert uploaded[ENGLISH_PDF]["document_id"] not in ids


def test_search_facets_add_up_to_total(
    server: tuple[str, Path], uploaded: dict
) -> None:
    base_url, _ = server
    result = httpx.get(f"{base_url}/search").json()
    assert result["total"] >= 3
    for facet in ("category", "sensitivity", "customer", "file_type", "received_month"):
        assert sum(result["facets"][facet].values()) == result["total"], facet


def test_search_category_filter_keeps_only_that_category(
    server: tuple[str, Path], uploaded: dict
) -> None:
    base_url, _ = server
    everything = httpx.get(f"{base_url}/search").json()
    category, count = next(iter(everything["facets"]["category"].items()))
    result = httpx.get(f"{base_url}/search", params={"category": category}).json()
    assert result["total"] == count
    assert {hit["category"] for hit in result["hits"]} == {category}


def test_search_bad_date_is_400_with_reason(server: tuple[str, Path]) -> None:
    base_url, _ = server
    answer = httpx.get(f"{base_url}/search", params={"received_from": "yesterday"})
    assert answer.status_code == 400
    assert "received_from" in answer.json()["error"]


def test_search_syntax_error_is_400_not_500(server: tuple[str, Path]) -> None:
    base_url, _ = server
    answer = httpx.get(f"{base_url}/search", params={"q": "(合同 AND"})
    assert answer.status_code == 400
    assert answer.json()["error"]


def test_unknown_document_is_404(server: tuple[str, Path]) -> None:
    base_url, _ = server
    answer = httpx.get(f"{base_url}/documents/999999")
    assert answer.status_code == 404
    assert "999999" in answer.json()["error"]


def test_cli_search_json_prints_what_api_answers(
    server: tuple[str, Path], uploaded: dict
) -> None:
    base_url, data_dir = server
    api = httpx.get(f"{base_url}/search", params={"q": "合同 OR hello"}).json()
    cli = run_cli(data_dir, "search", "合同 OR hello", "--json")
    assert cli.returncode == 0, cli.stderr
    import json

    assert json.loads(cli.stdout) == api


def test_upload_without_wait_is_processed_in_background(
    server: tuple[str, Path], corpus_dir: Path
) -> None:
    base_url, _ = server
    data = (corpus_dir / "docx/python-docx__tbl-having-tables.docx").read_bytes()
    receipt = httpx.post(
        f"{base_url}/documents", files=[("files", ("表格.docx", data))]
    ).json()[0]
    assert receipt["original_filename"] == "表格.docx"
    deadline = time.monotonic() + 120
    state = receipt["state"]
    while state not in ("indexed", "failed") and time.monotonic() < deadline:
        time.sleep(0.3)
        state = httpx.get(f"{base_url}/documents/{receipt['document_id']}").json()[
            "state"
        ]
    assert state == "indexed"


def test_label_correction_changes_document_index_and_history(
    server: tuple[str, Path], uploaded: dict[str, dict]
) -> None:
    base_url, _ = server
    document_id = uploaded[CHINESE_CONTRACT]["document_id"]
    before = httpx.get(f"{base_url}/documents/{document_id}").json()
    new_category = "identity" if before["category"] != "identity" else "feedback"

    answer = httpx.post(
        f"{base_url}/documents/{document_id}/labels",
        json={"category": new_category, "by": "王芳", "reason": "客户身份材料"},
    )

    assert answer.status_code == 200, answer.text
    after = answer.json()
    assert after["category"] == new_category
    assert after["category_source"] == "person"
    assert after["sensitivity"] == before["sensitivity"]
    found = httpx.get(f"{base_url}/search", params={"category": new_category}).json()
    assert document_id in [hit["id"] for hit in found["hits"]]
    history = httpx.get(f"{base_url}/documents/{document_id}/labels/history").json()
    assert history[-1]["kind"] == "correction"
    assert history[-1]["old_value"] == before["category"]
    assert history[-1]["decided_by"] == "王芳"


def test_label_unknown_category_is_400_naming_choices(
    server: tuple[str, Path], uploaded: dict[str, dict]
) -> None:
    base_url, _ = server
    document_id = uploaded[ENGLISH_PDF]["document_id"]
    answer = httpx.post(
        f"{base_url}/documents/{document_id}/labels",
        json={"category": "spam", "by": "tester"},
    )
    assert answer.status_code == 400
    assert "contract" in answer.json()["error"]


def test_review_queue_lists_uncertain_first_and_accept_clears(
    server: tuple[str, Path], uploaded: dict
) -> None:
    base_url, _ = server
    queue = httpx.get(f"{base_url}/review").json()
    confidences = [
        min(item["category_confidence"], item["sensitivity_confidence"])
        for item in queue
    ]
    assert confidences == sorted(confidences)
    if not queue:
        pytest.skip("the model was sure of every uploaded document")
    first = queue[0]["id"]
    accepted = httpx.post(f"{base_url}/review/{first}/accept", json={"by": "tester"})
    assert accepted.status_code == 200
    assert accepted.json()["needs_review"] is False
    assert first not in [item["id"] for item in httpx.get(f"{base_url}/review").json()]


def test_encrypted_pdf_opens_with_password_given_later(
    server: tuple[str, Path], corpus_dir: Path
) -> None:
    base_url, _ = server
    data = (corpus_dir / "pdf/paperless-ngx__password-is-test.pdf").read_bytes()
    receipt = httpx.post(
        f"{base_url}/documents",
        files=[("files", ("locked.pdf", data))],
        params={"wait": "true"},
        timeout=120,
    ).json()[0]
    assert receipt["state"] == "encrypted"
    assert "password" in receipt["failure_reason"]
    url = f"{base_url}/documents/{receipt['document_id']}/password"

    wrong = httpx.post(url, json={"password": "nope"}, timeout=120).json()
    right = httpx.post(url, json={"password": "test"}, timeout=120).json()

    assert wrong["state"] == "encrypted"
    assert "does not open" in wrong["failure_reason"]
    assert right["state"] == "indexed"
    assert "Password Protected" in right["text"]
    again = httpx.post(url, json={"password": "test"})
    assert again.status_code == 409


def test_docs_page_needs_no_network(server: tuple[str, Path]) -> None:
    base_url, _ = server
    page = httpx.get(f"{base_url}/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in page
    assert "cdn." not in page
    script = httpx.get(f"{base_url}/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert "/search" in httpx.get(f"{base_url}/openapi.json").json()["paths"]


def test_similar_never_returns_the_document_itself(
    server: tuple[str, Path], uploaded: dict[str, dict]
) -> None:
    base_url, _ = server
    document_id = uploaded[CHINESE_INVOICE]["document_id"]
    answer = httpx.get(f"{base_url}/documents/{document_id}/similar")
    assert answer.status_code == 200
    assert document_id not in [hit["id"] for hit in answer.json()["hits"]]
    missing = httpx.get(f"{base_url}/documents/999999/similar")
    assert missing.status_code == 404


def test_suggest_completes_chinese_prefix_from_visible_text(
    server: tuple[str, Path], uploaded: dict
) -> None:
    base_url, _ = server
    found = httpx.get(f"{base_url}/suggest", params={"prefix": "合"}).json()
    texts = [item["text"] for item in found]
    assert "合作" in texts
    assert all(text.startswith("合") for text in texts)
    empty = httpx.get(f"{base_url}/suggest", params={"prefix": " "})
    assert empty.status_code == 400


def test_document_page_has_similar_documents_box(
    server: tuple[str, Path], uploaded: dict[str, dict]
) -> None:
    base_url, _ = server
    document_id = uploaded[CHINESE_INVOICE]["document_id"]
    page = httpx.get(
        f"{base_url}/ui/documents/{document_id}", headers={"Accept-Language": "zh-CN"}
    )
    assert page.status_code == 200
    assert "相似文档" in page.text


def test_models_lists_the_current_version_with_its_scores(
    server: tuple[str, Path],
) -> None:
    base_url, _ = server
    models = httpx.get(f"{base_url}/models").json()
    current = [model for model in models if model["is_current"]]
    assert len(current) == 1
    assert 0.0 < current[0]["category_macro_f1"] <= 1.0
    assert httpx.get(f"{base_url}/models/train").json()["state"] == "idle"
