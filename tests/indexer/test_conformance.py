"""Both index backends give the same answers: the conformance table and more.

Every ``backend`` test runs on the embedded tantivy index (in a temporary
folder) and on a real OpenSearch node (``FILEWARDEN_TEST_OPENSEARCH_URL``,
indices under a prefix unique to this module, deleted at the end). Tests named
``test_conformance_*_both_backends`` compare the two engines directly.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import OpenSearch

from indexer import opensearch as opensearch_backend
from indexer.analysis import analyze, normalize
from indexer.embedded import EmbeddedIndex
from indexer.opensearch import DocumentsRejected, IndexUnavailable, OpenSearchIndex
from indexer.query import QuerySyntaxError
from indexer.types import FACET_FIELDS, IndexDocument, SearchRequest
from search_api.errors import Conflict, InvalidInput
from search_api.settings import Settings
from tests.indexer.conformance_data import (
    ALL_IDS,
    CURSOR_CASES,
    CURSOR_ORDER_CASES,
    DOCUMENTS,
    FACET_CASES,
    QUERY_CASES,
    RECEIVED_EDGE_DOCUMENTS,
    RECEIVED_EDGE_ORDER_CASES,
    RECEIVED_EDGE_QUERY_CASES,
    SIMILAR_CASES,
    SORT_CASES,
    SUGGEST_CASES,
    SYNTAX_ERROR_CASES,
    TITLE_BUCKET_DOCUMENTS,
    case_id,
    matching_ids,
    walk_by_cursor,
)

URL_VARIABLE = "FILEWARDEN_TEST_OPENSEARCH_URL"
BACKENDS = [
    pytest.param("embedded"),
    pytest.param("opensearch", marks=pytest.mark.opensearch),
]
# Queries without a fixed answer: both engines must simply agree. They probe
# the edges of prefix, fuzzy and phrase-prefix translation.
DIFFERENTIAL_QUERIES = [
    "the~2",
    "a~1",
    "on~2",
    "30~1",
    "net~2",
    "pay~2",
    "contracts~1",
    "servise~1",
    "p*",
    "c*",
    "2024*",
    "service-contr*",
    "payment-te*",
    "invoice-2024-1*",
    "title:servic~",
    "category:con*",
    "category:contrat~",
    "customer:glob*",
    "customer:上海贸易*",
    "filename:pdf~1",
    "合~1",
    "同意*",
    '"合同" -"十万元"',
    "NOT (contract OR 合同 OR invoice)",
    "-(-contract)",
    "received:[2024-06-30 TO 2024-06-30] OR received:2023-12-31",
    "date:[2024-02-02 TO 2024-02-02] OR date:2021-07-01",
    "NOT (date:2024 OR 合同)",
    "-(-date:[* TO 2024-03])",
    "NOT " * 100 + "contract",
    "(invoice OR (" * 50 + "contract" + " contract))" * 50,
]
# Prefixes whose suggestions both engines must give alike, for every caller.
DIFFERENTIAL_PREFIXES = [
    "a",
    "c",
    "p",
    "t",
    "s",
    "i",
    "n",
    "2024",
    "合",
    "同",
    "会议",
    "上",
    "北京科",
    "本合",
    "Ｃ",
    "inv",
    "invoice 2025-0",
    "!!",
]
DIFFERENTIAL_ACCESS = [{}, {"owner": ["ana"]}, {"owner": ["bo"]}, {"groups": ["hr"]}]
# Documents whose top hit a relevance query should agree on (scores tie-free).
TOP_HIT_QUERIES = [
    "invoice",
    "payment",
    "contract",
    "delivery",
    "合同",
    "发票",
    "会议",
    "违约",
    "customers dashboard",
    "complaint OR invoice OR 会议纪要",
]


class Backend:
    """Opens indexes of one backend by name; the same name reopens the same data."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.prefix = f"fw-conformance-{uuid.uuid4().hex[:8]}"
        self.client: OpenSearch | None = None
        if name == "opensearch":
            self.client = OpenSearch(hosts=[opensearch_url()], timeout=60)

    def open(self, name: str, *, versioned: bool = False, **options: Any) -> Any:
        """A new object on the index ``name`` (created empty on first use)."""
        if self.client is not None:
            return OpenSearchIndex(self.client, f"{self.prefix}-{name}", **options)
        if versioned:
            versions = pytest.importorskip(
                "indexer.versions", reason="embedded rebuilds not in this tree yet"
            )
            return versions.VersionedEmbeddedIndex(self.folder / name, **options)
        return EmbeddedIndex(self.folder / name, lock_wait_seconds=5, **options)

    def fresh(self, **options: Any) -> Any:
        return self.open(uuid.uuid4().hex[:8], **options)

    def remove_all(self) -> None:
        if self.client is not None:
            self.client.indices.delete(
                index=f"{self.prefix}-*", ignore_unavailable=True
            )
            self.client.close()


