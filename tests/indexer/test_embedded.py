"""The embedded tantivy backend against the shared conformance table."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tantivy

from indexer.analysis import analyze, normalize
from indexer.embedded import (
    KEYWORD_FIELDS,
    TOKENS_TOKENIZER,
    EmbeddedIndex,
    title_order_key,
)
from indexer.plan import ANALYZED_FIELDS, RECEIVED_FIELD, suggestion_key
from indexer.query import QuerySyntaxError
from indexer.types import FACET_FIELDS, IndexDocument, SearchRequest
from search_api.errors import Conflict, InvalidInput
from tests.indexer.conformance_data import (
    CURSOR_CASES,
    CURSOR_ORDER_CASES,
    DOCUMENTS,
    FACET_CASES,
    QUERY_CASES,
    SIMILAR_CASES,
    SORT_CASES,
    SUGGEST_CASES,
    SYNTAX_ERROR_CASES,
    TITLE_BUCKET_DOCUMENTS,
    case_id,
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedIndex]:
    opened = EmbeddedIndex(tmp_path_factory.mktemp("index"), lock_wait_seconds=5)
    opened.add(DOCUMENTS)
    yield opened
    opened.close()


@pytest.fixture
def fresh_path(tmp_path: Path) -> Path:
    return tmp_path / "index"


def matching_ids(index: EmbeddedIndex, request: SearchRequest) -> set[int]:
    result = index.search(dataclasses.replace(request, page_size=100))
    assert result.total == len(result.hits)
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize(("query", "expected"), QUERY_CASES)
def test_embedded_search_query_table_exact_ids(
    index: EmbeddedIndex, query: str, expected: set[int]
) -> None:
    assert matching_ids(index, SearchRequest(query=query)) == expected


@pytest.mark.parametrize(("query", "expected"), QUERY_CASES)
def test_embedded_count_query_table_same_as_search(
    index: EmbeddedIndex, query: str, expected: set[int]
) -> None:
    assert index.count(SearchRequest(query=query)) == len(expected)


@pytest.mark.parametrize(("query", "position"), SYNTAX_ERROR_CASES, ids=case_id)
def test_embedded_search_syntax_error_raises_with_position(
    index: EmbeddedIndex, query: str, position: int
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        index.search(SearchRequest(query=query))

    assert caught.value.position == position
    assert f"at position {position}" in caught.value.message


@pytest.mark.parametrize(("fields", "expected_ids", "expected_facets"), FACET_CASES)
def test_embedded_search_facets_disjunctive_counts(
    index: EmbeddedIndex,
    fields: dict[str, object],
    expected_ids: set[int],
    expected_facets: dict[str, dict[str, int]],
) -> None:
    request = SearchRequest(page_size=100, **fields)  # type: ignore[arg-type]

    result = index.search(request)

    assert {hit.id for hit in result.hits} == expected_ids
    assert result.total == len(expected_ids)
    assert set(result.facets) == set(FACET_FIELDS)
    for field, counts in expected_facets.items():
        assert result.facets[field] == counts, field


def test_embedded_search_unfiltered_facets_add_up_to_total(
    index: EmbeddedIndex,
) -> None:
    result = index.search(SearchRequest(query="合同 OR invoice OR 会议"))

    for field in FACET_FIELDS:
        assert sum(result.facets[field].values()) == result.total, field


def test_embedded_search_customer_facet_top_n(tmp_path: Path) -> None:
    small = EmbeddedIndex(tmp_path / "index", facet_customer_size=2)
    small.add(DOCUMENTS)

    facet = small.search(SearchRequest()).facets["customer"]

    assert facet == {"ACME Corp": 4, "上海贸易有限公司": 3}


@pytest.mark.parametrize(("sort", "expected"), SORT_CASES)
def test_embedded_search_sorted_first_page(
    index: EmbeddedIndex, sort: str, expected: list[int]
) -> None:
    result = index.search(SearchRequest(sort=sort, page_size=5))  # type: ignore[arg-type]

    assert [hit.id for hit in result.hits] == expected
    assert result.total == len(DOCUMENTS)


def test_embedded_search_pages_cover_all_without_overlap(index: EmbeddedIndex) -> None:
    pages = [
        [
            hit.id
            for hit in index.search(
                SearchRequest(sort="received_asc", page=n, page_size=5)
            ).hits
        ]
        for n in (1, 2, 3, 4)
    ]

    assert [len(page) for page in pages] == [5, 5, 2, 0]
    assert sorted(id_ for page in pages for id_ in page) == sorted(
        document.id for document in DOCUMENTS
    )


def test_embedded_search_relevance_title_match_first(index: EmbeddedIndex) -> None:
    hits = index.search(SearchRequest(query="invoice")).hits

    assert hits[0].id == 5
    assert hits[0].score >= hits[-1].score > 0


def test_embedded_search_highlight_terms_positive_only(index: EmbeddedIndex) -> None:
    request = SearchRequest(query='合同 "payment terms" pay* -违约 category:contract')

    result = index.search(request)

    assert result.highlight_terms == ["合同", "payment terms", "pay*"]


def test_embedded_search_bad_page_invalid_input(index: EmbeddedIndex) -> None:
    with pytest.raises(InvalidInput):
        index.search(SearchRequest(page=0))


def test_embedded_search_unknown_filter_field_invalid_input(
    index: EmbeddedIndex,
) -> None:
    with pytest.raises(InvalidInput, match="unknown filters field 'colour'"):
        index.search(SearchRequest(filters={"colour": ["red"]}))


def test_embedded_indexed_ids_every_document(index: EmbeddedIndex) -> None:
    assert index.indexed_ids() == {document.id for document in DOCUMENTS}


def test_embedded_add_same_id_replaces(fresh_path: Path) -> None:
    index = EmbeddedIndex(fresh_path)
    index.add(DOCUMENTS[:3])

    changed = dataclasses.replace(DOCUMENTS[0], title="租赁协议", text="房屋租赁协议")
    index.add([changed])

    assert index.count(SearchRequest()) == 3
    assert matching_ids(index, SearchRequest(query="租赁")) == {1}
    assert matching_ids(index, SearchRequest(query="text:采购")) == set()


def test_embedded_add_duplicates_in_one_batch_keeps_last(fresh_path: Path) -> None:
    index = EmbeddedIndex(fresh_path)
    first = DOCUMENTS[0]
    second = dataclasses.replace(first, text="second version")

    index.add([first, second])

    assert index.indexed_ids() == {first.id}
    assert matching_ids(index, SearchRequest(query="second")) == {first.id}


def test_embedded_delete_removes_and_ignores_unknown(fresh_path: Path) -> None:
    index = EmbeddedIndex(fresh_path)
    index.add(DOCUMENTS)

    index.delete([1, 7, 999])

    assert matching_ids(index, SearchRequest(query="合同")) == set()
    assert index.indexed_ids() == {document.id for document in DOCUMENTS} - {1, 7}
    assert index.search(SearchRequest()).facets["category"]["contract"] == 1


def test_embedded_two_openers_add_in_turn(fresh_path: Path) -> None:
    server = EmbeddedIndex(fresh_path, lock_wait_seconds=5)
    cli = EmbeddedIndex(fresh_path, lock_wait_seconds=5)

    server.add(DOCUMENTS[:4])
    cli.add(DOCUMENTS[4:8])
    server.add(DOCUMENTS[8:])
    cli.delete([2])

    expected = {document.id for document in DOCUMENTS} - {2}
    assert server.indexed_ids() == expected
    assert cli.indexed_ids() == expected


def test_embedded_add_while_locked_raises_conflict_naming_path(
    fresh_path: Path,
) -> None:
    holder = EmbeddedIndex(fresh_path)
    waiting = EmbeddedIndex(fresh_path, lock_wait_seconds=0.2)

    # Holding a writer open stands in for another process in the middle of add().
    with holder._writer(1), pytest.raises(Conflict) as caught:
        waiting.add(DOCUMENTS[:1])

    assert str(fresh_path) in caught.value.message
    assert caught.value.detail["path"] == str(fresh_path)
    waiting.add(DOCUMENTS[:1])
    assert waiting.indexed_ids() == {DOCUMENTS[0].id}


def test_embedded_reopen_keeps_documents(fresh_path: Path) -> None:
    first = EmbeddedIndex(fresh_path)
    first.add(DOCUMENTS)
    first.close()

    reopened = EmbeddedIndex(fresh_path)

    assert matching_ids(reopened, SearchRequest(query="合同")) == {1, 7}


def test_embedded_naive_received_at_taken_as_utc(fresh_path: Path) -> None:
    index = EmbeddedIndex(fresh_path)
    naive = dataclasses.replace(DOCUMENTS[0], received_at=datetime(2024, 3, 1, 23, 30))

    index.add([naive])

    request = SearchRequest(received_from=datetime(2024, 3, 1, 23, 0, tzinfo=UTC))
    assert index.count(request) == 1
    assert index.search(SearchRequest()).facets["received_month"] == {"2024-03": 1}


WRITER_SCRIPT = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from indexer.embedded import EmbeddedIndex
from indexer.types import IndexDocument
index = EmbeddedIndex(Path(sys.argv[1]), lock_wait_seconds=30)
for number in range(100, 115):
    index.add([IndexDocument(
        id=number, title=f"cli {number}", text="批量导入", original_filename="a.txt",
        customer="c", category="other", sensitivity="internal", file_type="txt",
        language="zh", received_at=datetime(2024, 1, 1, tzinfo=UTC),
    )])
"""


