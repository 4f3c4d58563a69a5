"""The OpenSearch backend: the same fields, tokens and answers as the embedded one.

Documents live in ``<prefix>-documents-v<N>`` behind the alias
``<prefix>-documents``; a rebuild fills ``v<N+1>`` and one ``update_aliases``
call switches every reader over. The analysis is the embedded one (see
``indexer.plan``): Filewarden hands OpenSearch finished token strings, split on
whitespace with the gap token dropped in place, so both engines hold the very
same terms at the very same positions.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit, urlunsplit

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import (
    ConnectionError as TransportConnectionError,
)
from opensearchpy.exceptions import (
    NotFoundError,
    RequestError,
    TransportError,
)

from indexer import plan as plans
from indexer.analysis import CJK_CHARACTERS, GAP_TOKEN
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
from search_api.errors import Conflict, FilewardenError, InvalidInput

if TYPE_CHECKING:
    from search_api.settings import Settings

logger = logging.getLogger(__name__)

TOKENS_ANALYZER: Final = "filewarden_tokens"
GAP_FILTER: Final = "filewarden_gap"
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
    "title_sort",
)
# Bumped whenever the mappings or analysis change: an index of another schema
# version needs a rebuild (begin_rebuild/finish_rebuild) before it answers alike.
# 2: received_order unsigned_long (keys past 2038), token keyword fields.
# 3: document_date.
SCHEMA_VERSION: Final = 3
DATE_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
FACET_BUCKETS_MAX: Final = 1000
# Candidates per shard of a terms aggregation; far above any real number of
# values, so counts are exact on a multi-shard index too.
FACET_SHARD_SIZE: Final = 65536
# Offset pages may not end past this hit (plan.page_offset says why); keyed
# cursors go on with search_after and have no limit.
MAX_RESULT_WINDOW: Final = plans.MAX_RESULT_WINDOW
IDS_PAGE_SIZE: Final = 10_000
BULK_CHUNK_DOCUMENTS: Final = 500
BULK_CHUNK_BYTES: Final = 10 * 2**20
BULK_MAX_RETRIES: Final = 6
BULK_INITIAL_BACKOFF_SECONDS: Final = 1
BULK_MAX_BACKOFF_SECONDS: Final = 30
BULK_TIMEOUT_SECONDS: Final = 120
REQUEST_TIMEOUT_SECONDS: Final = 30
CLIENT_RETRIES: Final = 3
TRANSIENT_STATUS_CODES: Final = (502, 503, 504)
# Lucene refuses a keyword term over 32766 bytes ("immense term"); the sort key
# of a pathological title is cut well below, which only matters for titles
# identical over their first 4 KiB (they then sort by id).
MAX_SORT_KEY_BYTES: Final = 4096
REJECTED_SHOWN_MAX: Final = 10
CJK_CHARACTER: Final = re.compile(f"[{CJK_CHARACTERS}]")
PREFIX_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9_.-]*")
# Term suggestions count the visible documents holding each token with a
# terms aggregation (``include`` regex for the prefix) on a keyword copy of
# the document's distinct tokens, doc values only: the very documents
# tantivy's term dictionary counts, read from disk. The alternative,
# ``fielddata: true`` on the token text fields, un-inverts them into the JVM
# heap until evicted. Measured on 30,000 bench documents (bench/search.py's
# mix, 70% Chinese), one node: fielddata 20.6 MiB of heap (0.7 KiB a
# document, so the 40% fielddata breaker of a 1 GiB heap trips near 600,000
# documents); these fields' global ordinals 1.9 MiB over 19 segments, none
# once merged; the index 111 MiB instead of 76 (+47%, nearly all bigrams);
# p50 under 1 ms for both, the first request after a refresh 92 ms against
# 485. Global ordinals stay lazy: eager ones would slow every refresh.
TOKEN_KEYWORD_FIELDS: Final = {
    "text_terms": "text_terms_keyword",
    "text_bigrams": "text_bigrams_keyword",
}
# Candidates per shard of the term aggregation: as for facets, so the top
# tokens are exact on a multi-shard index too.
SUGGESTION_TERMS_SHARD_SIZE: Final = FACET_SHARD_SIZE
SORT_FIELDS: Final = {
    "relevance": ["_score", {"received_order": "desc"}],
    "received_desc": [{"received_order": "desc"}],
    "received_asc": [{"received_order": "asc"}],
    "title": [{"title_sort": "asc"}],
}


class IndexUnavailable(FilewardenError):
    """OpenSearch did not answer (down, unreachable, overloaded past retries)."""

    status_code = 503


class DocumentsRejected(FilewardenError):
    """OpenSearch refused some documents of a batch; the others are indexed."""


def index_body() -> dict[str, Any]:
    """Settings and strict mappings of one version of the documents index."""
    analysis = {
        "filter": {
            GAP_FILTER: {"type": "stop", "stopwords": [GAP_TOKEN], "ignore_case": False}
        },
        "analyzer": {
            TOKENS_ANALYZER: {
                "type": "custom",
                "tokenizer": "whitespace",
                "filter": [GAP_FILTER],
            }
        },
    }
    settings = {
        "number_of_shards": 1,
        # One copy on a single node (green), two as soon as a second node joins.
        "auto_expand_replicas": "0-1",
        "max_result_window": MAX_RESULT_WINDOW,
        "analysis": analysis,
    }
    return {"settings": settings, "mappings": _mappings()}


def _mappings() -> dict[str, Any]:
    tokens = {"type": "text", "analyzer": TOKENS_ANALYZER}
    properties: dict[str, Any] = {"id": {"type": "long"}}
    for name in plans.ANALYZED_FIELDS:
        properties[f"{name}_terms"] = tokens
        properties[f"{name}_bigrams"] = tokens
    for name in KEYWORD_FIELDS:
        properties[name] = {"type": "keyword"}
    for name in FACET_FIELDS:
        # Every add refreshes; facet ordinals are then built at refresh, not
        # by the first search after it.
        properties[name]["eager_global_ordinals"] = True
    for name in (plans.RECEIVED_FIELD, plans.DOCUMENT_DATE_FIELD):
        properties[name] = {
            "type": "date",
            "format": "strict_date_time_no_millis||epoch_second",
        }
    # Unsigned: received seconds fill the upper 32 bits (plan.received_order).
    properties["received_order"] = {"type": "unsigned_long"}
    for name in TOKEN_KEYWORD_FIELDS.values():
        properties[name] = {"type": "keyword", "index": False, "doc_values": True}
    return {
        "dynamic": "strict",
        "_meta": {"filewarden_schema": SCHEMA_VERSION},
        # Token streams are the bulk of a document and are rebuilt from the
        # database, never read back: _source keeps only ids, labels and dates.
        "_source": {"excludes": ["*_terms", "*_bigrams", "*_keyword"]},
        "properties": properties,
    }


class OpenSearchIndex:
    """Filewarden's documents in OpenSearch, read and written through the alias.

    ``version`` binds the object to one concrete index instead (the version a
    rebuild fills); such an object reads and writes only that version.
    """

    def __init__(
        self,
        client: OpenSearch,
        prefix: str,
        facet_customer_size: int = 20,
        *,
        version: str | None = None,
    ) -> None:
        _check_prefix(prefix)
        self.client = client
        self.prefix = prefix
        self.alias = f"{prefix}-documents"
        self.facet_customer_size = facet_customer_size
        self.version = version
        self.target = version or self.alias
        if version is None:
            self._ensure_alias()

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenSearchIndex:
        """The index the settings name, with auth and TLS as configured."""
        client = OpenSearch(**client_options(settings))
        hosts = ", ".join(map(redacted, settings.opensearch_urls))
        logger.info("opening OpenSearch index at %s", hosts)
        if not settings.opensearch_verify_certs:
            logger.warning(
                "TLS certificates of OpenSearch at %s are not verified", hosts
            )
        return cls(
            client,
            settings.opensearch_index_prefix,
            facet_customer_size=settings.facet_customer_size,
        )

    def add(self, documents: list[IndexDocument]) -> None:
        """Add or replace documents by id; visible to search when this returns."""
        if not documents:
            return
        started = time.monotonic()
        # The last version of an id in one batch wins, as if added one by one.
        latest = {document.id: document for document in documents}
        actions = [self._index_action(document) for document in latest.values()]

        rejected = self._bulk(actions, "index")

        seconds = time.monotonic() - started
        indexed = len(actions) - len(rejected)
        logger.info(
            "indexed %d documents into %s in %.2f s", indexed, self.target, seconds
        )
        if rejected:
            # A strict mapping of an older schema refuses every document.
            self._check_schema()
            raise _rejected_error(rejected, self.target)

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        if not ids:
            return
        actions = [
            {"_op_type": "delete", "_index": self.target, "_id": str(document_id)}
            for document_id in dict.fromkeys(ids)
        ]
        rejected = self._bulk(actions, "delete")
        logger.info("deleted %d documents from %s", len(actions), self.target)
        if rejected:
            raise _rejected_error(rejected, self.target)

    def search(self, request: SearchRequest) -> SearchResult:
        """Hits of one page, the total and the facet counts."""
        cursor = plans.decode_cursor(request)
        offset = plans.page_offset(request, cursor, MAX_RESULT_WINDOW)
        query_plan = plans.query_plan(request.query)
        filters = plans.filter_plans(request)
        shared = _shared_plans(request)
        body = self._search_body(request, query_plan, shared, filters)
        _place_page(body, cursor, offset)

        with self._answering("search"):
            answer = self.client.search(index=self.target, body=body)

        total = int(answer["hits"]["total"]["value"])
        hits = answer["hits"]["hits"]
        return SearchResult(
            total=total,
            hits=_hits(hits, scored=request.sort == "relevance"),
            facets=self._facets(answer["aggregations"]),
            highlight_terms=plans.highlight_terms(request.query),
            next_cursor=plans.next_cursor(
                request,
                cursor.offset if cursor else offset,
                len(hits),
                total,
                _last_key(hits, request),
                MAX_RESULT_WINDOW,
            ),
        )

    def count(self, request: SearchRequest) -> int:
        """How many documents match, without fetching hits."""
        filters = plans.filter_plans(request)
        extra = [*_shared_plans(request), *filters.values()]
        query = _request_query(plans.query_plan(request.query), extra)
        with self._answering("count"):
            answer = self.client.count(index=self.target, body={"query": query})
        return int(answer["count"])

    def similar(
        self, text: str, exclude_id: int, request: SearchRequest, limit: int = 10
    ) -> SearchResult:
        """Visible documents sharing the most distinctive terms of ``text``.

        As in the embedded backend: the request's query, filters, received
        window and access narrow without scoring; page, sort, cursor and facets
        are ignored.
        """
        _check_limit(limit)
        documents = self.count(SearchRequest())
        terms = plans.similar_terms(text, self._doc_freqs, documents)
        narrowing = [*_shared_plans(request), *plans.filter_plans(request).values()]
        if request.query.strip():
            narrowing.append(plans.query_plan(request.query))
        body = {
            "query": _request_query(plans.similar_plan(terms, exclude_id), narrowing),
            "size": limit,
            "sort": SORT_FIELDS["relevance"],
            "track_total_hits": True,
            "_source": False,
        }

        with self._answering("find similar documents"):
            answer = self.client.search(index=self.target, body=body)

        return SearchResult(
            total=int(answer["hits"]["total"]["value"]),
            hits=_hits(answer["hits"]["hits"], scored=True),
            facets={},
            highlight_terms=[match.tokens[0] for match in terms],
        )

    def suggest(
        self, prefix: str, request: SearchRequest, limit: int = 10
    ) -> list[Suggestion]:
        """Titles, customers and terms starting with ``prefix``, visible ones only.

        As in the embedded backend (see ``plan``): at most ``limit`` of each
        kind, titles first; the request's filters, received window and access
        apply, its query not. One search per round of titles, then one for
        every count.
        """
        _check_limit(limit)
        key = plans.suggestion_key(prefix)
        if not key:
            return []
        visible = [*_shared_plans(request), *plans.filter_plans(request).values()]
        titles = self._suggested_titles(key, visible, limit)

        aggregations = {
            **_title_count_aggregations(titles),
            **_customer_aggregations(prefix),
            **_term_aggregations(key, limit),
        }
        found = self._aggregate(visible, aggregations) if aggregations else {}

        return [
            *_title_suggestions(titles, found),
            *_customer_suggestions(found, key, limit),
            *_term_suggestions(found, limit),
        ]

    def _aggregate(
        self, visible: list[Plan], aggregations: dict[str, Any]
    ) -> dict[str, Any]:
        body = {
            "query": _request_query(Everything(), visible),
            "size": 0,
            "aggs": aggregations,
        }
        with self._answering("count suggestions"):
            answer = self.client.search(index=self.target, body=body)
        found: dict[str, Any] = answer["aggregations"]
        return found

    def _suggested_titles(self, key: str, visible: list[Plan], limit: int) -> list[str]:
        """The first ``limit`` distinct normalized titles in title order.

        Each round leaves out the titles already found, so many documents with
        one title never crowd out the next; one round is the usual case.
        """
        titles: list[str] = []
        while len(titles) < limit:
            seen = [NoneOf(AnyOf(tuple(map(plans.title_group_plan, titles))))]
            narrowing = [*visible, *(seen if titles else [])]
            body = {
                "query": _request_query(plans.title_suggestion_plan(key), narrowing),
                "size": limit - len(titles),
                "sort": SORT_FIELDS["title"],
                "track_total_hits": False,
                "_source": False,
            }
            with self._answering("suggest titles"):
                hits = self.client.search(index=self.target, body=body)["hits"]["hits"]
            if not hits:
                break
            # A title past MAX_SORT_KEY_BYTES comes back cut there, unlike in
            # tantivy: the one way the engines' suggestions can differ.
            for hit in hits:
                title = str(hit["sort"][0]).rpartition(plans.TITLE_SORT_SEPARATOR)[0]
                if title not in titles:
                    titles.append(title)
        return titles[:limit]

    def _doc_freqs(self, field: str, tokens: list[str]) -> dict[str, int]:
        """Live documents holding each token, in one request of filter buckets."""
        buckets = {str(n): {"term": {field: token}} for n, token in enumerate(tokens)}
        body = {
            "size": 0,
            "aggs": {"tokens": {"filters": {"filters": buckets}}},
        }
        with self._answering("count documents per term"):
            answer = self.client.search(index=self.target, body=body)
        counts = answer["aggregations"]["tokens"]["buckets"]
        return {
            token: int(counts[str(n)]["doc_count"]) for n, token in enumerate(tokens)
        }

    def indexed_ids(self) -> set[int]:
        """Every document id in the index (for repair at start-up)."""
        ids: set[int] = set()
        body: dict[str, Any] = {
            "query": {"match_all": {}},
            "size": IDS_PAGE_SIZE,
            "sort": [{"id": "asc"}],
            "_source": False,
        }
        while True:
            with self._answering("list ids"):
                hits = self.client.search(index=self.target, body=body)["hits"]["hits"]
            ids.update(int(hit["sort"][0]) for hit in hits)
            if len(hits) < IDS_PAGE_SIZE:
                return ids
            body["search_after"] = hits[-1]["sort"]

    def rebuild_in_progress(self) -> bool:
        """Whether a rebuilt version exists that has not been switched to."""
        return self._next_version() is not None

    def begin_rebuild(self) -> OpenSearchIndex:
        """The unfinished next version if there is one, else a new empty one."""
        self._check_live("begin a rebuild")
        name = self._next_version()
        if name is None:
            name = self._version_name(_version_number(self._current_version()) + 1)
            self._create_version(name, aliased=False)
            logger.info("rebuilding the index into %s", name)
        else:
            logger.info("resuming the unfinished rebuild in %s", name)
        return OpenSearchIndex(
            self.client, self.prefix, self.facet_customer_size, version=name
        )

    def finish_rebuild(self) -> None:
        """Point the alias at the rebuilt version in one call; drop older ones."""
        self._check_live("finish a rebuild")
        name = self._next_version()
        if name is None:
            return
        current = self._current_version()
        actions = [
            {"add": {"index": name, "alias": self.alias}},
            {"remove": {"index": current, "alias": self.alias, "must_exist": True}},
        ]

        with self._answering("switch the alias"):
            self.client.indices.refresh(index=name)
            self.client.indices.update_aliases(body={"actions": actions})
        self._drop_versions_before(name)
        logger.info("switched %s from %s to %s", self.alias, current, name)

    def close(self) -> None:
        """Close the client's connections; a rebuild's version shares them, so not."""
        if self.version is None:
            self.client.close()

    def _bulk(
        self, actions: list[dict[str, Any]], operation: str
    ) -> list[dict[str, Any]]:
        """Send actions in chunks; the failures, unknown ids of deletes left out."""
        rejected: list[dict[str, Any]] = []
        try:
            with self._answering(operation):
                for is_ok, item in helpers.streaming_bulk(
                    self.client,
                    actions,
                    chunk_size=BULK_CHUNK_DOCUMENTS,
                    max_chunk_bytes=BULK_CHUNK_BYTES,
                    raise_on_error=False,
                    max_retries=BULK_MAX_RETRIES,
                    initial_backoff=BULK_INITIAL_BACKOFF_SECONDS,
                    max_backoff=BULK_MAX_BACKOFF_SECONDS,
                    request_timeout=BULK_TIMEOUT_SECONDS,
                ):
                    result = next(iter(item.values()))
                    if not is_ok and not _is_unknown_delete(result):
                        rejected.append(result)
        finally:
            # Whatever was accepted must become visible, even after a failure.
            self._refresh()
        return rejected

    def _refresh(self) -> None:
        with self._answering("refresh"):
            self.client.indices.refresh(index=self.target)

    def _index_action(self, document: IndexDocument) -> dict[str, Any]:
        return {
            "_op_type": "index",
            "_index": self.target,
            "_id": str(document.id),
            "_source": document_source(document),
        }

    def _search_body(
        self,
        request: SearchRequest,
        query_plan: Plan,
        shared: list[Plan],
        filters: dict[str, Plan],
    ) -> dict[str, Any]:
        """One request: hits use every filter, each facet all but its own."""
        body: dict[str, Any] = {
            "query": _request_query(query_plan, shared),
            "size": request.page_size,
            "sort": SORT_FIELDS[request.sort],
            "track_total_hits": True,
            "_source": False,
            "aggs": _facet_aggregations(filters),
        }
        if filters:
            body["post_filter"] = _all_of([_compile(plan) for plan in filters.values()])
        return body

    def _facets(self, aggregations: dict[str, Any]) -> dict[str, dict[str, int]]:
        facets = {}
        for name in FACET_FIELDS:
            buckets = aggregations[name]["values"]["buckets"]
            counts = {bucket["key"]: int(bucket["doc_count"]) for bucket in buckets}
            size = self.facet_customer_size if name == "customer" else None
            facets[name] = plans.ordered_facet(counts, size)
        return facets

    def _ensure_alias(self) -> None:
        """Create version 1 behind the alias unless the alias exists."""
        with self._answering("open the index"):
            if self.client.indices.exists_alias(name=self.alias):
                self._warn_on_other_schema()
                return
            versions = self._versions()
        if versions:
            names = ", ".join(sorted(versions.values()))
            raise Conflict(
                f"indices {names} exist but the alias {self.alias} does not; point "
                "it at the version to search, or delete them to start empty",
                alias=self.alias,
                indices=sorted(versions.values()),
            )
        self._create_version(self._version_name(1), aliased=True)
        logger.info("created %s behind alias %s", self._version_name(1), self.alias)

    def _create_version(self, name: str, aliased: bool) -> None:
        body = index_body()
        if aliased:
            # Created with its alias in one call: no reader ever sees neither.
            body["aliases"] = {self.alias: {}}
        try:
            with self._answering("create an index version"):
                self.client.indices.create(index=name, body=body)
        except FilewardenError as err:
            # Another process created it first: that version is as good.
            if "resource_already_exists" not in err.message:
                raise

    def _warn_on_other_schema(self) -> None:
        for name, version in self._other_schemas().items():
            logger.warning(
                "index %s has schema version %s, this Filewarden writes %s: "
                "rebuild the index",
                name,
                version,
                SCHEMA_VERSION,
            )

    def _check_schema(self) -> None:
        """Raise Conflict when the target was built with another schema version."""
        with self._answering("read the mapping"):
            others = self._other_schemas()
        if others:
            name, version = next(iter(others.items()))
            raise IndexOutdated(
                f"index {name} has schema version {version}, this Filewarden "
                f"writes {SCHEMA_VERSION}: rebuild the index (reindex) before "
                "adding documents",
                index=name,
                schema_version=version,
                expected_schema_version=SCHEMA_VERSION,
            )

    def _other_schemas(self) -> dict[str, Any]:
        """Schema version by concrete index, for those not of this Filewarden."""
        mappings = self.client.indices.get_mapping(index=self.target)
        versions = {
            name: found["mappings"].get("_meta", {}).get("filewarden_schema")
            for name, found in mappings.items()
        }
        return {n: v for n, v in versions.items() if v != SCHEMA_VERSION}

    def _versions(self) -> dict[int, str]:
        """Every version index under this prefix, by number."""
        with self._answering("list index versions"):
            found = self.client.indices.get(
                index=f"{self.alias}-v*", expand_wildcards="open,closed"
            )
        pattern = re.compile(rf"{re.escape(self.alias)}-v(\d+)")
        matches = (pattern.fullmatch(name) for name in found)
        return {int(match.group(1)): match.group(0) for match in matches if match}

    def _current_version(self) -> str:
        with self._answering("read the alias"):
            names = list(self.client.indices.get_alias(name=self.alias))
        if len(names) != 1:
            raise Conflict(
                f"alias {self.alias} points at {len(names)} indices ({names}); "
                "it must point at exactly one version",
                alias=self.alias,
                indices=names,
            )
        return names[0]

    def _next_version(self) -> str | None:
        current = _version_number(self._current_version())
        newer = [number for number in self._versions() if number > current]
        return self._version_name(max(newer)) if newer else None

    def _drop_versions_before(self, name: str) -> None:
        number = _version_number(name)
        old = [found for n, found in self._versions().items() if n < number]
        if old:
            with self._answering("delete old index versions"):
                self.client.indices.delete(index=",".join(old))
            logger.info("deleted old index versions %s", ", ".join(old))

    def _version_name(self, number: int) -> str:
        return f"{self.alias}-v{number}"

    def _check_live(self, action: str) -> None:
        if self.version is not None:
            raise Conflict(
                f"cannot {action} on the version {self.version} itself; "
                "call it on the index opened by its prefix",
                index=self.version,
            )

    @contextmanager
    def _answering(self, action: str) -> Iterator[None]:
        """Turn the client's errors into Filewarden's, naming the action and index."""
        try:
            yield
        except TransportConnectionError as err:
            raise IndexUnavailable(
                f"OpenSearch did not answer ({action} on {self.target}): "
                f"{err.error}; is the node up and the URL right?",
                index=self.target,
                action=action,
            ) from err
        except RequestError as err:
            raise InvalidInput(
                f"OpenSearch refused to {action} on {self.target}: {_reason(err)}",
                index=self.target,
                action=action,
            ) from err
        except NotFoundError as err:
            raise Conflict(
                f"OpenSearch could not {action}: {_reason(err)} (index {self.target} "
                "deleted, or the alias moved by another process?)",
                index=self.target,
                action=action,
            ) from err
        except TransportError as err:
            error_class = IndexUnavailable if err.status_code in (429, 503) else None
            raise (error_class or FilewardenError)(
                f"OpenSearch failed to {action} on {self.target} "
                f"(status {err.status_code}): {_reason(err)}",
                index=self.target,
                action=action,
                status=err.status_code,
            ) from err


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of ``OpenSearch`` for the configured nodes."""
    options: dict[str, Any] = {
        "hosts": list(settings.opensearch_urls),
        "verify_certs": settings.opensearch_verify_certs,
        "ssl_show_warn": settings.opensearch_verify_certs,
        "timeout": REQUEST_TIMEOUT_SECONDS,
        # Index and delete by id are idempotent, so a whole request may be retried.
        "max_retries": CLIENT_RETRIES,
        "retry_on_timeout": True,
        "retry_on_status": TRANSIENT_STATUS_CODES,
    }
    if settings.opensearch_user:
        options["http_auth"] = (
            settings.opensearch_user,
            settings.opensearch_password or "",
        )
    if settings.opensearch_ca_file:
        options["ca_certs"] = str(settings.opensearch_ca_file)
    return options