def opensearch_url() -> str:
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{URL_VARIABLE} is unset; run scripts/opensearch-node.sh start "
            f"and export {URL_VARIABLE}=$(cat .opensearch/url)"
        )
    return url


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    opened = Backend(request.param, tmp_path_factory.mktemp(request.param))
    yield opened
    opened.remove_all()


@pytest.fixture(scope="module")
def index(backend: Backend) -> Any:
    loaded = backend.open("loaded")
    loaded.add(DOCUMENTS)
    return loaded


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """The conformance documents in each engine, for direct comparison."""
    embedded = Backend("embedded", tmp_path_factory.mktemp("both"))
    remote = Backend("opensearch", embedded.folder)
    pair = (embedded.open("both"), remote.open("both"))
    for loaded in pair:
        loaded.add(DOCUMENTS)
    yield pair
    remote.remove_all()


@pytest.fixture(scope="module")
def bucket_index(backend: Backend) -> Any:
    """DOCUMENTS plus titles sharing their first bytes (cursor and limit tests)."""
    loaded = backend.open("bucket")
    loaded.add(DOCUMENTS + TITLE_BUCKET_DOCUMENTS)
    return loaded


@pytest.fixture(scope="module")
def edge_index(backend: Backend) -> Any:
    """DOCUMENTS plus documents received in 1999, at 2^31 seconds and in 2050."""
    loaded = backend.open("edge")
    loaded.add(DOCUMENTS + RECEIVED_EDGE_DOCUMENTS)
    return loaded


def suggested(index: Any, prefix: str, request: SearchRequest, limit: int = 10) -> Any:
    return [(s.text, s.kind, s.count) for s in index.suggest(prefix, request, limit)]


@pytest.mark.parametrize(("query", "expected"), QUERY_CASES)
def test_conformance_search_query_table_exact_ids(
    index: Any, query: str, expected: set[int]
) -> None:
    assert matching_ids(index, SearchRequest(query=query)) == expected


@pytest.mark.parametrize(("query", "expected"), QUERY_CASES)
def test_conformance_count_query_table_same_as_search(
    index: Any, query: str, expected: set[int]
) -> None:
    assert index.count(SearchRequest(query=query)) == len(expected)