def test_embedded_add_from_two_processes_takes_turns(fresh_path: Path) -> None:
    server = EmbeddedIndex(fresh_path, lock_wait_seconds=30)
    server.add(DOCUMENTS[:1])
    project = Path(__file__).resolve().parents[2]

    cli = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(fresh_path)], cwd=project
    )
    for document in DOCUMENTS[1:]:
        server.add([document])
    assert cli.wait(timeout=120) == 0

    expected = {document.id for document in DOCUMENTS} | set(range(100, 115))
    assert server.indexed_ids() == expected
    assert server.count(SearchRequest(query="批量导入")) == 15


def test_embedded_open_other_schema_raises_conflict(fresh_path: Path) -> None:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    fresh_path.mkdir()
    tantivy.Index(builder.build(), str(fresh_path))

    with pytest.raises(Conflict, match="another schema"):
        EmbeddedIndex(fresh_path)


def test_embedded_open_signed_received_order_index_raises_conflict(
    fresh_path: Path,
) -> None:
    # The schema before received_order became unsigned (it overflowed in 2038).
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    for name in ANALYZED_FIELDS:
        builder.add_text_field(f"{name}_terms", tokenizer_name=TOKENS_TOKENIZER)
        builder.add_text_field(f"{name}_bigrams", tokenizer_name=TOKENS_TOKENIZER)
    for name in (*KEYWORD_FIELDS, "title_sort"):
        builder.add_text_field(
            name, tokenizer_name="raw", fast=True, index_option="basic"
        )
    builder.add_date_field(RECEIVED_FIELD, indexed=True, fast=True)
    builder.add_integer_field("received_order", fast=True)
    builder.add_unsigned_field("title_order", fast=True)
    fresh_path.mkdir()
    tantivy.Index(builder.build(), str(fresh_path))

    with pytest.raises(Conflict, match="rebuild the index"):
        EmbeddedIndex(fresh_path)


