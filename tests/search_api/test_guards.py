"""Request guards: oversized bodies stop early, other sites cannot write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.search_api.server import running_server

LIMIT_BYTES = 200_000


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("guards") / "data"
    with running_server(data_dir, FILEWARDEN_MAX_REQUEST_BYTES=str(LIMIT_BYTES)) as url:
        yield url


def test_declared_oversized_body_is_413_before_reading(base_url: str) -> None:
    answer = httpx.post(
        f"{base_url}/documents",
        files=[("files", ("big.bin", b"x" * (LIMIT_BYTES + 1)))],
    )
    assert answer.status_code == 413
    assert "max_request_bytes" in answer.json()["error"]


def test_streamed_oversized_body_is_413(base_url: str) -> None:
    def chunks() -> Iterator[bytes]:
        boundary = b'--b\r\nContent-Disposition: form-data; name="files"; '
        yield boundary + b'filename="a.bin"\r\n\r\n'
        for _ in range(50):
            yield b"y" * 10_000

    answer = httpx.post(
        f"{base_url}/documents",
        content=chunks(),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert answer.status_code == 413


def test_post_from_another_site_is_refused(base_url: str, corpus_dir: Path) -> None:
    data = (corpus_dir / "pdf/pdfminer.six__simple1.pdf").read_bytes()
    foreign = httpx.post(
        f"{base_url}/documents",
        files=[("files", ("a.pdf", data))],
        headers={"Origin": "http://evil.example"},
    )
    own = httpx.post(
        f"{base_url}/documents",
        files=[("files", ("a.pdf", data))],
        headers={"Origin": base_url},
    )
    assert foreign.status_code == 403
    assert own.status_code == 200
    assert httpx.get(f"{base_url}/documents").json()[0]["original_filename"] == "a.pdf"