@pytest.mark.parametrize(("query", "position"), SYNTAX_ERROR_CASES, ids=case_id)
def test_conformance_search_syntax_error_raises_with_position(
    index: Any, query: str, position: int
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        index.search(SearchRequest(query=query))

    assert caught.value.position == position
    assert f"at position {position}" in caught.value.message


@pytest.mark.parametrize(("fields", "expected_ids", "expected_facets"), FACET_CASES)
def test_conformance_search_facets_disjunctive_counts(
    index: Any,
    fields: dict[str, Any],
    expected_ids: set[int],
    expected_facets: dict[str, dict[str, int]],
) -> None:
    result = index.search(SearchRequest(page_size=100, **fields))

    assert {hit.id for hit in result.hits} == expected_ids
    assert result.total == len(expected_ids)
    assert index.count(SearchRequest(**fields)) == len(expected_ids)
    assert list(result.facets) == list(FACET_FIELDS)
    for field, counts in expected_facets.items():
        assert result.facets[field] == counts, field
    for field, facet in result.facets.items():
        by_count = sorted(facet.items(), key=lambda bucket: (-bucket[1], bucket[0]))
        assert list(facet.items()) == by_count, f"{field} order"


def test_conformance_search_unfiltered_facets_add_up_to_total(index: Any) -> None:
    result = index.search(SearchRequest(query="合同 OR invoice OR 会议"))

    assert result.total == 5
    for field in FACET_FIELDS:
        assert sum(result.facets[field].values()) == result.total, field


def test_conformance_search_facet_filter_with_query_and_access_combined(
    index: Any,
) -> None:
    request = SearchRequest(
        query="合同 OR contract OR payment",
        filters={"language": ["en"], "file_type": ["pdf", "xlsx", "eml"]},
        access={"groups": ["sales"]},
        page_size=100,
    )

    result = index.search(request)

    assert {hit.id for hit in result.hits} == {4, 5, 12}
    assert result.facets["language"] == {"en": 3, "zh": 1}
    assert result.facets["file_type"] == {"eml": 1, "pdf": 1, "xlsx": 1}
    assert result.facets["category"] == {"financial": 2, "contract": 1}


def test_conformance_search_customer_facet_top_n(backend: Backend) -> None:
    small = backend.fresh(facet_customer_size=2)
    small.add(DOCUMENTS)

    facet = small.search(SearchRequest()).facets["customer"]

    assert facet == {"ACME Corp": 4, "上海贸易有限公司": 3}


@pytest.mark.parametrize(("sort", "expected"), SORT_CASES)
def test_conformance_search_sorted_first_page(
    index: Any, sort: str, expected: list[int]
) -> None:
    result = index.search(SearchRequest(sort=sort, page_size=5))  # type: ignore[arg-type]

    assert [hit.id for hit in result.hits] == expected
    assert result.total == len(DOCUMENTS)


@pytest.mark.parametrize("sort", ["received_desc", "received_asc", "title"])
def test_conformance_search_pages_same_order_as_one_page(index: Any, sort: str) -> None:
    whole = index.search(SearchRequest(sort=sort, page_size=100))  # type: ignore[arg-type]
    pages = [
        index.search(SearchRequest(sort=sort, page=n, page_size=5))  # type: ignore[arg-type]
        for n in (1, 2, 3, 4)
    ]

    assert [len(page.hits) for page in pages] == [5, 5, 2, 0]
    paged = [hit.id for page in pages for hit in page.hits]
    assert paged == [hit.id for hit in whole.hits]


@pytest.mark.parametrize(
    "sort", ["relevance", "received_desc", "received_asc", "title"]
)
def test_conformance_search_cursor_pages_same_order_as_one_page(
    index: Any, sort: str
) -> None:
    request = SearchRequest(query="合 OR payment OR the", sort=sort, page_size=3)  # type: ignore[arg-type]
    whole = index.search(dataclasses.replace(request, page_size=100))

    paged: list[int] = []
    while True:
        result = index.search(request)
        paged.extend(hit.id for hit in result.hits)
        if result.next_cursor is None:
            break
        request = dataclasses.replace(request, cursor=result.next_cursor)

    assert whole.total == 11
    assert paged == [hit.id for hit in whole.hits]


@pytest.mark.parametrize(("fields", "page_size"), CURSOR_CASES)
def test_conformance_cursor_walk_full_ordered_list_no_duplicates(
    bucket_index: Any, fields: dict[str, Any], page_size: int
) -> None:
    request = SearchRequest(page_size=page_size, **fields)
    whole = bucket_index.search(dataclasses.replace(request, page_size=50))

    walked = walk_by_cursor(bucket_index, request)

    assert walked == [hit.id for hit in whole.hits]
    assert len(walked) == len(set(walked)) == whole.total


@pytest.mark.parametrize(("sort", "expected"), CURSOR_ORDER_CASES)
def test_conformance_cursor_walk_keyed_sorts_exact_order(
    index: Any, sort: str, expected: list[int]
) -> None:
    request = SearchRequest(sort=sort, page_size=5)  # type: ignore[arg-type]

    assert walk_by_cursor(index, request) == expected


def test_conformance_cursor_keeps_total_and_facets_of_whole_request(
    index: Any,
) -> None:
    first = index.search(SearchRequest(sort="received_asc", page_size=5))

    second = index.search(
        SearchRequest(sort="received_asc", page_size=5, cursor=first.next_cursor)
    )

    assert second.total == first.total == len(DOCUMENTS)
    assert second.facets == first.facets
    assert [hit.id for hit in second.hits] == [5, 6, 7, 8, 9]


@pytest.mark.parametrize(
    "other",
    [
        SearchRequest(sort="received_asc", query="合同", page_size=5),
        SearchRequest(sort="received_desc", page_size=5),
        SearchRequest(sort="received_asc", filters={"language": ["zh"]}, page_size=5),
        SearchRequest(sort="received_asc", access={"owner": ["bo"]}, page_size=5),
    ],
)
def test_conformance_cursor_from_other_request_invalid_input(
    index: Any, other: SearchRequest
) -> None:
    cursor = index.search(SearchRequest(sort="received_asc", page_size=5)).next_cursor

    with pytest.raises(InvalidInput, match="belongs to another query"):
        index.search(dataclasses.replace(other, cursor=cursor))


@pytest.mark.parametrize("cursor", ["not a cursor!", "eyJ2IjogOX0", ""])
def test_conformance_cursor_damaged_invalid_input(index: Any, cursor: str) -> None:
    with pytest.raises(InvalidInput, match="cursor"):
        index.search(SearchRequest(sort="title", cursor=cursor))


def test_conformance_cursor_with_page_number_invalid_input(index: Any) -> None:
    cursor = index.search(SearchRequest(sort="title", page_size=5)).next_cursor

    with pytest.raises(InvalidInput, match="send page 1"):
        index.search(SearchRequest(sort="title", page=2, page_size=5, cursor=cursor))


def test_conformance_cursor_page_size_may_change_between_pages(index: Any) -> None:
    first = index.search(SearchRequest(sort="title", page_size=3))

    rest = index.search(
        SearchRequest(sort="title", page_size=20, cursor=first.next_cursor)
    )

    order = dict(CURSOR_ORDER_CASES)["title"]
    assert [hit.id for hit in first.hits + rest.hits] == order
    assert rest.next_cursor is None


@pytest.mark.parametrize(("sort", "expected"), RECEIVED_EDGE_ORDER_CASES)
@pytest.mark.parametrize("page_size", [2, 100])
def test_conformance_received_order_past_2038_exact_order(
    edge_index: Any, sort: str, expected: list[int], page_size: int
) -> None:
    request = SearchRequest(sort=sort, page_size=page_size)  # type: ignore[arg-type]

    assert walk_by_cursor(edge_index, request) == expected


@pytest.mark.parametrize(("query", "expected"), RECEIVED_EDGE_QUERY_CASES)
def test_conformance_received_window_past_2038_exact_ids(
    edge_index: Any, query: str, expected: set[int]
) -> None:
    assert matching_ids(edge_index, SearchRequest(query=query)) == expected


def test_conformance_received_before_1970_invalid_input(backend: Backend) -> None:
    index = backend.fresh()
    early = dataclasses.replace(
        DOCUMENTS[0], received_at=datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)
    )

    with pytest.raises(InvalidInput, match="outside 1970-01-01"):
        index.add([early])