def redacted(url: str) -> str:
    """``url`` without user and password, for logs and messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def document_source(document: IndexDocument) -> dict[str, Any]:
    """The JSON document of ``document``; empty values are left out, as in tantivy."""
    source: dict[str, Any] = {"id": document.id}
    for name, value in plans.index_fields(document).items():
        if isinstance(value, str):
            if value:
                source[name] = value
        elif values := [text for text in value if text]:
            source[name] = values
    source["title_sort"] = _capped_sort_key(source["title_sort"])
    for name, keyword in TOKEN_KEYWORD_FIELDS.items():
        if tokens := _suggestible_tokens(source.get(name, "")):
            source[keyword] = tokens
    received = plans.to_utc(document.received_at)
    source[plans.RECEIVED_FIELD] = received.strftime(DATE_FORMAT)
    if (document_date := plans.document_date(document)) is not None:
        source[plans.DOCUMENT_DATE_FIELD] = document_date.strftime(DATE_FORMAT)
    source["received_order"] = plans.received_order(document)
    return source


def _suggestible_tokens(tokens: str) -> list[str]:
    """Each token of a token string once, as term suggestions may complete them.

    The gap is left out (as the analyzer does), and so are single CJK
    characters of ``*_terms``: a CJK prefix completes bigrams, a word prefix
    never starts a CJK character (``plan.term_suggestion_field``).
    """
    distinct = dict.fromkeys(tokens.split())
    return [
        token
        for token in distinct
        if token != GAP_TOKEN and not CJK_CHARACTER.fullmatch(token)
    ]


def _capped_sort_key(key: str) -> str:
    if len(key.encode()) <= MAX_SORT_KEY_BYTES:
        return key
    title, _, suffix = key.rpartition("\x00")
    room = MAX_SORT_KEY_BYTES - len(suffix) - 1
    cut = title.encode()[:room].decode(errors="ignore")
    return f"{cut}\x00{suffix}"


def _shared_plans(request: SearchRequest) -> list[Plan]:
    """The received window and the access filter: they apply to every facet."""
    found = [plans.received_plan(request), plans.access_plan(request)]
    return [plan for plan in found if plan is not None]


def _request_query(query_plan: Plan, filters: list[Plan]) -> dict[str, Any]:
    """The query plus filters that do not score."""
    query = _compile(query_plan)
    if not filters:
        return query
    return {"bool": {"must": [query], "filter": [_compile(p) for p in filters]}}


def _facet_aggregations(filters: dict[str, Plan]) -> dict[str, Any]:
    """Per facet: the other fields' selections, then every bucket of the field."""
    aggregations = {}
    for name in FACET_FIELDS:
        others = [_compile(plan) for other, plan in filters.items() if other != name]
        terms = {
            "field": name,
            "size": FACET_BUCKETS_MAX,
            "shard_size": FACET_SHARD_SIZE,
        }
        aggregations[name] = {
            "filter": _all_of(others),
            "aggs": {"values": {"terms": terms}},
        }
    return aggregations


