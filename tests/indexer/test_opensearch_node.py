"""The test node of scripts/opensearch-node.sh serves what the backend needs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch, helpers

pytestmark = pytest.mark.opensearch

URL_VARIABLE = "FILEWARDEN_TEST_OPENSEARCH_URL"

ANALYSIS_SETTINGS = {
    "analyzer": {
        "folded_words": {
            "type": "custom",
            "tokenizer": "whitespace",
            "filter": ["lowercase"],
        },
        "chinese_bigrams": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram"],
        },
    }
}

MAPPINGS = {
    "properties": {
        "title": {"type": "text", "analyzer": "folded_words"},
        "text": {"type": "text", "analyzer": "folded_words"},
        "category": {"type": "keyword"},
        "received_at": {"type": "date"},
    }
}

DOCUMENTS = [
    {
        "_id": "1",
        "title": "Invoice March",
        "text": "Invoice for Server RENTAL in March",
        "category": "invoice",
        "received_at": "2024-03-02T10:00:00Z",
    },
    {
        "_id": "2",
        "title": "Invoice April",
        "text": "invoice for server rental in April",
        "category": "invoice",
        "received_at": "2024-04-02T10:00:00Z",
    },
    {
        "_id": "3",
        "title": "Lease contract",
        "text": "Lease contract for the office floor",
        "category": "contract",
        "received_at": "2024-05-10T09:30:00Z",
    },
]


@pytest.fixture(scope="module")
def client() -> OpenSearch:
    """A client for the node started by scripts/opensearch-node.sh."""
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{URL_VARIABLE} is unset; run scripts/opensearch-node.sh start "
            f"and export {URL_VARIABLE}=$(cat .opensearch/url)"
        )
    return OpenSearch(hosts=[url], timeout=30)


@pytest.fixture
def index_name(client: OpenSearch) -> Iterator[str]:
    """A unique index name prefix, with every index under it deleted afterwards."""
    prefix = f"fw-node-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    client.indices.delete(index=f"{prefix}*", ignore_unavailable=True)


def create_index(client: OpenSearch, name: str) -> None:
    settings = {
        "number_of_shards": 1,
        "number_of_replicas": 0,
        "analysis": ANALYSIS_SETTINGS,
    }
    client.indices.create(index=name, body={"settings": settings, "mappings": MAPPINGS})


def load_documents(client: OpenSearch, name: str) -> None:
    actions = [{"_index": name, **document} for document in DOCUMENTS]
    indexed, errors = helpers.bulk(client, actions, refresh="wait_for")
    assert (indexed, errors) == (3, [])


def test_node_custom_analyzer_index_search_aggregates_and_highlights(
    client: OpenSearch, index_name: str
) -> None:
    create_index(client, index_name)
    load_documents(client, index_name)

    response = client.search(
        index=index_name,
        body={
            "query": {"match": {"text": "rental"}},
            "aggs": {"categories": {"terms": {"field": "category"}}},
            "highlight": {"fields": {"text": {}}},
        },
    )

    hits = response["hits"]["hits"]
    assert sorted(hit["_id"] for hit in hits) == ["1", "2"]
    buckets = response["aggregations"]["categories"]["buckets"]
    assert buckets == [{"key": "invoice", "doc_count": 2}]
    fragments = [hit["highlight"]["text"][0] for hit in hits]
    assert sorted(fragments) == [
        "Invoice for Server <em>RENTAL</em> in March",
        "invoice for server <em>rental</em> in April",
    ]


def test_node_date_range_and_more_like_this_find_expected_documents(
    client: OpenSearch, index_name: str
) -> None:
    create_index(client, index_name)
    load_documents(client, index_name)

    in_april = client.search(
        index=index_name,
        body={
            "query": {
                "range": {"received_at": {"gte": "2024-04-01", "lt": "2024-05-01"}}
            }
        },
    )
    similar = client.search(
        index=index_name,
        body={
            "query": {
                "more_like_this": {
                    "fields": ["text"],
                    "like": [{"_index": index_name, "_id": "1"}],
                    "min_term_freq": 1,
                    "min_doc_freq": 1,
                }
            }
        },
    )

    assert [hit["_id"] for hit in in_april["hits"]["hits"]] == ["2"]
    # Document 3 shares only "for" with document 1, so it may trail; 2 must lead.
    similar_ids = [hit["_id"] for hit in similar["hits"]["hits"]]
    assert similar_ids[0] == "2"
    assert "1" not in similar_ids


def test_node_alias_swap_moves_reads_to_new_index(
    client: OpenSearch, index_name: str
) -> None:
    old, new, alias = f"{index_name}-v1", f"{index_name}-v2", f"{index_name}-live"
    create_index(client, old)
    create_index(client, new)
    client.index(index=old, id="old", body={"category": "old"}, refresh=True)
    client.index(index=new, id="new", body={"category": "new"}, refresh=True)
    client.indices.put_alias(index=old, name=alias)

    client.indices.update_aliases(
        body={
            "actions": [
                {"remove": {"index": old, "alias": alias}},
                {"add": {"index": new, "alias": alias}},
            ]
        }
    )

    response = client.search(index=alias, body={"query": {"match_all": {}}})
    assert [hit["_id"] for hit in response["hits"]["hits"]] == ["new"]
    assert list(client.indices.get_alias(name=alias)) == [new]


def test_node_cjk_bigram_analyzer_splits_chinese_into_bigrams(
    client: OpenSearch, index_name: str
) -> None:
    create_index(client, index_name)

    response = client.indices.analyze(
        index=index_name,
        body={"analyzer": "chinese_bigrams", "text": "中华人民共和国合同"},
    )

    tokens = [token["token"] for token in response["tokens"]]
    assert tokens == ["中华", "华人", "人民", "民共", "共和", "和国", "国合", "合同"]