def test_conformance_search_page_past_result_window_invalid_input(
    index: Any,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        index.search(SearchRequest(page=1001, page_size=10))

    assert caught.value.detail["max_result_window"] == 10_000


def test_conformance_search_relevance_title_match_first(index: Any) -> None:
    hits = index.search(SearchRequest(query="invoice")).hits

    assert hits[0].id == 5
    assert hits[0].score >= hits[-1].score > 0


def test_conformance_search_sorted_hits_have_no_score(index: Any) -> None:
    hits = index.search(SearchRequest(query="contract", sort="title")).hits

    assert [hit.id for hit in hits] == [4, 7]
    assert {hit.score for hit in hits} == {0.0}


def test_conformance_search_highlight_terms_positive_only(index: Any) -> None:
    request = SearchRequest(query='合同 "payment terms" pay* -违约 category:contract')

    result = index.search(request)

    assert result.highlight_terms == ["合同", "payment terms", "pay*"]


def test_conformance_search_bad_page_invalid_input(index: Any) -> None:
    with pytest.raises(InvalidInput):
        index.search(SearchRequest(page=0))


def test_conformance_search_unknown_filter_field_invalid_input(index: Any) -> None:
    with pytest.raises(InvalidInput, match="unknown filters field 'colour'"):
        index.search(SearchRequest(filters={"colour": ["red"]}))


@pytest.mark.parametrize(("source", "fields", "expected"), SIMILAR_CASES)
def test_conformance_similar_table_exact_ids(
    index: Any, source: int, fields: dict[str, Any], expected: set[int]
) -> None:
    text = next(d.text for d in DOCUMENTS if d.id == source)

    result = index.similar(text, source, SearchRequest(**fields), limit=20)

    assert {hit.id for hit in result.hits} == expected
    assert result.total == len(expected)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.id))
@pytest.mark.parametrize("owner", ["ana", "bo", "cy"])
def test_conformance_similar_never_source_nor_hidden(
    index: Any, document: IndexDocument, owner: str
) -> None:
    visible = {d.id for d in DOCUMENTS if d.owner == owner}
    request = SearchRequest(access={"owner": [owner]})

    hits = index.similar(document.text, document.id, request, limit=20).hits

    assert document.id not in {hit.id for hit in hits}
    assert {hit.id for hit in hits} <= visible


