"""Request and response bodies of the HTTP API (and the CLI's --json output)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ReceiptOut(BaseModel):
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
    failure_reason: str | None = None


class SearchHitOut(BaseModel):
    id: int
    title: str
    original_filename: str
    customer: str
    category: str | None
    category_confidence: float | None
    sensitivity: str | None
    sensitivity_confidence: float | None
    file_type: str
    language: str | None
    received_at: str
    score: float
    snippet: str = Field(description="HTML-escaped text with <mark> around matches")


class SearchOut(BaseModel):
    query: str
    total: int
    page: int
    page_size: int
    hits: list[SearchHitOut]
    facets: dict[str, dict[str, int]]
    next_cursor: str | None = Field(
        default=None, description="pass as `cursor` to get the next page"
    )


class DeliveryOut(BaseModel):
    id: int
    received_at: str
    channel: str
    original_filename: str
    customer: str
    is_duplicate: bool
    note: str | None


class DocumentOut(BaseModel):
    id: int
    parent_id: int | None
    children: list[int]
    state: str
    failure_reason: str | None
    original_filename: str
    sha256: str
    size_bytes: int
    customer: str
    channel: str
    received_at: str
    note: str | None
    receipt: DeliveryOut | None
    deliveries: list[DeliveryOut]
    mime_type: str | None
    file_type: str
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
    needs_review: bool
    warnings: list[str]
    pii_kinds: dict[str, int]
    model_version: str | None
    text: str


class ErrorOut(BaseModel):
    error: str
    detail: dict[str, Any]


class LabelsIn(BaseModel):
    """A person's decision on a document's labels."""

    category: str | None = None
    sensitivity: str | None = None
    by: str = Field(min_length=1, max_length=200, description="who decided")
    reason: str | None = Field(default=None, max_length=2000)


class AcceptIn(BaseModel):
    by: str = Field(min_length=1, max_length=200)


class DocumentSummaryOut(BaseModel):
    id: int
    parent_id: int | None
    title: str | None
    original_filename: str
    customer: str
    state: str
    failure_reason: str | None
    category: str | None
    category_confidence: float | None
    sensitivity: str | None
    sensitivity_confidence: float | None
    suggestions: dict[str, Any]
    pii_kinds: dict[str, int]
    received_at: str


class PasswordIn(BaseModel):
    """A password for one encrypted document; used once, never stored."""

    password: str = Field(min_length=1, max_length=1024)


class TrainIn(BaseModel):
    force: bool = Field(
        default=False, description="promote even if the new model scores worse"
    )


class SuggestionOut(BaseModel):
    text: str
    kind: str = Field(description="title, customer or term")
    count: int
