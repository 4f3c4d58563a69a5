"""Answering one search and showing one document, as named steps."""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time

from indexer.snippet import make_snippet
from indexer.types import SearchRequest, SearchResult
from search_api.database import Delivery, DocumentRecord
from search_api.errors import InvalidInput
from search_api.pipeline import file_type_of
from search_api.schemas import (
    DeliveryOut,
    DocumentOut,
    SearchHitOut,
    SearchOut,
    SuggestionOut,
)
from search_api.service import Filewarden

logger = logging.getLogger(__name__)


@dataclass
class SearchParams:
    """A search as a caller states it (query string parameters, CLI options)."""

    q: str = ""
    category: list[str] | None = None
    sensitivity: list[str] | None = None
    customer: list[str] | None = None
    type: list[str] | None = None
    language: list[str] | None = None
    received_from: str | None = None
    received_to: str | None = None
    page: int = 1
    page_size: int | None = None
    sort: str = "relevance"
    cursor: str | None = None


def search_documents(app: Filewarden, params: SearchParams) -> SearchOut:
    """The hits of one page with snippets, the total and the facet counts."""
    request = build_request(app, params)

    result = app.index.search(request)

    hits = hydrate_hits(app, result)
    return SearchOut(
        query=params.q,
        total=result.total,
        page=request.page,
        page_size=request.page_size,
        hits=hits,
        facets=result.facets,
        next_cursor=result.next_cursor,
    )


def build_request(app: Filewarden, params: SearchParams) -> SearchRequest:
    settings = app.settings
    page_size = (
        settings.search_page_size if params.page_size is None else params.page_size
    )
    if not 1 <= page_size <= settings.search_max_page_size:
        raise InvalidInput(
            f"page_size {page_size} is outside 1..{settings.search_max_page_size}",
            page_size=page_size,
        )
    if params.page < 1:
        raise InvalidInput(f"page {params.page} must be 1 or more", page=params.page)
    if params.sort not in ("relevance", "received_desc", "received_asc", "title"):
        raise InvalidInput(
            f"unknown sort {params.sort!r}; expected relevance, received_desc, "
            "received_asc or title",
            sort=params.sort,
        )
    filters = {
        name: values
        for name, values in (
            ("category", params.category),
            ("sensitivity", params.sensitivity),
            ("customer", params.customer),
            ("file_type", params.type),
            ("language", params.language),
        )
        if values
    }
    received_from = parse_day(params.received_from, "received_from", end=False)
    received_to = parse_day(params.received_to, "received_to", end=True)
    if received_from and received_to and received_from > received_to:
        raise InvalidInput(
            f"received_from {params.received_from} is after received_to "
            f"{params.received_to}",
            received_from=params.received_from,
            received_to=params.received_to,
        )
    return SearchRequest(
        query=params.q or "",
        filters=filters,
        received_from=received_from,
        received_to=received_to,
        page=params.page,
        page_size=page_size,
        sort=params.sort,  # type: ignore[arg-type]
        cursor=params.cursor or None,
    )


def parse_day(value: str | None, name: str, end: bool) -> datetime | None:
    """A date or date-time; a bare date means its first or last moment (UTC).

    A year (``2024``) or a month (``2024-05``) means the whole period, as in
    the query language's ``received:`` ranges.
    """
    if not value:
        return None
    value = _whole_period(value, end)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise InvalidInput(
            f"{name} {value!r} is not a date; expected YYYY-MM-DD or ISO 8601",
            parameter=name,
            value=value,
        ) from err
    if len(value) == 10:
        parsed = datetime.combine(parsed.date(), time.max if end else time.min)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def hydrate_hits(app: Filewarden, result: SearchResult) -> list[SearchHitOut]:
    ids = [hit.id for hit in result.hits]
    records = app.db.get_many(ids)
    texts = app.db.texts_of(ids)
    snippet_chars = app.settings.snippet_chars
    hits = []
    for hit in result.hits:
        record = records.get(hit.id)
        if record is None:
            # The index can briefly hold a document the database just deleted.
            continue
        snippet = make_snippet(
            texts.get(hit.id, ""), result.highlight_terms, snippet_chars
        )
        hits.append(_hit_out(record, hit.score, snippet))
    return hits


def _hit_out(record: DocumentRecord, score: float, snippet: str) -> SearchHitOut:
    return SearchHitOut(
        id=record.id,
        title=record.title or record.original_filename,
        original_filename=record.original_filename,
        customer=record.customer,
        category=record.category,
        category_confidence=record.category_confidence,
        sensitivity=record.sensitivity,
        sensitivity_confidence=record.sensitivity_confidence,
        file_type=file_type_of(record.mime_type),
        language=record.language,
        received_at=record.received_at,
        score=score,
        snippet=snippet,
    )


def document_view(app: Filewarden, document_id: int) -> DocumentOut:
    """Everything Filewarden knows about one document, its text included."""
    record = app.db.get(document_id)
    deliveries = [_delivery_out(d) for d in app.db.deliveries_of(document_id)]
    return DocumentOut(
        **{
            name: getattr(record, name)
            for name in DocumentOut.model_fields
            if hasattr(record, name) and name not in ("receipt", "deliveries")
        },
        children=app.db.children_of(document_id),
        receipt=deliveries[0] if deliveries else None,
        deliveries=deliveries,
        file_type=file_type_of(record.mime_type),
        text=app.db.text_of(document_id),
    )


def _delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        received_at=delivery.received_at,
        channel=delivery.channel,
        original_filename=delivery.original_filename,
        customer=delivery.customer,
        is_duplicate=delivery.is_duplicate,
        note=delivery.note,
    )


def similar_documents(
    app: Filewarden, document_id: int, params: SearchParams, limit: int
) -> SearchOut:
    """Documents that share the most distinctive terms of one document."""
    record = app.db.get(document_id)
    text = app.db.text_of(document_id)
    request = build_request(app, params)

    result = app.index.similar(
        f"{record.title or ''}\n{text}", document_id, request, limit
    )

    return SearchOut(
        query="",
        total=result.total,
        page=1,
        page_size=limit,
        hits=hydrate_hits(app, result),
        facets=result.facets,
        next_cursor=None,
    )


def suggestions(app: Filewarden, prefix: str, limit: int) -> list[SuggestionOut]:
    """Completions of what the caller typed: titles, customers, frequent terms."""
    if not prefix.strip():
        raise InvalidInput("give a prefix of at least one character")
    found = app.index.suggest(prefix.strip(), SearchRequest(), limit)
    return [SuggestionOut(text=s.text, kind=s.kind, count=s.count) for s in found]


def _whole_period(value: str, end: bool) -> str:
    """``2024`` or ``2024-05`` as the first or last day of that period."""
    parts = value.split("-")
    if not all(part.isdigit() for part in parts) or len(parts) > 2:
        return value
    year = int(parts[0])
    month = int(parts[1]) if len(parts) == 2 else (12 if end else 1)
    if not (1 <= month <= 12 and len(parts[0]) == 4):
        return value
    day = calendar.monthrange(year, month)[1] if end else 1
    return f"{year:04d}-{month:02d}-{day:02d}"