def test_conformance_similar_best_first_and_limited(index: Any) -> None:
    text = next(d.text for d in DOCUMENTS if d.id == 4)

    result = index.similar(text, 4, SearchRequest(), limit=2)

    assert len(result.hits) == 2
    assert result.total == 5
    assert result.hits[0].score >= result.hits[1].score > 0


def test_conformance_similar_bad_limit_invalid_input(index: Any) -> None:
    with pytest.raises(InvalidInput, match="limit 0"):
        index.similar("合同", 1, SearchRequest(), limit=0)


@pytest.mark.parametrize(("prefix", "fields", "expected"), SUGGEST_CASES)
def test_conformance_suggest_table_exact(
    index: Any,
    prefix: str,
    fields: dict[str, Any],
    expected: list[tuple[str, str, int]],
) -> None:
    assert suggested(index, prefix, SearchRequest(**fields)) == expected


@pytest.mark.parametrize(
    "prefix", ["合", "会", "身", "北", "上", "a", "c", "p", "s", "i"]
)
@pytest.mark.parametrize("owner", ["ana", "bo", "cy"])
def test_conformance_suggest_counts_only_visible_documents(
    index: Any, prefix: str, owner: str
) -> None:
    visible = [d for d in DOCUMENTS if d.owner == owner]
    request = SearchRequest(access={"owner": [owner]})

    for text, kind, count in suggested(index, prefix, request, limit=50):
        holders = [d for d in visible if _holds(d, kind, text)]
        assert len(holders) == count, (text, kind, count)


def _holds(document: Any, kind: str, text: str) -> bool:
    if kind == "title":
        return normalize(document.title) == text
    if kind == "customer":
        return bool(document.customer == text)
    streams = analyze(document.text)
    return text in streams.terms or text in streams.bigrams


def test_conformance_suggest_limit_per_kind(bucket_index: Any) -> None:
    found = suggested(bucket_index, "inv", SearchRequest(), limit=3)

    titles = [(text, count) for text, kind, count in found if kind == "title"]
    assert titles == [
        ("invoice 2024-117", 1),
        ("invoice 2025-000", 3),
        ("invoice 2025-001", 2),
    ]
    assert [text for text, kind, _ in found if kind == "term"] == ["invoice"]


def test_conformance_suggest_bad_limit_invalid_input(index: Any) -> None:
    with pytest.raises(InvalidInput, match="limit 0"):
        index.suggest("合", SearchRequest(), limit=0)


def test_conformance_indexed_ids_every_document(index: Any) -> None:
    assert index.indexed_ids() == set(ALL_IDS)


def test_conformance_empty_index_answers_nothing(backend: Backend) -> None:
    empty = backend.fresh()

    result = empty.search(SearchRequest(query="合同"))

    assert (result.total, result.hits, empty.indexed_ids()) == (0, [], set())
    assert result.facets == {name: {} for name in FACET_FIELDS}


def test_conformance_add_same_id_replaces(backend: Backend) -> None:
    index = backend.fresh()
    index.add(DOCUMENTS[:3])

    changed = dataclasses.replace(DOCUMENTS[0], title="租赁协议", text="房屋租赁协议")
    index.add([changed])

    assert index.count(SearchRequest()) == 3
    assert matching_ids(index, SearchRequest(query="租赁")) == {1}
    assert matching_ids(index, SearchRequest(query="text:采购")) == set()


def test_conformance_add_changed_labels_move_facet_counts(backend: Backend) -> None:
    index = backend.fresh()
    index.add(DOCUMENTS)

    relabelled = dataclasses.replace(DOCUMENTS[10], category="contract", groups=[])
    index.add([relabelled])

    facets = index.search(SearchRequest()).facets
    assert facets["category"]["contract"] == 4
    assert "other" not in facets["category"]
    assert 11 not in matching_ids(index, SearchRequest(access={"groups": ["sales"]}))


def test_conformance_add_duplicates_in_one_batch_keeps_last(backend: Backend) -> None:
    index = backend.fresh()
    first = DOCUMENTS[0]
    second = dataclasses.replace(first, text="second version")

    index.add([first, second])

    assert index.indexed_ids() == {first.id}
    assert matching_ids(index, SearchRequest(query="second")) == {first.id}


