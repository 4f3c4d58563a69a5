"""The typed documents, requests and results every index backend speaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from search_api.errors import Conflict

FACET_FIELDS: tuple[str, ...] = (
    "category",
    "sensitivity",
    "customer",
    "file_type",
    "received_month",
    "language",
)
SortOrder = Literal["relevance", "received_desc", "received_asc", "title"]
SuggestionKind = Literal["title", "customer", "term"]


class IndexOutdated(Conflict):
    """The index was built by another version of Filewarden's schema.

    The index is derived data: ``filewarden reindex`` rebuilds it from the
    database, and the server does so by itself at start-up.
    """


@dataclass
class IndexDocument:
    """One document as the index sees it; rebuilt from the database at any time.

    ``document_date`` is the date the document carries (its created date from
    the file metadata, see ``plan.parse_document_date``); ``None`` when it has
    none, and then no ``date:`` range matches it.
    """

    id: int
    title: str
    text: str
    original_filename: str
    customer: str
    category: str
    sensitivity: str
    file_type: str
    language: str
    received_at: datetime
    owner: str = ""
    groups: list[str] = field(default_factory=list)
    document_date: datetime | None = None


@dataclass
class SearchRequest:
    """A query in Filewarden's query language plus facet filters.

    ``filters`` maps a facet field to the values a caller selected; values of
    one field are OR-ed, fields are AND-ed. ``access`` is the caller's view
    filter (same shape), applied to hits, totals, facets alike. ``cursor`` is
    the ``next_cursor`` of the previous page of the same request (``page``
    must then be 1); it replaces the page number.
    """

    query: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    received_from: datetime | None = None
    received_to: datetime | None = None
    page: int = 1
    page_size: int = 10
    sort: SortOrder = "relevance"
    access: dict[str, list[str]] = field(default_factory=dict)
    cursor: str | None = None


@dataclass
class Hit:
    id: int
    score: float


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    highlight_terms: list[str] = field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """A completion of what the caller typed, with how many visible documents."""

    text: str
    kind: SuggestionKind
    count: int


class IndexWriter(Protocol):
    """What a rebuild needs of the version being filled."""

    def add(self, documents: list[IndexDocument]) -> None: ...

    def delete(self, ids: list[int]) -> None: ...

    def indexed_ids(self) -> set[int]: ...


class Index(Protocol):
    """The one interface every backend implements."""

    def add(self, documents: list[IndexDocument]) -> None:
        """Add or replace documents by id; visible to search when this returns."""

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def search(self, request: SearchRequest) -> SearchResult:
        """Hits of one page, the total and the facet counts."""

    def count(self, request: SearchRequest) -> int:
        """How many documents match, without fetching hits."""

    def similar(
        self, text: str, exclude_id: int, request: SearchRequest, limit: int = 10
    ) -> SearchResult:
        """Visible documents sharing the most distinctive terms of ``text``.

        ``text`` is the source document's text (the index does not store it);
        ``exclude_id`` (the source) is never a hit. See ``plan.similar_terms``.
        """

    def suggest(
        self, prefix: str, request: SearchRequest, limit: int = 10
    ) -> list[Suggestion]:
        """Titles, customers and terms starting with ``prefix``, visible ones only.

        At most ``limit`` of each kind, titles first, then customers, then terms.
        """

    def indexed_ids(self) -> set[int]:
        """Every document id in the index (for repair at start-up)."""

    def begin_rebuild(self) -> IndexWriter:
        """An empty next version of the index to fill, while this one serves.

        After a crash the unfinished version is returned as it was, so the
        caller can go on from where it stopped.
        """

    def finish_rebuild(self) -> None:
        """Make the rebuilt version the one searched, atomically; drop the old."""

    def rebuild_in_progress(self) -> bool:
        """Whether a rebuilt version exists that has not been switched to."""

    def close(self) -> None:
        """Release files, locks and connections."""
