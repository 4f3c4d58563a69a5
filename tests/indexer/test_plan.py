"""Engine-neutral keys and limits of ``indexer.plan``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from indexer.plan import (
    MAX_DOCUMENT_ID,
    Cursor,
    decode_cursor,
    encode_cursor,
    received_order,
)
from indexer.types import SearchRequest
from search_api.errors import InvalidInput
from tests.indexer.conformance_data import DOCUMENTS

SIGNED_LIMIT = 2**63
LAST_SIGNED_SECOND = datetime(2038, 1, 19, 3, 14, 7, tzinfo=UTC)


def received(moment: datetime, document_id: int = 7) -> int:
    document = dataclasses.replace(DOCUMENTS[0], id=document_id, received_at=moment)
    return received_order(document)


def test_received_order_past_2038_keeps_increasing() -> None:
    moments = [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1999, 5, 4, tzinfo=UTC),
        LAST_SIGNED_SECOND,
        datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
        datetime(2050, 6, 1, tzinfo=UTC),
        datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC),
    ]

    keys = [received(moment) for moment in moments]

    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert keys[3] >= SIGNED_LIMIT
    assert keys[-1] < 2**64


def test_received_order_same_second_ordered_by_id() -> None:
    moment = datetime(2050, 6, 1, tzinfo=UTC)

    assert received(moment, 5) < received(moment, 6) < received(moment, 2**32 - 1)
    assert received(moment, 2**32 - 1) < received(moment.replace(second=1), 0)


def test_received_order_before_2038_same_key_as_signed_layout() -> None:
    # Cursors handed out before the unsigned layout stay valid.
    seconds = int(LAST_SIGNED_SECOND.timestamp())

    assert received(LAST_SIGNED_SECOND, 42) == (seconds << 32) + 42


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2106, 2, 7, 6, 28, 16, tzinfo=UTC),
    ],
)
def test_received_order_outside_range_invalid_input(moment: datetime) -> None:
    with pytest.raises(InvalidInput, match="outside 1970-01-01") as caught:
        received(moment)

    assert caught.value.detail["document_id"] == 7


def test_received_order_id_too_large_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="outside 0"):
        received(datetime(2024, 1, 1, tzinfo=UTC), MAX_DOCUMENT_ID)


@pytest.mark.parametrize("key", [-1, 2**64])
def test_decode_cursor_received_key_out_of_range_invalid_input(key: int) -> None:
    request = SearchRequest(sort="received_desc")
    cursor = encode_cursor(request, Cursor(key=key, offset=5))

    with pytest.raises(InvalidInput, match="damaged"):
        decode_cursor(dataclasses.replace(request, cursor=cursor))


def test_decode_cursor_received_key_past_signed_range_accepted() -> None:
    request = SearchRequest(sort="received_asc")
    key = received(datetime(2050, 6, 1, tzinfo=UTC))
    cursor = encode_cursor(request, Cursor(key=key, offset=5))

    assert decode_cursor(dataclasses.replace(request, cursor=cursor)) == Cursor(key, 5)