# Cursor pagination -------------------------------------------------------------


@pytest.fixture(scope="module")
def bucket_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedIndex]:
    opened = EmbeddedIndex(tmp_path_factory.mktemp("bucket"), max_result_window=50)
    opened.add(DOCUMENTS + TITLE_BUCKET_DOCUMENTS)
    yield opened
    opened.close()


def walk_by_cursor(index: EmbeddedIndex, request: SearchRequest) -> list[int]:
    """Every hit of ``request``, page after page through ``next_cursor``."""
    ids: list[int] = []
    while True:
        result = index.search(request)
        ids.extend(hit.id for hit in result.hits)
        if result.next_cursor is None:
            return ids
        assert len(ids) < 200, "the cursor walk does not end"
        request = dataclasses.replace(request, cursor=result.next_cursor)


@pytest.mark.parametrize(("fields", "page_size"), CURSOR_CASES)
def test_embedded_cursor_walk_full_ordered_list_no_duplicates(
    bucket_index: EmbeddedIndex, fields: dict[str, object], page_size: int
) -> None:
    request = SearchRequest(page_size=page_size, **fields)  # type: ignore[arg-type]
    whole = bucket_index.search(dataclasses.replace(request, page_size=50))

    walked = walk_by_cursor(bucket_index, request)

    assert walked == [hit.id for hit in whole.hits]
    assert len(walked) == len(set(walked)) == whole.total


