"""What only the embedded tantivy backend has: folder locks, schemas, options.

The answers it shares with OpenSearch are in ``test_conformance.py``, which
runs the conformance table on both backends.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tantivy

from indexer import embedded
from indexer.analysis import normalize
from indexer.embedded import (
    KEYWORD_FIELDS,
    TOKENS_TOKENIZER,
    EmbeddedIndex,
    title_order_key,
)
from indexer.plan import ANALYZED_FIELDS, RECEIVED_FIELD
from indexer.types import SearchRequest
from search_api.errors import Conflict, InvalidInput
from tests.indexer.conformance_data import (
    DOCUMENTS,
    QUERY_CASES,
    TITLE_BUCKET_DOCUMENTS,
    matching_ids,
    walk_by_cursor,
)


@pytest.fixture
def fresh_path(tmp_path: Path) -> Path:
    return tmp_path / "index"


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
    assert matching_ids(reopened, SearchRequest(query="date:2023")) == {1}


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


def schema_without_document_date(signed_received_order: bool) -> tantivy.Schema:
    """An earlier schema: no document_date, and at first a signed received_order."""
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
    if signed_received_order:
        # It overflowed in 2038, hence the unsigned key of today's schema.
        builder.add_integer_field("received_order", fast=True)
    else:
        builder.add_unsigned_field("received_order", fast=True)
    builder.add_unsigned_field("title_order", fast=True)
    return builder.build()


@pytest.mark.parametrize("signed_received_order", [True, False])
def test_embedded_open_earlier_schema_raises_conflict_to_rebuild(
    fresh_path: Path, signed_received_order: bool
) -> None:
    fresh_path.mkdir()
    tantivy.Index(schema_without_document_date(signed_received_order), str(fresh_path))

    with pytest.raises(Conflict, match="filewarden reindex") as caught:
        EmbeddedIndex(fresh_path)

    assert caught.value.detail["path"] == str(fresh_path)


# Cursors and the result window (a constructor option of this backend) ----------


@pytest.fixture(scope="module")
def bucket_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedIndex]:
    opened = EmbeddedIndex(tmp_path_factory.mktemp("bucket"), max_result_window=50)
    opened.add(DOCUMENTS + TITLE_BUCKET_DOCUMENTS)
    yield opened
    opened.close()


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


# Analysis in worker processes ---------------------------------------------------


def test_embedded_analysis_processes_same_answers_as_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The threshold is lowered so that twelve documents go to the workers.
    monkeypatch.setattr(embedded, "PARALLEL_MIN_DOCUMENTS", 1)
    in_process = EmbeddedIndex(tmp_path / "serial")
    in_process.add(DOCUMENTS)
    parallel = EmbeddedIndex(tmp_path / "parallel", analysis_processes=2)

    parallel.add(DOCUMENTS)
    pool_started = parallel._pool is not None
    parallel.close()

    assert pool_started
    reopened = EmbeddedIndex(tmp_path / "parallel")
    for query, _ in QUERY_CASES:
        request = SearchRequest(query=query)
        assert matching_ids(reopened, request) == matching_ids(in_process, request)
