"""The metadata database (SQLite): the system of record for every document."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from search_api.errors import NotFound

logger = logging.getLogger(__name__)

SCHEMA_VERSION: Final = 1
BUSY_TIMEOUT_SECONDS: Final = 30.0
IDS_PER_QUERY: Final = 10_000

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES documents(id),
    sha256 TEXT NOT NULL,
    customer TEXT NOT NULL DEFAULT '',
    original_filename TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    channel TEXT NOT NULL,
    received_at TEXT NOT NULL,
    note TEXT,
    state TEXT NOT NULL,
    failure_reason TEXT,
    mime_type TEXT,
    title TEXT,
    author TEXT,
    created TEXT,
    modified TEXT,
    language TEXT,
    page_count INTEGER,
    ocr_pages TEXT NOT NULL DEFAULT '[]',
    char_count INTEGER,
    category TEXT,
    category_confidence REAL,
    category_source TEXT,
    sensitivity TEXT,
    sensitivity_confidence REAL,
    sensitivity_source TEXT,
    suggestions TEXT NOT NULL DEFAULT '{}',
    pii_kinds TEXT NOT NULL DEFAULT '{}',
    model_version TEXT,
    needs_review INTEGER NOT NULL DEFAULT 0,
    warnings TEXT NOT NULL DEFAULT '[]',
    revision INTEGER NOT NULL DEFAULT 0,
    indexed_revision INTEGER,
    updated_at TEXT NOT NULL
);
-- One document per bytes and customer among delivered files; children of an
-- archive or e-mail are kept per parent.
CREATE UNIQUE INDEX IF NOT EXISTS documents_top_level
    ON documents(sha256, customer) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS documents_children
    ON documents(parent_id, original_filename, sha256) WHERE parent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS documents_state ON documents(state);
CREATE TABLE IF NOT EXISTS document_texts (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id),
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    received_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    original_filename TEXT NOT NULL,
    customer TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    note TEXT,
    source_path TEXT,
    is_duplicate INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_document ON deliveries(document_id);
-- What people decided about labels; a model never overwrites these.
CREATE TABLE IF NOT EXISTS label_decisions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'confirmation')),
    label TEXT NOT NULL CHECK (label IN ('category', 'sensitivity')),
    old_value TEXT,
    new_value TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    reason TEXT,
    model_version TEXT,
    decided_at TEXT NOT NULL
);
-- Progress of index rebuilds, so a crashed one goes on where it stopped.
CREATE TABLE IF NOT EXISTS reindex_jobs (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    last_id INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX IF NOT EXISTS label_decisions_document ON label_decisions(document_id);
CREATE INDEX IF NOT EXISTS deliveries_source ON deliveries(source_path, sha256);
"""

# SQLite integers are signed 64-bit; larger ids cannot exist.
MAX_DOCUMENT_ID: Final = 2**63 - 1
JSON_COLUMNS: Final = ("ocr_pages", "suggestions", "pii_kinds", "warnings")

# States a document passes through; the last three are where it can rest.
PENDING_STATES: Final = ("received", "extracted", "classified")
TERMINAL_STATES: Final = ("indexed", "failed", "encrypted")


def _chunks(ids: list[int]) -> list[list[int]]:
    # SQLite limits the values bound in one statement (32,766 by default).
    return [
        ids[start : start + IDS_PER_QUERY]
        for start in range(0, len(ids), IDS_PER_QUERY)
    ]


