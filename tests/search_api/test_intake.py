"""Receipts: durable, content-addressed, duplicates recognised."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from search_api.blobs import BlobStore
from search_api.database import Database
from search_api.errors import InvalidInput, TooLarge
from search_api.intake import clean_filename, receive


@pytest.fixture
def store(tmp_path: Path) -> tuple[Database, BlobStore]:
    return Database(tmp_path / "db.sqlite3"), BlobStore(tmp_path / "blobs")


def test_receive_new_file_stores_bytes_by_sha256(
    store: tuple[Database, BlobStore],
) -> None:
    db, blobs = store
    receipt = receive(
        db, blobs, io.BytesIO(b"hello"), "合同.pdf", "客户", "upload", 100
    )
    assert receipt.duplicate_of is None
    assert receipt.original_filename == "合同.pdf"
    assert blobs.path_of(receipt.sha256).read_bytes() == b"hello"
    assert db.get(receipt.document_id).state == "received"


def test_receive_same_bytes_same_customer_is_duplicate(
    store: tuple[Database, BlobStore],
) -> None:
    db, blobs = store
    first = receive(db, blobs, io.BytesIO(b"x"), "a.txt", "c", "upload", 100)
    second = receive(db, blobs, io.BytesIO(b"x"), "b.txt", "c", "mail", 100)
    assert second.duplicate_of == first.document_id
    assert len(db.deliveries_of(first.document_id)) == 2


def test_receive_over_limit_raises_and_leaves_nothing(
    store: tuple[Database, BlobStore], tmp_path: Path
) -> None:
    db, blobs = store
    with pytest.raises(TooLarge):
        receive(db, blobs, io.BytesIO(b"x" * 101), "big.bin", "", "upload", 100)
    assert list((tmp_path / "blobs").rglob("*")) == []
    assert db.list_documents(None, 10, 0) == []


def test_receive_unknown_channel_is_refused(store: tuple[Database, BlobStore]) -> None:
    db, blobs = store
    with pytest.raises(InvalidInput, match="channel"):
        receive(db, blobs, io.BytesIO(b"x"), "a", "", "fax", 100)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\李\\发票.pdf", "发票.pdf"),
        ("bad\x00name\n.txt", "badname.txt"),
        ("..", "unnamed"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("家庭👨\u200d👩\u200d👧.pdf", "家庭👨\u200d👩\u200d👧.pdf"),
        ("A" * 1000 + ".txt", "A" * 251 + ".txt"),
    ],
)
def test_clean_filename_keeps_only_a_safe_last_part(given: str, kept: str) -> None:
    assert clean_filename(given) == kept