@pytest.mark.parametrize(("sort", "expected"), CURSOR_ORDER_CASES)
def test_embedded_cursor_walk_keyed_sorts_exact_order(
    index: EmbeddedIndex, sort: str, expected: list[int]
) -> None:
    request = SearchRequest(sort=sort, page_size=5)  # type: ignore[arg-type]

    assert walk_by_cursor(index, request) == expected


def test_embedded_cursor_title_page_boundary_inside_byte_bucket(
    bucket_index: EmbeddedIndex,
) -> None:
    keys = {title_order_key(normalize(d.title)) for d in TITLE_BUCKET_DOCUMENTS}
    request = SearchRequest(query="invoice", sort="title", page_size=2)

    walked = walk_by_cursor(bucket_index, request)

    assert len(keys) == 1  # every page boundary falls inside the one bucket
    assert walked == [
        hit.id
        for hit in bucket_index.search(dataclasses.replace(request, page_size=50)).hits
    ]
    assert len(walked) == len(TITLE_BUCKET_DOCUMENTS) + 2


def test_embedded_cursor_keeps_total_and_facets_of_whole_request(
    index: EmbeddedIndex,
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
def test_embedded_cursor_from_other_request_invalid_input(
    index: EmbeddedIndex, other: SearchRequest
) -> None:
    cursor = index.search(SearchRequest(sort="received_asc", page_size=5)).next_cursor

    with pytest.raises(InvalidInput, match="belongs to another query"):
        index.search(dataclasses.replace(other, cursor=cursor))


@pytest.mark.parametrize("cursor", ["not a cursor!", "eyJ2IjogOX0", ""])
def test_embedded_cursor_damaged_invalid_input(
    index: EmbeddedIndex, cursor: str
) -> None:
    with pytest.raises(InvalidInput, match="cursor"):
        index.search(SearchRequest(sort="title", cursor=cursor))


def test_embedded_cursor_with_page_number_invalid_input(index: EmbeddedIndex) -> None:
    cursor = index.search(SearchRequest(sort="title", page_size=5)).next_cursor

    with pytest.raises(InvalidInput, match="send page 1"):
        index.search(SearchRequest(sort="title", page=2, page_size=5, cursor=cursor))


def test_embedded_cursor_page_size_may_change_between_pages(
    index: EmbeddedIndex,
) -> None:
    first = index.search(SearchRequest(sort="title", page_size=3))

    rest = index.search(
        SearchRequest(sort="title", page_size=20, cursor=first.next_cursor)
    )

    order = dict(CURSOR_ORDER_CASES)["title"]
    assert [hit.id for hit in first.hits + rest.hits] == order
    assert rest.next_cursor is None


def test_embedded_page_beyond_window_invalid_input_suggests_cursor(
    bucket_index: EmbeddedIndex,
) -> None:
    with pytest.raises(InvalidInput, match="next_cursor") as caught:
        bucket_index.search(SearchRequest(sort="title", page=11, page_size=5))

    assert caught.value.detail["max_result_window"] == 50
    bucket_index.search(SearchRequest(sort="title", page=10, page_size=5))


def test_embedded_relevance_cursor_stops_at_window(tmp_path: Path) -> None:
    small = EmbeddedIndex(tmp_path / "index", max_result_window=6)
    small.add(DOCUMENTS)

    walked = walk_by_cursor(small, SearchRequest(page_size=3))

    assert len(walked) == 6
    with pytest.raises(InvalidInput, match="relevance"):
        small.search(SearchRequest(page=3, page_size=3))


# More like this ----------------------------------------------------------------


@pytest.mark.parametrize(("source", "fields", "expected"), SIMILAR_CASES)
def test_embedded_similar_table_exact_ids(
    index: EmbeddedIndex, source: int, fields: dict[str, object], expected: set[int]
) -> None:
    text = next(d.text for d in DOCUMENTS if d.id == source)
    request = SearchRequest(**fields)  # type: ignore[arg-type]

    result = index.similar(text, source, request, limit=20)

    assert {hit.id for hit in result.hits} == expected
    assert result.total == len(expected)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.id))