def _title_count_aggregations(titles: list[str]) -> dict[str, Any]:
    """Visible documents per normalized title, one filter bucket each."""
    if not titles:
        return {}
    buckets = {
        str(number): _compile(plans.title_group_plan(title))
        for number, title in enumerate(titles)
    }
    return {"titles": {"filters": {"filters": buckets}}}


def _title_suggestions(titles: list[str], found: dict[str, Any]) -> list[Suggestion]:
    if not titles:
        return []
    counts = found["titles"]["buckets"]
    return [
        Suggestion(title, "title", int(counts[str(number)]["doc_count"]))
        for number, title in enumerate(titles)
    ]


def _customer_aggregations(prefix: str) -> dict[str, Any]:
    """Every customer of the visible documents the prefix's first word allows."""
    candidates = plans.customer_prefilter_plan(prefix)
    if candidates is None:
        return {}
    terms = {
        "field": "customer",
        "size": FACET_BUCKETS_MAX,
        "shard_size": FACET_SHARD_SIZE,
    }
    return {
        "customers": {
            "filter": _compile(candidates),
            "aggs": {"values": {"terms": terms}},
        }
    }


def _customer_suggestions(
    found: dict[str, Any], key: str, limit: int
) -> list[Suggestion]:
    if "customers" not in found:
        return []
    buckets = found["customers"]["values"]["buckets"]
    counts = {
        bucket["key"]: int(bucket["doc_count"])
        for bucket in buckets
        if plans.customer_matches(bucket["key"], key)
    }
    return plans.ordered_suggestions(counts, "customer", limit)