def test_conformance_delete_removes_and_ignores_unknown(backend: Backend) -> None:
    index = backend.fresh()
    index.add(DOCUMENTS)

    index.delete([1, 7, 999])

    assert matching_ids(index, SearchRequest(query="合同")) == set()
    assert index.indexed_ids() == set(ALL_IDS) - {1, 7}
    assert index.search(SearchRequest()).facets["category"]["contract"] == 1


def test_conformance_second_object_sees_writes_of_first(backend: Backend) -> None:
    server = backend.open("shared")
    cli = backend.open("shared")

    server.add(DOCUMENTS[:6])
    cli.add(DOCUMENTS[6:])
    cli.delete([2])

    assert server.indexed_ids() == set(ALL_IDS) - {2}
    assert matching_ids(server, SearchRequest(query="合同")) == {1, 7}


def test_conformance_naive_received_at_taken_as_utc(backend: Backend) -> None:
    index = backend.fresh()
    naive = dataclasses.replace(DOCUMENTS[0], received_at=datetime(2024, 3, 1, 23, 30))

    index.add([naive])

    request = SearchRequest(received_from=datetime(2024, 3, 1, 23, 0, tzinfo=UTC))
    assert index.count(request) == 1
    assert index.search(SearchRequest()).facets["received_month"] == {"2024-03": 1}


@pytest.mark.parametrize(
    ("document_date", "dated", "undated"),
    [
        # naive is UTC: 23:30 stays on March 1st
        (datetime(2024, 3, 1, 23, 30), "date:2024-03-01", "date:2024-03-02"),
        (
            datetime(2024, 3, 2, 1, 0, tzinfo=timezone(timedelta(hours=8))),
            "date:2024-03-01",
            "date:2024-03-02",
        ),
        # outside the window (placeholders of Windows and OLE, far future)
        (datetime(1601, 1, 1, tzinfo=UTC), "NOT date:[* TO *]", "date:[* TO *]"),
        (datetime(1899, 12, 30), "NOT date:[* TO *]", "date:[* TO 1900]"),
        (datetime(2300, 1, 1, tzinfo=UTC), "NOT date:[* TO *]", "date:[2200 TO *]"),
    ],
)
def test_conformance_document_date_in_utc_or_dropped_outside_window(
    backend: Backend, document_date: datetime, dated: str, undated: str
) -> None:
    index = backend.fresh()
    document = dataclasses.replace(DOCUMENTS[0], document_date=document_date)

    index.add([document])

    assert matching_ids(index, SearchRequest(query=dated)) == {document.id}
    assert matching_ids(index, SearchRequest(query=undated)) == set()


def test_conformance_empty_labels_not_counted_in_facets(backend: Backend) -> None:
    index = backend.fresh()
    unlabelled = dataclasses.replace(
        DOCUMENTS[3], category="", language="", owner="", groups=["", "sales"]
    )

    index.add([unlabelled])

    facets = index.search(SearchRequest()).facets
    assert (facets["category"], facets["language"]) == ({}, {})
    assert index.count(SearchRequest(access={"groups": ["sales"]})) == 1


def test_conformance_rebuild_searches_old_until_finish(backend: Backend) -> None:
    live = backend.open("rebuilt", versioned=True)
    live.add(DOCUMENTS[:6])
    assert not live.rebuild_in_progress()

    writer = live.begin_rebuild()
    writer.add(DOCUMENTS[6:])
    before = matching_ids(live, SearchRequest())
    in_progress = live.rebuild_in_progress()
    live.finish_rebuild()

    assert before == {1, 2, 3, 4, 5, 6}
    assert in_progress
    assert matching_ids(live, SearchRequest()) == {7, 8, 9, 10, 11, 12}
    assert matching_ids(live, SearchRequest(query="合同")) == {7}
    assert not live.rebuild_in_progress()
    reader = backend.open("rebuilt", versioned=True)
    assert reader.indexed_ids() == {7, 8, 9, 10, 11, 12}


def test_conformance_rebuild_after_crash_resumes_unfinished_version(
    backend: Backend,
) -> None:
    crashed = backend.open("crashed", versioned=True)
    crashed.add(DOCUMENTS[:2])
    crashed.begin_rebuild().add(DOCUMENTS[:5])
    del crashed  # the process dies here, before finish_rebuild

    restarted = backend.open("crashed", versioned=True)
    assert restarted.rebuild_in_progress()
    writer = restarted.begin_rebuild()
    resumed_from = writer.indexed_ids()
    writer.add(DOCUMENTS[5:])
    restarted.finish_rebuild()

    assert resumed_from == {1, 2, 3, 4, 5}
    assert restarted.indexed_ids() == set(ALL_IDS)
    assert not restarted.rebuild_in_progress()