@pytest.mark.parametrize("owner", ["ana", "bo", "cy"])
def test_embedded_similar_never_source_nor_hidden(
    index: EmbeddedIndex, document: IndexDocument, owner: str
) -> None:
    visible = {d.id for d in DOCUMENTS if d.owner == owner}
    request = SearchRequest(access={"owner": [owner]})

    hits = index.similar(document.text, document.id, request, limit=20).hits

    assert document.id not in {hit.id for hit in hits}
    assert {hit.id for hit in hits} <= visible


def test_embedded_similar_best_first_and_limited(index: EmbeddedIndex) -> None:
    text = next(d.text for d in DOCUMENTS if d.id == 4)

    result = index.similar(text, 4, SearchRequest(), limit=2)

    assert len(result.hits) == 2
    assert result.total == 5
    assert result.hits[0].score >= result.hits[1].score > 0


def test_embedded_similar_bad_limit_invalid_input(index: EmbeddedIndex) -> None:
    with pytest.raises(InvalidInput, match="limit 0"):
        index.similar("合同", 1, SearchRequest(), limit=0)


# Suggestions -------------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "fields", "expected"), SUGGEST_CASES)
def test_embedded_suggest_table_exact(
    index: EmbeddedIndex,
    prefix: str,
    fields: dict[str, object],
    expected: list[tuple[str, str, int]],
) -> None:
    request = SearchRequest(**fields)  # type: ignore[arg-type]

    found = index.suggest(prefix, request)

    assert [(s.text, s.kind, s.count) for s in found] == expected


@pytest.mark.parametrize(
    "prefix", ["合", "会", "身", "北", "上", "a", "c", "p", "s", "i"]
)
@pytest.mark.parametrize("owner", ["ana", "bo", "cy"])
def test_embedded_suggest_never_reveals_hidden_documents(
    index: EmbeddedIndex, prefix: str, owner: str
) -> None:
    visible = [d for d in DOCUMENTS if d.owner == owner]
    request = SearchRequest(access={"owner": [owner]})

    for suggestion in index.suggest(prefix, request, limit=50):
        holders = [d for d in visible if _holds(d, suggestion.kind, suggestion.text)]
        assert len(holders) == suggestion.count, suggestion


def _holds(document: IndexDocument, kind: str, text: str) -> bool:
    if kind == "title":
        return normalize(document.title) == text
    if kind == "customer":
        return document.customer == text
    streams = analyze(document.text)
    return text in streams.terms or text in streams.bigrams


def test_embedded_suggest_limit_per_kind(bucket_index: EmbeddedIndex) -> None:
    found = bucket_index.suggest("inv", SearchRequest(), limit=3)

    titles = [s.text for s in found if s.kind == "title"]
    assert titles == ["invoice 2024-117", "invoice 2025-000", "invoice 2025-001"]
    assert [s.count for s in found if s.kind == "title"] == [1, 3, 2]
    assert [s.text for s in found if s.kind == "term"] == ["invoice"]


def test_embedded_suggest_key_normalizes_width_case_and_spaces() -> None:
    assert suggestion_key("  ＡＣＭＥ   Corp ") == "acme corp"