def _term_aggregations(key: str, limit: int) -> dict[str, Any]:
    """The ``limit`` tokens with the prefix held by most visible documents.

    Buckets come by count, then token (byte order, which is code point order
    as in Python); ``ordered_suggestions`` decides the order all the same.
    """
    target = plans.term_suggestion_field(key)
    if target is None:
        return {}
    field, token_prefix = target
    terms = {
        "field": TOKEN_KEYWORD_FIELDS[field],
        "include": f"{_regex_literal(token_prefix)}.*",
        "size": limit,
        "shard_size": max(limit, SUGGESTION_TERMS_SHARD_SIZE),
        "min_doc_count": 1,
    }
    return {"terms": {"terms": terms}}


def _term_suggestions(found: dict[str, Any], limit: int) -> list[Suggestion]:
    if "terms" not in found:
        return []
    buckets = found["terms"]["buckets"]
    counts = {bucket["key"]: int(bucket["doc_count"]) for bucket in buckets}
    return plans.ordered_suggestions(counts, "term", limit)


def _regex_literal(text: str) -> str:
    """``text`` as a Lucene regular expression matching exactly itself."""
    # A backslash makes any character literal in Lucene's RegExp syntax, so
    # every character that is not a letter or digit is escaped.
    return "".join(c if c.isalnum() else f"\\{c}" for c in text)


