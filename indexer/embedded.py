"""The embedded backend: a tantivy index in a folder, shared by processes in turn."""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import tantivy

from indexer import plan as plans
from indexer.analysis import GAP_TOKEN
from indexer.plan import (
    AllOf,
    AnyOf,
    Cursor,
    DateMatch,
    Everything,
    IdMatch,
    NoneOf,
    Nothing,
    Plan,
    TokenMatch,
)
from indexer.types import (
    FACET_FIELDS,
    Hit,
    IndexDocument,
    IndexOutdated,
    SearchRequest,
    SearchResult,
    Suggestion,
)
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
# Below this many documents a batch is analyzed in process: sending it to
# workers costs more than it saves.
PARALLEL_MIN_DOCUMENTS: Final = 2000
LOCK_RETRY_SECONDS: Final = (0.02, 0.5)
SORT_FIELDS: Final = {
    "received_desc": ("received_order", tantivy.Order.Desc),
    "received_asc": ("received_order", tantivy.Order.Asc),
    "title": ("title_sort", tantivy.Order.Asc),
}
# tantivy-py 0.27 has no range query on text fields, so a title cursor
# filters on this order-preserving number instead (title_order_key).
TITLE_ORDER_BYTES: Final = 8


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
    builder.add_date_field(plans.DOCUMENT_DATE_FIELD, indexed=True, fast=True)
    # Unsigned: received seconds fill the upper 32 bits (plan.received_order).
    builder.add_unsigned_field("received_order", fast=True)
    builder.add_unsigned_field("title_order", fast=True)
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
        max_result_window: int = plans.MAX_RESULT_WINDOW,
        analysis_processes: int = 0,
    ) -> None:
        self.path = Path(path)
        self.lock_wait_seconds = lock_wait_seconds
        self.facet_customer_size = facet_customer_size
        self.writer_heap_bytes = writer_heap_bytes
        self.max_result_window = max_result_window
        self.analysis_processes = analysis_processes
        self._pool: ProcessPoolExecutor | None = None
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
            raise IndexOutdated(
                f"index at {self.path} was built with another schema; run "
                "`filewarden reindex` to rebuild it from the database",
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
        prepared = self._prepare(list(latest.values()))

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
        cursor = plans.decode_cursor(request)
        offset = plans.page_offset(request, cursor, self.max_result_window)
        searcher = self._searcher()
        query_plan = plans.query_plan(request.query)
        filters = plans.filter_plans(request)
        shared = self._shared_plans(request)

        matching = [query_plan, *shared, *filters.values()]
        page = self._page(searcher, matching, request, cursor, offset)
        facets = self._facets(searcher, query_plan, shared, filters)

        seen_before = cursor.offset if cursor else offset
        return SearchResult(
            total=page.total,
            hits=page.hits,
            facets=facets,
            highlight_terms=plans.highlight_terms(request.query),
            next_cursor=plans.next_cursor(
                request,
                seen_before,
                len(page.hits),
                page.total,
                page.last_key,
                self.max_result_window,
            ),
        )

    def count(self, request: SearchRequest) -> int:
        """How many documents match, without fetching hits."""
        searcher = self._searcher()
        filters = plans.filter_plans(request)
        extra = [*self._shared_plans(request), *filters.values()]
        query = self._compile_request(plans.query_plan(request.query), extra)
        return _total(searcher.search(query, limit=1, count=True))

    def similar(
        self, text: str, exclude_id: int, request: SearchRequest, limit: int = 10
    ) -> SearchResult:
        """Visible documents sharing the most distinctive terms of ``text``.

        The request's query, filters, received window and access narrow the
        candidates without scoring; its page, sort and cursor are ignored.
        Facets are not computed (empty).
        """
        _check_limit(limit)
        searcher = self._searcher()
        terms = plans.similar_terms(
            text,
            lambda field, tokens: self._doc_freqs(searcher, field, tokens),
            searcher.num_docs,
        )

        narrowing = [
            *self._shared_plans(request),
            *plans.filter_plans(request).values(),
        ]
        if request.query.strip():
            narrowing.append(plans.query_plan(request.query))
        query = self._compile_request(plans.similar_plan(terms, exclude_id), narrowing)
        found = searcher.search(query, limit=limit, count=True)

        page = _to_page(searcher, found, SearchRequest(), _total(found))
        highlight = [match.tokens[0] for match in terms]
        return SearchResult(
            total=page.total, hits=page.hits, facets={}, highlight_terms=highlight
        )

    def suggest(
        self, prefix: str, request: SearchRequest, limit: int = 10
    ) -> list[Suggestion]:
        """Titles, customers and terms starting with ``prefix``, visible ones only.

        At most ``limit`` of each kind, titles first, then customers, then terms;
        the request's filters, received window and access apply, its query not.
        """
        _check_limit(limit)
        key = plans.suggestion_key(prefix)
        if not key:
            return []
        searcher = self._searcher()
        visible = [*self._shared_plans(request), *plans.filter_plans(request).values()]

        return [
            *self._title_suggestions(searcher, key, visible, limit),
            *self._customer_suggestions(searcher, prefix, key, visible, limit),
            *self._term_suggestions(searcher, key, visible, limit),
        ]

    def indexed_ids(self) -> set[int]:
        """Every document id in the index (for repair at start-up)."""
        searcher = self._searcher()
        if searcher.num_docs == 0:
            return set()
        found = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs)
        addresses = [address for _, address in found.hits]
        return set(_ids(searcher, addresses))

    def _doc_freqs(
        self, searcher: tantivy.Searcher, field: str, tokens: list[str]
    ) -> dict[str, int]:
        """Live documents holding each token (``doc_freq`` would count deleted ones)."""
        return {
            token: _total(
                searcher.search(
                    tantivy.Query.term_query(self.schema, field, token), limit=1
                )
            )
            for token in tokens
        }

    def _title_suggestions(
        self, searcher: tantivy.Searcher, key: str, visible: list[Plan], limit: int
    ) -> list[Suggestion]:
        """The first ``limit`` distinct normalized titles in title order, counted.

        Each round leaves out the titles already found, so many documents with
        one title never crowd out the next; one round is the usual case.
        """
        titles: list[str] = []
        while len(titles) < limit:
            seen = [NoneOf(AnyOf(tuple(map(plans.title_group_plan, titles))))]
            narrowing = [*visible, *(seen if titles else [])]
            query = self._compile_request(plans.title_suggestion_plan(key), narrowing)
            found = searcher.search(
                query,
                limit=limit - len(titles),
                count=False,
                order_by_field="title_sort",
                order=tantivy.Order.Asc,
            )
            if not found.hits:
                break
            for sort_key, _ in found.hits:
                title = str(sort_key).rpartition(plans.TITLE_SORT_SEPARATOR)[0]
                if title not in titles:
                    titles.append(title)

        counted = []
        for title in titles[:limit]:
            query = self._compile_request(plans.title_group_plan(title), visible)
            count = _total(searcher.search(query, limit=1))
            counted.append(Suggestion(title, "title", count))
        return counted

    def _customer_suggestions(
        self,
        searcher: tantivy.Searcher,
        prefix: str,
        key: str,
        visible: list[Plan],
        limit: int,
    ) -> list[Suggestion]:
        candidates = plans.customer_prefilter_plan(prefix)
        if candidates is None:
            return []
        query = self._compile_request(candidates, visible)
        counts = self._bucket_counts(searcher, query, "customer")

        matching = {
            customer: count
            for customer, count in counts.items()
            if plans.customer_matches(customer, key)
        }
        return plans.ordered_suggestions(matching, "customer", limit)

    def _term_suggestions(
        self, searcher: tantivy.Searcher, key: str, visible: list[Plan], limit: int
    ) -> list[Suggestion]:
        """Completions counted over visible documents only; unseen terms never show."""
        target = plans.term_suggestion_field(key)
        if target is None:
            return []
        field, token_prefix = target
        visible_query = self._compile_request(Everything(), visible)

        found = searcher.terms_with_prefix(field, token_prefix, visible_query, limit)
        return plans.ordered_suggestions(dict(found), "term", limit)

    def close(self) -> None:
        """Release files and worker processes; no writer lock outlives a call."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._index = None  # type: ignore[assignment]

    def _prepare(self, documents: list[IndexDocument]) -> list[tantivy.Document]:
        """Analyzed engine documents, in worker processes for large batches.

        The same function runs either way, so the index is identical; analysis
        is pure Python and holds the GIL, hence processes rather than threads.
        """
        if self.analysis_processes < 2 or len(documents) < PARALLEL_MIN_DOCUMENTS:
            return [prepare_document(document) for document in documents]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.analysis_processes, mp_context=multiprocessing.get_context("spawn")
            )
        chunk = max(1, len(documents) // (self.analysis_processes * 8))
        return list(self._pool.map(prepare_document, documents, chunksize=chunk))

    def _document(self, document: IndexDocument) -> tantivy.Document:
        return prepare_document(document)

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

    def _page(
        self,
        searcher: tantivy.Searcher,
        matching: list[Plan],
        request: SearchRequest,
        cursor: Cursor | None,
        offset: int,
    ) -> _Page:
        """One page of hits: by offset, or after the cursor's sort key."""
        query = self._compile_request(matching[0], matching[1:])
        if cursor is None or cursor.key is None:
            found = self._top(searcher, query, request, offset, count=True)
            return _to_page(searcher, found, request, _total(found))

        total = _total(searcher.search(query, limit=1, count=True))
        after, skip = self._after(searcher, query, request.sort, cursor)
        narrowed = _with_filter(query, after)
        found = self._top(searcher, narrowed, request, skip, count=False)
        return _to_page(searcher, found, request, total)

    def _top(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        request: SearchRequest,
        offset: int,
        count: bool,
    ) -> tantivy.SearchResult:
        options: dict[str, Any] = {"limit": request.page_size, "offset": offset}
        if request.sort != "relevance":
            options["order_by_field"], options["order"] = SORT_FIELDS[request.sort]
        return searcher.search(query, count=count, **options)

    def _after(
        self,
        searcher: tantivy.Searcher,
        query: tantivy.Query,
        sort: str,
        cursor: Cursor,
    ) -> tuple[tantivy.Query, int]:
        """A filter keeping what sorts after the cursor, and how many to skip.

        Received keys are unique numbers: a range leaves exactly the rest. A
        title key is a string, so the range is on its first bytes
        (``title_order``) and the hits already seen within that bucket are
        skipped: the cursor's offset minus the hits of earlier buckets.
        """
        unsigned = tantivy.FieldType.Unsigned
        if sort == "received_desc":
            upper = tantivy.Query.range_query(
                self.schema,
                "received_order",
                unsigned,
                None,
                cursor.key,
                include_upper=False,
            )
            return upper, 0
        if sort == "received_asc":
            lower = tantivy.Query.range_query(
                self.schema,
                "received_order",
                unsigned,
                cursor.key,
                None,
                include_lower=False,
            )
            return lower, 0
        bucket = title_order_key(str(cursor.key))
        later = tantivy.Query.range_query(
            self.schema, "title_order", unsigned, bucket, None
        )
        if bucket == 0:
            return later, cursor.offset
        earlier = tantivy.Query.range_query(
            self.schema, "title_order", unsigned, None, bucket, include_upper=False
        )
        before = _total(searcher.search(_with_filter(query, earlier), limit=1))
        return later, max(0, cursor.offset - before)

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

    def _bucket_counts(
        self, searcher: tantivy.Searcher, query: tantivy.Query, field: str
    ) -> dict[str, int]:
        answer = searcher.aggregate(query, {field: _terms_aggregation(field)})
        return {b["key"]: int(b["doc_count"]) for b in answer[field]["buckets"]}

    def _compile(self, plan: Plan) -> tantivy.Query:
        compilers: dict[type, Callable[[Any], tantivy.Query]] = {
            TokenMatch: self._compile_tokens,
            DateMatch: self._compile_dates,
            IdMatch: lambda match: self._ids_query([match.id]),
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
            match.field,
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


def prepare_document(document: IndexDocument) -> tantivy.Document:
    """The tantivy document of ``document``: every field of ``plan.index_fields``."""
    prepared = tantivy.Document()
    prepared.add_unsigned("id", document.id)
    for name, value in plans.index_fields(document).items():
        for text in [value] if isinstance(value, str) else value:
            if text:
                prepared.add_text(name, text)
    prepared.add_date(plans.RECEIVED_FIELD, plans.to_utc(document.received_at))
    document_date = plans.document_date(document)
    if document_date is not None:
        prepared.add_date(plans.DOCUMENT_DATE_FIELD, document_date)
    prepared.add_unsigned("received_order", plans.received_order(document))
    title_order = title_order_key(plans.title_sort(document))
    prepared.add_unsigned("title_order", title_order)
    return prepared


def _terms_aggregation(field: str) -> dict[str, Any]:
    terms = {
        "field": field,
        "size": FACET_BUCKETS_MAX,
        "segment_size": FACET_SEGMENT_SIZE,
    }
    return {"terms": terms}


def _prefix_regex(prefix: str) -> str:
    """A tantivy (Rust) regex matching terms that start with ``prefix``."""
    # \x{..} is valid for any character, unlike a backslash before a letter-like
    # symbol or a control character.
    escaped = "".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in prefix)
    return f"{escaped}(?s:.*)"


