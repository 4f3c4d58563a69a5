"""Receipts: every file is recorded durably before anything else touches it."""

from __future__ import annotations

import logging
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO, Final, Literal, get_args

from search_api.blobs import BlobStore
from search_api.database import Database, utc_now
from search_api.errors import InvalidInput

logger = logging.getLogger(__name__)

Channel = Literal["upload", "folder", "mail"]
CHANNELS: Final = get_args(Channel)
MAX_FILENAME_CHARS: Final = 255
MAX_CUSTOMER_CHARS: Final = 200
MAX_EXTENSION_CHARS: Final = 16
BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


@dataclass
class Receipt:
    """What Filewarden tells the sender of one file."""

    document_id: int
    delivery_id: int | None
    sha256: str
    original_filename: str
    size_bytes: int
    customer: str
    channel: str
    received_at: str
    state: str
    duplicate_of: int | None
    already_received: bool = False


def clean_filename(name: str) -> str:
    """The last path part of a sender's file name, safe to show and to serve.

    Control characters and the bidirectional overrides that can disguise an
    extension ("invoice\u202efdp.exe") are removed; other format characters,
    such as the zero-width joiner inside emoji, are kept. A name that is too
    long loses characters before its extension, not the extension.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if not _is_unsafe_character(ch))
    kept = kept.strip().strip(".") or "unnamed"
    return _shorten(kept, MAX_FILENAME_CHARS)


def _is_unsafe_character(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs", "Co") or ch in BIDI_CONTROLS


def _shorten(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > MAX_EXTENSION_CHARS:
        return name[:limit]
    return f"{stem[: limit - len(extension) - 1]}.{extension}"


def check_channel(channel: str) -> Channel:
    if channel not in CHANNELS:
        raise InvalidInput(
            f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}",
            channel=channel,
        )
    return channel  # type: ignore[return-value]


def check_customer(customer: str | None) -> str:
    """A customer name without control characters or direction overrides."""
    raw = customer or ""
    value = "".join(ch for ch in raw if not _is_unsafe_character(ch)).strip()
    if len(value) > MAX_CUSTOMER_CHARS:
        raise InvalidInput(
            f"customer name is {len(value)} characters; at most "
            f"{MAX_CUSTOMER_CHARS} are allowed",
            length=len(value),
        )
    return value


def receive(
    db: Database,
    blobs: BlobStore,
    stream: BinaryIO,
    filename: str,
    customer: str | None,
    channel: str,
    max_bytes: int,
    note: str | None = None,
    source_path: str | None = None,
) -> Receipt:
    """Store the bytes, then record the delivery; a repeat becomes a duplicate."""
    channel = check_channel(channel)
    customer = check_customer(customer)
    filename = clean_filename(filename)

    sha256, size = blobs.put_stream(stream, max_bytes)

    with db.connect() as conn:
        earlier = _earlier_delivery(conn, source_path, sha256, customer)
        if earlier is not None:
            return earlier
        document_id, is_new = _document_for(
            conn, sha256, customer, filename, size, channel, note
        )
        receipt = _record_delivery(
            conn,
            document_id,
            is_new,
            sha256,
            filename,
            size,
            customer,
            channel,
            note,
            source_path,
        )
    logger.info(
        "received document %s (%s bytes, sha256 %s, %s)",
        document_id,
        size,
        sha256[:12],
        "new" if is_new else "duplicate",
    )
    return receipt


def _earlier_delivery(
    conn: sqlite3.Connection, source_path: str | None, sha256: str, customer: str
) -> Receipt | None:
    # A folder ingest that is run again (after a crash, say) must not record
    # the same file on disk as a second delivery.
    if source_path is None:
        return None
    row = conn.execute(
        "SELECT d.*, doc.state FROM deliveries d JOIN documents doc "
        "ON doc.id = d.document_id WHERE d.source_path = ? AND d.sha256 = ? "
        "AND d.customer = ? ORDER BY d.id LIMIT 1",
        (source_path, sha256, customer),
    ).fetchone()
    if row is None:
        return None
    return Receipt(
        document_id=row["document_id"],
        delivery_id=row["id"],
        sha256=sha256,
        original_filename=row["original_filename"],
        size_bytes=row["size_bytes"],
        customer=customer,
        channel=row["channel"],
        received_at=row["received_at"],
        state=row["state"],
        duplicate_of=row["document_id"] if row["is_duplicate"] else None,
        already_received=True,
    )


def _document_for(
    conn: sqlite3.Connection,
    sha256: str,
    customer: str,
    filename: str,
    size: int,
    channel: str,
    note: str | None,
) -> tuple[int, bool]:
    """The id of a new document, or of the one these bytes already are."""
    try:
        cursor = conn.execute(
            "INSERT INTO documents (sha256, customer, original_filename, size_bytes, "
            "channel, received_at, note, state, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'received', ?)",
            (sha256, customer, filename, size, channel, utc_now(), note, utc_now()),
        )
        return int(cursor.lastrowid or 0), True
    except sqlite3.IntegrityError:
        row = conn.execute(
            "SELECT id FROM documents WHERE sha256 = ? AND customer = ? "
            "AND parent_id IS NULL",
            (sha256, customer),
        ).fetchone()
        return int(row["id"]), False


def _record_delivery(
    conn: sqlite3.Connection,
    document_id: int,
    is_new: bool,
    sha256: str,
    filename: str,
    size: int,
    customer: str,
    channel: str,
    note: str | None,
    source_path: str | None,
) -> Receipt:
    received_at = utc_now()
    cursor = conn.execute(
        "INSERT INTO deliveries (document_id, received_at, channel, original_filename,"
        " customer, size_bytes, sha256, note, source_path, is_duplicate) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            document_id,
            received_at,
            channel,
            filename,
            customer,
            size,
            sha256,
            note,
            source_path,
            int(not is_new),
        ),
    )
    state = conn.execute(
        "SELECT state FROM documents WHERE id = ?", (document_id,)
    ).fetchone()["state"]
    return Receipt(
        document_id=document_id,
        delivery_id=cursor.lastrowid,
        sha256=sha256,
        original_filename=filename,
        size_bytes=size,
        customer=customer,
        channel=channel,
        received_at=received_at,
        state=state,
        duplicate_of=None if is_new else document_id,
    )


def receive_child(
    db: Database, blobs: BlobStore, parent_id: int, name: str, data: bytes
) -> int:
    """Record a file found inside a document (attachment, archive member)."""
    sha256 = blobs.put_bytes(data)
    filename = clean_filename(name)
    parent = db.get(parent_id)
    with db.connect() as conn:
        row = conn.execute(
            "SELECT id FROM documents WHERE parent_id = ? AND original_filename = ? "
            "AND sha256 = ?",
            (parent_id, filename, sha256),
        ).fetchone()
        if row is not None:
            return int(row["id"])
        cursor = conn.execute(
            "INSERT INTO documents (parent_id, sha256, customer, original_filename, "
            "size_bytes, channel, received_at, state, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'received', ?)",
            (
                parent_id,
                sha256,
                parent.customer,
                filename,
                len(data),
                parent.channel,
                parent.received_at,
                utc_now(),
            ),
        )
    return int(cursor.lastrowid or 0)