def _all_of(queries: list[dict[str, Any]]) -> dict[str, Any]:
    if not queries:
        return {"match_all": {}}
    return queries[0] if len(queries) == 1 else {"bool": {"filter": queries}}


def _compile(plan: Plan) -> dict[str, Any]:
    compilers: dict[type, Callable[[Any], dict[str, Any]]] = {
        TokenMatch: _compile_tokens,
        DateMatch: _compile_dates,
        AllOf: _compile_all,
        AnyOf: _compile_any,
        NoneOf: _compile_none,
        IdMatch: lambda match: {"term": {"id": match.id}},
        Everything: lambda _: {"match_all": {}},
        Nothing: lambda _: {"match_none": {}},
    }
    return compilers[type(plan)](plan)


def _compile_tokens(match: TokenMatch) -> dict[str, Any]:
    field, first = match.field, match.tokens[0]
    phrase = " ".join(match.tokens)
    if match.mode == "fuzzy":
        # Constant-score rewrite: every term within the distance, like tantivy's
        # automaton (no cap on expansions, no per-term scoring).
        fuzzy = {
            "value": first,
            "fuzziness": match.distance,
            "transpositions": True,
            "prefix_length": 0,
            "rewrite": "constant_score",
        }
        return {"fuzzy": {field: fuzzy}}
    if match.mode == "prefix" and len(match.tokens) == 1:
        return {"prefix": {field: {"value": first}}}
    if match.mode == "prefix":
        return {"match_phrase_prefix": {field: {"query": phrase, "max_expansions": 50}}}
    if len(match.tokens) == 1:
        return {"term": {field: {"value": first}}}
    return {"match_phrase": {field: {"query": phrase, "slop": 0}}}