def test_conformance_finish_without_rebuild_changes_nothing(backend: Backend) -> None:
    live = backend.open("unchanged", versioned=True)
    live.add(DOCUMENTS)

    live.finish_rebuild()

    assert live.indexed_ids() == set(ALL_IDS)


@pytest.mark.opensearch
@pytest.mark.parametrize("query", DIFFERENTIAL_QUERIES)
def test_conformance_differential_query_same_ids_both_backends(
    both: tuple[Any, Any], query: str
) -> None:
    embedded, remote = both
    request = SearchRequest(query=query)

    expected = matching_ids(embedded, request)

    assert matching_ids(remote, request) == expected
    assert remote.count(request) == len(expected)


@pytest.mark.opensearch
@pytest.mark.parametrize("query", TOP_HIT_QUERIES)
def test_conformance_top_hit_same_both_backends(
    both: tuple[Any, Any], query: str
) -> None:
    embedded, remote = both
    request = SearchRequest(query=query, page_size=100)

    expected = embedded.search(request).hits
    found = remote.search(request).hits

    # Only a clear winner is compared: engines order equal scores differently.
    assert len(expected) == 1 or expected[0].score > expected[1].score * 1.01
    assert found[0].id == expected[0].id
    assert found[0].score == pytest.approx(expected[0].score, rel=0.1)


@pytest.mark.opensearch
@pytest.mark.parametrize("source", [1, 4, 5, 7, 9])
def test_conformance_similar_same_terms_and_hits_both_backends(
    both: tuple[Any, Any], source: int
) -> None:
    embedded, remote = both
    text = next(document.text for document in DOCUMENTS if document.id == source)
    request = SearchRequest(access={"groups": ["sales", "engineering"]})

    expected = embedded.similar(text, source, request, limit=20)
    found = remote.similar(text, source, request, limit=20)

    assert found.highlight_terms == expected.highlight_terms
    assert {hit.id for hit in found.hits} == {hit.id for hit in expected.hits}
    assert found.total == expected.total
    assert source not in {hit.id for hit in found.hits}


@pytest.mark.opensearch
@pytest.mark.parametrize("prefix", DIFFERENTIAL_PREFIXES)
def test_conformance_suggest_same_both_backends(
    both: tuple[Any, Any], prefix: str
) -> None:
    embedded, remote = both

    for access in DIFFERENTIAL_ACCESS:
        for limit in (1, 3, 50):
            request = SearchRequest(access=access)
            expected = suggested(embedded, prefix, request, limit)
            assert suggested(remote, prefix, request, limit) == expected, access


@pytest.mark.opensearch
def test_opensearch_rebuild_moves_alias_and_drops_old_version(
    both: tuple[Any, Any],
) -> None:
    remote = OpenSearchIndex(both[1].client, f"fw-alias-{uuid.uuid4().hex[:8]}")
    alias = remote.alias
    try:
        remote.add(DOCUMENTS[:1])
        remote.begin_rebuild().add(DOCUMENTS)
        remote.finish_rebuild()

        pointed = list(remote.client.indices.get_alias(name=alias))
        versions = sorted(remote.client.indices.get(index=f"{alias}-v*"))
    finally:
        remote.client.indices.delete(index=f"{alias}-v*", ignore_unavailable=True)

    assert pointed == [f"{alias}-v2"]
    assert versions == [f"{alias}-v2"]


@pytest.mark.opensearch
def test_opensearch_index_mapping_strict_with_schema_version(
    both: tuple[Any, Any],
) -> None:
    remote = both[1]

    mapping = next(iter(remote.client.indices.get_mapping(index=remote.alias).values()))

    assert mapping["mappings"]["dynamic"] == "strict"
    expected = opensearch_backend.SCHEMA_VERSION
    assert mapping["mappings"]["_meta"]["filewarden_schema"] == expected


def schema_2_index_body() -> dict[str, Any]:
    """The index body before documents had their own date (schema version 2)."""
    body = opensearch_backend.index_body()
    mappings = body["mappings"]
    mappings["_meta"]["filewarden_schema"] = 2
    del mappings["properties"]["document_date"]
    return body


