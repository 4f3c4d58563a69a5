"""The embedded backend: a tantivy index in a folder, shared by processes in turn."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, cast

import tantivy

from indexer import plan as plans
from indexer.analysis import GAP_TOKEN
from indexer.plan import (
    AllOf,
    AnyOf,
    DateMatch,
    Everything,
    NoneOf,
    Nothing,
    Plan,
    TokenMatch,
)
from indexer.types import FACET_FIELDS, Hit, IndexDocument, SearchRequest, SearchResult
from search_api.errors import Conflict, InvalidInput

logger = logging.getLogger(__name__)

TOKENS_TOKENIZER: Final = "filewarden_tokens"
KEYWORD_FIELDS: Final = (
    "customer",
    "category",
    "sensitivity",
    "file_type",
    "language",
    "received_month",
    "owner",
    "groups",
    "category_key",
    "sensitivity_key",
    "file_type_key",
    "language_key",
)
FACET_BUCKETS_MAX: Final = 1000
# Per-segment candidates of a terms aggregation; far above any real number of
# values per segment, so top-N counts are exact rather than estimated.
FACET_SEGMENT_SIZE: Final = 65536
WRITER_HEAP_BYTES: Final = 128_000_000
LOCK_RETRY_SECONDS: Final = (0.02, 0.5)
SORT_FIELDS: Final = {
    "received_desc": ("received_order", tantivy.Order.Desc),
    "received_asc": ("received_order", tantivy.Order.Asc),
    "title": ("title_sort", tantivy.Order.Asc),
}


def build_schema() -> tantivy.Schema:
    """The schema of Filewarden's tantivy index."""
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    for name in plans.ANALYZED_FIELDS:
        builder.add_text_field(f"{name}_terms", tokenizer_name=TOKENS_TOKENIZER)
        builder.add_text_field(f"{name}_bigrams", tokenizer_name=TOKENS_TOKENIZER)
    for name in KEYWORD_FIELDS:
        builder.add_text_field(
            name, tokenizer_name="raw", fast=True, index_option="basic"
        )
    builder.add_text_field(
        "title_sort", tokenizer_name="raw", fast=True, index_option="basic"
    )
    builder.add_date_field(plans.RECEIVED_FIELD, indexed=True, fast=True)
    builder.add_integer_field("received_order", fast=True)
    return builder.build()


def tokens_analyzer() -> tantivy.TextAnalyzer:
    """Splits Filewarden's token strings on spaces; the gap keeps its position."""
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
    return builder.filter(tantivy.Filter.custom_stopword([GAP_TOKEN])).build()