def _compile_dates(match: DateMatch) -> dict[str, Any]:
    bounds = {}
    if match.start is not None:
        bounds["gte"] = match.start.strftime(DATE_FORMAT)
    if match.end is not None:
        bounds["lte"] = match.end.strftime(DATE_FORMAT)
    return {"range": {match.field: bounds}}


def _compile_all(plan: AllOf) -> dict[str, Any]:
    # A NOT inside AND only excludes, as in the embedded backend: no score.
    must = [_compile(c) for c in plan.children if not isinstance(c, NoneOf)]
    must_not = [_compile(c.child) for c in plan.children if isinstance(c, NoneOf)]
    if not must:
        must = [{"match_all": {}}]
    return {"bool": {"must": must, "must_not": must_not}}


def _compile_any(plan: AnyOf) -> dict[str, Any]:
    should = [_compile(child) for child in plan.children]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _compile_none(plan: NoneOf) -> dict[str, Any]:
    return {"bool": {"must": [{"match_all": {}}], "must_not": [_compile(plan.child)]}}


def _place_page(body: dict[str, Any], cursor: Cursor | None, offset: int) -> None:
    """Start after the cursor's sort key (unique: ids are in it), else at offset."""
    if cursor is not None and cursor.key is not None:
        body["search_after"] = [cursor.key]
    else:
        body["from"] = offset