def _ids(searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]) -> list[int]:
    """Document ids of hits, read from the fast field (no stored-document fetch)."""
    if not addresses:
        return []
    return cast(list[int], searcher.fast_field_values("id", addresses))


def _total(found: tantivy.SearchResult) -> int:
    # ``count`` exists at run time but is missing from tantivy's type stubs.
    return int(getattr(found, "count"))  # noqa: B009


@dataclass
class _Page:
    hits: list[Hit]
    total: int
    last_key: int | str | None


def _to_page(
    searcher: tantivy.Searcher,
    found: tantivy.SearchResult,
    request: SearchRequest,
    total: int,
) -> _Page:
    addresses = [address for _, address in found.hits]
    ids = _ids(searcher, addresses)
    is_scored = request.sort == "relevance"
    scores = [float(key) if is_scored else 0.0 for key, _ in found.hits]
    hits = [Hit(id=i, score=s) for i, s in zip(ids, scores, strict=True)]

    last_key = found.hits[-1][0] if found.hits and not is_scored else None
    return _Page(hits=hits, total=total, last_key=last_key)


def _with_filter(query: tantivy.Query, extra: tantivy.Query) -> tantivy.Query:
    """``query`` narrowed by ``extra``, which adds nothing to scores."""
    return tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, query),
            (tantivy.Occur.Must, tantivy.Query.const_score_query(extra, 0.0)),
        ]
    )


def title_order_key(title_sort: str) -> int:
    """The first bytes of a ``title_sort`` value as a number, in the same order.

    Strings compare as their UTF-8 bytes (in tantivy and in Python alike), and
    a shorter prefix pads with zero bytes, so a < b implies key(a) <= key(b).
    """
    head = title_sort.encode("utf-8")[:TITLE_ORDER_BYTES]
    return int.from_bytes(head.ljust(TITLE_ORDER_BYTES, b"\0"), "big")


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise InvalidInput(f"limit {limit} must be 1 or more", limit=limit)