class EmbeddedIndex:
    """A tantivy index at ``path``; the writer is held only while adding or deleting.

    Another process (an API server, a CLI ingest) may write between two calls;
    ``add`` and ``delete`` wait up to ``lock_wait_seconds`` for its lock.
    """

    def __init__(
        self,
        path: Path,
        lock_wait_seconds: float = 30.0,
        facet_customer_size: int = 20,
        writer_heap_bytes: int = WRITER_HEAP_BYTES,
    ) -> None:
        self.path = Path(path)
        self.lock_wait_seconds = lock_wait_seconds
        self.facet_customer_size = facet_customer_size
        self.writer_heap_bytes = writer_heap_bytes
        self.schema = build_schema()
        self._write_lock = threading.Lock()
        self._index = self._open()

    def _open(self) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            index = tantivy.Index(self.schema, str(self.path), reuse=True)
        except ValueError as err:
            if "schema does not match" not in str(err):
                raise
            raise Conflict(
                f"index at {self.path} was built with another schema; "
                "delete the folder and rebuild the index from the database",
                path=str(self.path),
            ) from err
        index.register_tokenizer(TOKENS_TOKENIZER, tokens_analyzer())
        return index

    def add(self, documents: list[IndexDocument]) -> None:
        """Add or replace documents by id; visible to search when this returns."""
        if not documents:
            return
        started = time.monotonic()
        # The last version of an id in one batch wins, as if added one by one.
        latest = {document.id: document for document in documents}
        prepared = [self._document(document) for document in latest.values()]

        with self._writer(len(prepared)) as writer:
            writer.delete_documents_by_query(self._ids_query(list(latest)))
            for prepared_document in prepared:
                writer.add_document(prepared_document)

        seconds = time.monotonic() - started
        logger.info("indexed %d documents in %.2f s", len(prepared), seconds)

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        if not ids:
            return
        with self._writer(len(ids)) as writer:
            writer.delete_documents_by_query(self._ids_query(ids))
        logger.info("deleted %d documents", len(ids))

    def _ids_query(self, ids: list[int]) -> tantivy.Query:
        # delete_documents_by_term does not match unsigned fields in tantivy-py
        # 0.27 (it builds a signed term), so deletes go through a query.
        return tantivy.Query.term_set_query(self.schema, "id", ids)

    def search(self, request: SearchRequest) -> SearchResult:
        """Hits of one page, the total and the facet counts."""
        _check_page(request)
        searcher = self._searcher()
        query_plan = plans.query_plan(request.query)
        filters = plans.filter_plans(request)
        shared = self._shared_plans(request)

        query = self._compile_request(query_plan, [*shared, *filters.values()])
        hits, total = self._hits(searcher, query, request)
        facets = self._facets(searcher, query_plan, shared, filters)

        terms = plans.highlight_terms(request.query)
        return SearchResult(
            total=total, hits=hits, facets=facets, highlight_terms=terms
        )

    def count(self, request: SearchRequest) -> int:
        """How many documents match, without fetching hits."""
        searcher = self._searcher()
        filters = plans.filter_plans(request)
        extra = [*self._shared_plans(request), *filters.values()]
        query = self._compile_request(plans.query_plan(request.query), extra)
        return _total(searcher.search(query, limit=1, count=True))

    def indexed_ids(self) -> set[int]:
        """Every document id in the index (for repair at start-up)."""
        searcher = self._searcher()
        if searcher.num_docs == 0:
            return set()
        found = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs)
        addresses = [address for _, address in found.hits]
        return set(_ids(searcher, addresses))

    def close(self) -> None:
        """Release files; the writer lock is never held between calls."""
        self._index = None  # type: ignore[assignment]

    def _document(self, document: IndexDocument) -> tantivy.Document:
        prepared = tantivy.Document()
        prepared.add_unsigned("id", document.id)
        for name, value in plans.index_fields(document).items():
            for text in [value] if isinstance(value, str) else value:
                if text:
                    prepared.add_text(name, text)
        prepared.add_date(plans.RECEIVED_FIELD, plans.to_utc(document.received_at))
        prepared.add_integer("received_order", plans.received_order(document))
        return prepared

    @contextmanager
    def _writer(self, document_count: int) -> Iterator[Any]:
        """A writer for one batch; committed, released and reloaded on exit."""
        with self._write_lock:
            writer = self._acquire_writer(document_count)
            try:
                yield writer
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                # Consumes the writer: merges finish and the folder lock is freed.
                writer.wait_merging_threads()
            self._index.reload()

    def _acquire_writer(self, document_count: int) -> Any:
        threads = 1 if document_count < 1000 else 0
        deadline = time.monotonic() + self.lock_wait_seconds
        pause = LOCK_RETRY_SECONDS[0]
        while True:
            try:
                return self._index.writer(self.writer_heap_bytes, threads)
            except ValueError as err:
                if "LockBusy" not in str(err):
                    raise
                if time.monotonic() >= deadline:
                    raise self._locked(err) from err
            logger.debug("index at %s is locked; retrying in %.2f s", self.path, pause)
            time.sleep(pause)
            pause = min(pause * 2, LOCK_RETRY_SECONDS[1])

    def _locked(self, err: Exception) -> Conflict:
        return Conflict(
            f"index at {self.path} is locked by another writer (another Filewarden "
            f"process adding documents?) for over {self.lock_wait_seconds:g} s",
            path=str(self.path),
            waited_seconds=self.lock_wait_seconds,
        )

    def _searcher(self) -> tantivy.Searcher:
        # Another process may have committed: reloading costs ~20 microseconds.
        self._index.reload()
        return self._index.searcher()

    def _shared_plans(self, request: SearchRequest) -> list[Plan]:
        """The received window and the access filter: they apply to every facet."""
        found = [plans.received_plan(request), plans.access_plan(request)]
        return [plan for plan in found if plan is not None]

    def _compile_request(self, query_plan: Plan, filters: list[Plan]) -> tantivy.Query:
        """The query plus filters that do not score (constant 0)."""
        query = self._compile(query_plan)
        if not filters:
            return query
        clauses = [(tantivy.Occur.Must, query)]
        for plan in filters:
            compiled = tantivy.Query.const_score_query(self._compile(plan), 0.0)
            clauses.append((tantivy.Occur.Must, compiled))
        return tantivy.Query.boolean_query(clauses)

    def _hits(
        self, searcher: tantivy.Searcher, query: tantivy.Query, request: SearchRequest
    ) -> tuple[list[Hit], int]:
        offset = (request.page - 1) * request.page_size
        options: dict[str, Any] = {"limit": request.page_size, "offset": offset}
        if request.sort != "relevance":
            options["order_by_field"], options["order"] = SORT_FIELDS[request.sort]

        found = searcher.search(query, count=True, **options)
        addresses = [address for _, address in found.hits]
        ids = _ids(searcher, addresses)

        is_scored = request.sort == "relevance"
        scores = [float(key) if is_scored else 0.0 for key, _ in found.hits]
        hits = [Hit(id=i, score=s) for i, s in zip(ids, scores, strict=True)]
        return hits, _total(found)

    def _facets(
        self,
        searcher: tantivy.Searcher,
        query_plan: Plan,
        shared: list[Plan],
        filters: dict[str, Plan],
    ) -> dict[str, dict[str, int]]:
        """Facet counts; a field's own selection is left out of its counts."""
        facets: dict[str, dict[str, int]] = {}
        unselected = [name for name in FACET_FIELDS if name not in filters]
        if unselected:
            query = self._compile_request(query_plan, [*shared, *filters.values()])
            facets.update(self._aggregate(searcher, query, unselected))
        for name in filters:
            if name not in FACET_FIELDS:
                continue
            others = [plan for other, plan in filters.items() if other != name]
            query = self._compile_request(query_plan, [*shared, *others])
            facets.update(self._aggregate(searcher, query, [name]))
        return {name: facets[name] for name in FACET_FIELDS}

    def _aggregate(
        self, searcher: tantivy.Searcher, query: tantivy.Query, fields: list[str]
    ) -> dict[str, dict[str, int]]:
        request = {name: _terms_aggregation(name) for name in fields}
        answer = searcher.aggregate(query, request)
        facets = {}
        for name in fields:
            counts = {b["key"]: int(b["doc_count"]) for b in answer[name]["buckets"]}
            size = self.facet_customer_size if name == "customer" else None
            facets[name] = plans.ordered_facet(counts, size)
        return facets

    def _compile(self, plan: Plan) -> tantivy.Query:
        compilers: dict[type, Callable[[Any], tantivy.Query]] = {
            TokenMatch: self._compile_tokens,
            DateMatch: self._compile_dates,
            AllOf: self._compile_all,
            AnyOf: self._compile_any,
            NoneOf: self._compile_none,
            Everything: lambda _: tantivy.Query.all_query(),
            Nothing: lambda _: tantivy.Query.empty_query(),
        }
        return compilers[type(plan)](plan)

    def _compile_tokens(self, match: TokenMatch) -> tantivy.Query:
        schema, field, first = self.schema, match.field, match.tokens[0]
        words: list[str | tuple[int, str]] = list(match.tokens)
        if match.mode == "fuzzy":
            return tantivy.Query.fuzzy_term_query(schema, field, first, match.distance)
        if match.mode == "prefix" and len(words) == 1:
            return tantivy.Query.regex_query(schema, field, _prefix_regex(first))
        if match.mode == "prefix":
            return tantivy.Query.phrase_prefix_query(schema, field, words)
        if len(words) == 1:
            return tantivy.Query.term_query(schema, field, first)
        return tantivy.Query.phrase_query(schema, field, words)

    def _compile_dates(self, match: DateMatch) -> tantivy.Query:
        return tantivy.Query.range_query(
            self.schema,
            plans.RECEIVED_FIELD,
            tantivy.FieldType.Date,
            match.start,
            match.end,
        )

    def _compile_all(self, plan: AllOf) -> tantivy.Query:
        clauses = []
        for child in plan.children:
            if isinstance(child, NoneOf):
                clauses.append((tantivy.Occur.MustNot, self._compile(child.child)))
            else:
                clauses.append((tantivy.Occur.Must, self._compile(child)))
        if all(occur == tantivy.Occur.MustNot for occur, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def _compile_any(self, plan: AnyOf) -> tantivy.Query:
        clauses = [
            (tantivy.Occur.Should, self._compile(child)) for child in plan.children
        ]
        return tantivy.Query.boolean_query(clauses)

    def _compile_none(self, plan: NoneOf) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.all_query()),
                (tantivy.Occur.MustNot, self._compile(plan.child)),
            ]
        )


def _terms_aggregation(field: str) -> dict[str, Any]:
    terms = {
        "field": field,
        "size": FACET_BUCKETS_MAX,
        "segment_size": FACET_SEGMENT_SIZE,
    }
    return {"terms": terms}


def _prefix_regex(prefix: str) -> str:
    """A tantivy (Rust) regex matching terms that start with ``prefix``."""
    escaped = "".join(f"\\{c}" if not c.isalnum() else c for c in prefix)
    return f"{escaped}.*"


def _ids(searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]) -> list[int]:
    """Document ids of hits, read from the fast field (no stored-document fetch)."""
    if not addresses:
        return []
    return cast(list[int], searcher.fast_field_values("id", addresses))


def _total(found: tantivy.SearchResult) -> int:
    # ``count`` exists at run time but is missing from tantivy's type stubs.
    return int(getattr(found, "count"))  # noqa: B009


def _check_page(request: SearchRequest) -> None:
    if request.page < 1 or request.page_size < 1:
        raise InvalidInput(
            f"page {request.page} with page size {request.page_size}: "
            "both must be 1 or more",
            page=request.page,
            page_size=request.page_size,
        )