def _last_key(hits: list[dict[str, Any]], request: SearchRequest) -> int | str | None:
    if not hits or request.sort == "relevance":
        return None
    key: int | str = hits[-1]["sort"][0]
    return key


def _hits(hits: list[dict[str, Any]], scored: bool) -> list[Hit]:
    return [
        Hit(id=int(hit["_id"]), score=float(hit["_score"] or 0.0) if scored else 0.0)
        for hit in hits
    ]


def _is_unknown_delete(result: dict[str, Any]) -> bool:
    return result.get("status") == 404 and result.get("result") == "not_found"


def _rejected_error(rejected: list[dict[str, Any]], index: str) -> DocumentsRejected:
    reasons = [
        {"id": result.get("_id"), "reason": _item_reason(result)} for result in rejected
    ]
    shown = "; ".join(f"{r['id']}: {r['reason']}" for r in reasons[:REJECTED_SHOWN_MAX])
    return DocumentsRejected(
        f"OpenSearch rejected {len(rejected)} documents of {index} ({shown})",
        index=index,
        rejected=reasons,
    )


def _item_reason(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or f"status {result.get('status')}")


def _reason(err: TransportError) -> str:
    """The engine's own explanation of an error, without the request body."""
    info = err.info if isinstance(err.info, dict) else {}
    cause = info.get("error", {})
    if isinstance(cause, dict):
        root = (cause.get("root_cause") or [cause])[0]
        return f"{root.get('type')}: {root.get('reason')}"
    return str(err.error)


def _version_number(name: str) -> int:
    return int(name.rsplit("-v", 1)[1])


def _check_prefix(prefix: str) -> None:
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise InvalidInput(
            f"OpenSearch index prefix '{prefix}' is not valid: use lowercase letters, "
            "digits, '-', '_' or '.', starting with a letter or digit",
            prefix=prefix,
        )


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise InvalidInput(f"limit {limit} must be 1 or more", limit=limit)