def utc_now() -> str:
    """The current UTC time as ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Delivery:
    """One receipt: a file as it arrived, new or a duplicate of a document."""

    id: int
    document_id: int
    received_at: str
    channel: str
    original_filename: str
    customer: str
    size_bytes: int
    sha256: str
    note: str | None
    source_path: str | None
    is_duplicate: bool


@dataclass
class DocumentRecord:
    """One row of ``documents`` with its JSON columns decoded."""

    id: int
    parent_id: int | None
    sha256: str
    customer: str
    original_filename: str
    size_bytes: int
    channel: str
    received_at: str
    note: str | None
    state: str
    failure_reason: str | None
    mime_type: str | None
    title: str | None
    author: str | None
    created: str | None
    modified: str | None
    language: str | None
    page_count: int | None
    ocr_pages: list[int]
    char_count: int | None
    category: str | None
    category_confidence: float | None
    category_source: str | None
    sensitivity: str | None
    sensitivity_confidence: float | None
    sensitivity_source: str | None
    suggestions: dict[str, Any]
    pii_kinds: dict[str, int]
    model_version: str | None
    needs_review: bool
    warnings: list[str]
    revision: int
    indexed_revision: int | None
    updated_at: str
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> DocumentRecord:
        values = dict(row)
        for name in JSON_COLUMNS:
            values[name] = json.loads(values[name])
        values["needs_review"] = bool(values["needs_review"])
        return cls(**values)


class Database:
    """Short-lived SQLite connections on one file, in WAL mode for many readers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            conn.executescript(SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def connect(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed on success, else rolled back.

        ``immediate`` takes the write lock at once, for a read-then-write that
        must not interleave with another writer.
        """
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            with conn:
                if immediate:
                    conn.execute("BEGIN IMMEDIATE")
                yield conn
        finally:
            conn.close()

    def get(self, document_id: int) -> DocumentRecord:
        if not 0 < document_id <= MAX_DOCUMENT_ID:
            raise NotFound(f"document {document_id} does not exist", id=document_id)
        with self.connect() as conn:
            row = conn.execute(
                "SELECT * FROM documents WHERE id = ?", (document_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"document {document_id} does not exist", id=document_id)
        return DocumentRecord.from_row(row)

    def get_many(self, ids: list[int]) -> dict[int, DocumentRecord]:
        records: dict[int, DocumentRecord] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            with self.connect() as conn:
                rows = conn.execute(
                    f"SELECT * FROM documents WHERE id IN ({marks})", chunk
                ).fetchall()
            records |= {row["id"]: DocumentRecord.from_row(row) for row in rows}
        return records

    def text_of(self, document_id: int) -> str:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT text FROM document_texts WHERE document_id = ?", (document_id,)
            ).fetchone()
        return str(row["text"]) if row else ""

    def texts_of(self, ids: list[int]) -> dict[int, str]:
        texts: dict[int, str] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            with self.connect() as conn:
                rows = conn.execute(
                    f"SELECT document_id, text FROM document_texts "
                    f"WHERE document_id IN ({marks})",
                    chunk,
                ).fetchall()
            texts |= {row["document_id"]: row["text"] for row in rows}
        return texts

    def update(self, document_id: int, **columns: Any) -> None:
        """Set columns of one document and bump its revision."""
        for name in JSON_COLUMNS:
            if name in columns:
                columns[name] = json.dumps(columns[name], ensure_ascii=False)
        columns["updated_at"] = utc_now()
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with self.connect() as conn:
            conn.execute(
                f"UPDATE documents SET {assignments}, revision = revision + 1 "
                "WHERE id = ?",
                [*columns.values(), document_id],
            )

    def save_text(self, document_id: int, text: str) -> None:
        with self.connect() as conn:
            conn.execute(
                "INSERT INTO document_texts(document_id, text) VALUES (?, ?) "
                "ON CONFLICT(document_id) DO UPDATE SET text = excluded.text",
                (document_id, text),
            )

    def mark_indexed(self, revisions: dict[int, int]) -> None:
        """Record that the index holds each document at the given revision."""
        with self.connect() as conn:
            conn.executemany(
                "UPDATE documents SET indexed_revision = ?, "
                "state = CASE WHEN state = 'classified' THEN 'indexed' ELSE state END "
                "WHERE id = ?",
                [(revision, doc_id) for doc_id, revision in revisions.items()],
            )

    def ids_in_states(self, states: tuple[str, ...]) -> list[int]:
        marks = ",".join("?" * len(states))
        with self.connect() as conn:
            rows = conn.execute(
                f"SELECT id FROM documents WHERE state IN ({marks}) ORDER BY id", states
            ).fetchall()
        return [row["id"] for row in rows]

    def ids_needing_index(self) -> list[int]:
        """Labelled documents whose index entry lags their metadata."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT id FROM documents WHERE state IN ('classified', 'indexed') "
                "AND (indexed_revision IS NULL OR indexed_revision < revision) "
                "ORDER BY id"
            ).fetchall()
        return [row["id"] for row in rows]

    def searchable_ids(self) -> set[int]:
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT id FROM documents WHERE state IN ('classified', 'indexed')"
            ).fetchall()
        return {row["id"] for row in rows}

    def deliveries_of(self, document_id: int) -> list[Delivery]:
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM deliveries WHERE document_id = ? ORDER BY id",
                (document_id,),
            ).fetchall()
        return [
            Delivery(**{**dict(r), "is_duplicate": bool(r["is_duplicate"])})
            for r in rows
        ]

    def depth_of(self, document_id: int) -> int:
        """How many containers a document is nested in (0 for a delivered file)."""
        with self.connect() as conn:
            row = conn.execute(
                "WITH RECURSIVE up(id, parent_id, depth) AS ("
                " SELECT id, parent_id, 0 FROM documents WHERE id = ?"
                " UNION ALL SELECT d.id, d.parent_id, up.depth + 1"
                " FROM documents d JOIN up ON d.id = up.parent_id)"
                " SELECT max(depth) AS depth FROM up",
                (document_id,),
            ).fetchone()
        return int(row["depth"] or 0)

    def children_of(self, document_id: int) -> list[int]:
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT id FROM documents WHERE parent_id = ? ORDER BY id",
                (document_id,),
            ).fetchall()
        return [row["id"] for row in rows]

    def list_documents(
        self, state: str | None, limit: int, offset: int
    ) -> list[DocumentRecord]:
        query = "SELECT * FROM documents"
        params: list[Any] = []
        if state:
            query += " WHERE state = ?"
            params.append(state)
        query += " ORDER BY id DESC LIMIT ? OFFSET ?"
        with self.connect() as conn:
            rows = conn.execute(query, [*params, limit, offset]).fetchall()
        return [DocumentRecord.from_row(row) for row in rows]