def schema_1_index_body() -> dict[str, Any]:
    """The index body before received_order became unsigned (schema version 1)."""
    body = schema_2_index_body()
    mappings = body["mappings"]
    mappings["_meta"]["filewarden_schema"] = 1
    mappings["properties"]["received_order"] = {"type": "long"}
    for name in opensearch_backend.TOKEN_KEYWORD_FIELDS.values():
        del mappings["properties"][name]
    return body


@pytest.mark.opensearch
@pytest.mark.parametrize(
    ("schema_version", "body"), [(1, schema_1_index_body), (2, schema_2_index_body)]
)
def test_opensearch_earlier_schema_add_conflict_until_rebuilt(
    both: tuple[Any, Any],
    caplog: pytest.LogCaptureFixture,
    schema_version: int,
    body: Callable[[], dict[str, Any]],
) -> None:
    client = both[1].client
    prefix = f"fw-schema-{uuid.uuid4().hex[:8]}"
    aliased = body() | {"aliases": {f"{prefix}-documents": {}}}
    client.indices.create(index=f"{prefix}-documents-v1", body=aliased)
    try:
        old = OpenSearchIndex(client, prefix)
        # Schema 1 refuses every document, schema 2 those with a date.
        with pytest.raises(Conflict, match="rebuild the index") as caught:
            old.add(DOCUMENTS)
        old.begin_rebuild().add(DOCUMENTS)
        old.finish_rebuild()
        old.add(RECEIVED_EDGE_DOCUMENTS)
        suggestions = old.suggest("lease", SearchRequest())
        dated = matching_ids(old, SearchRequest(query="date:2023 OR date:2021"))
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)

    assert f"schema version {schema_version}" in caplog.text
    assert caught.value.detail["schema_version"] == schema_version
    assert ("lease", "term", 2) in [(s.text, s.kind, s.count) for s in suggestions]
    assert dated == {1, 9}


@pytest.mark.opensearch
def test_opensearch_add_rejected_document_raises_naming_id(
    tmp_path: Path,
) -> None:
    backend = Backend("opensearch", tmp_path)
    try:
        index = backend.fresh()
        # A keyword value over Lucene's 32766-byte term limit is refused.
        immense = dataclasses.replace(DOCUMENTS[3], customer="x" * 40_000)
        with pytest.raises(DocumentsRejected) as caught:
            index.add([DOCUMENTS[0], immense, DOCUMENTS[4]])
        ids = index.indexed_ids()
    finally:
        backend.remove_all()

    assert caught.value.detail["rejected"][0]["id"] == "4"
    assert "immense" in caught.value.message
    assert ids == {1, 5}


@pytest.mark.opensearch
def test_opensearch_indexed_ids_pages_through_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opensearch_backend, "IDS_PAGE_SIZE", 5)
    backend = Backend("opensearch", tmp_path)
    try:
        index = backend.fresh()
        index.add(DOCUMENTS)
        ids = index.indexed_ids()
    finally:
        backend.remove_all()

    assert ids == set(ALL_IDS)


@pytest.mark.opensearch
def test_opensearch_from_settings_uses_auth_and_never_logs_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = opensearch_url()
    prefix = f"fw-settings-{uuid.uuid4().hex[:8]}"
    host = url.split("://", 1)[1]
    settings = Settings(
        opensearch_urls=[f"http://ana:s3cret-pw@{host}"],
        opensearch_user="ana",
        opensearch_password="s3cret-pw",
        opensearch_index_prefix=prefix,
        facet_customer_size=1,
    )
    caplog.set_level(logging.DEBUG)

    index = OpenSearchIndex.from_settings(settings)
    try:
        index.add(DOCUMENTS)
        facet = index.search(SearchRequest()).facets["customer"]
    finally:
        index.client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        index.close()

    assert facet == {"ACME Corp": 4}
    assert "s3cret-pw" not in caplog.text
    assert host in caplog.text


def test_opensearch_unreachable_node_raises_index_unavailable() -> None:
    # A port that was just free and is closed again: connections are refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(opensearch_urls=[f"http://127.0.0.1:{port}"])

    with pytest.raises(IndexUnavailable) as caught:
        OpenSearchIndex.from_settings(settings)

    assert caught.value.status_code == 503
    assert "did not answer" in caught.value.message


def test_opensearch_invalid_prefix_invalid_input() -> None:
    client = OpenSearch(hosts=["http://127.0.0.1:9"])

    with pytest.raises(InvalidInput, match="prefix 'Filewarden Docs'"):
        OpenSearchIndex(client, "Filewarden Docs")
