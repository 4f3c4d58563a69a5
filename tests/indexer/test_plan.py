"""Engine-neutral keys and limits of ``indexer.plan``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from indexer.plan import (
    DOCUMENT_DATE_FIELD,
    MAX_DOCUMENT_ID,
    RECEIVED_FIELD,
    Cursor,
    DateMatch,
    Nothing,
    date_match,
    decode_cursor,
    encode_cursor,
    parse_document_date,
    received_order,
    suggestion_key,
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


def test_suggestion_key_normalizes_width_case_and_spaces() -> None:
    assert suggestion_key("  ＡＣＭＥ   Corp ") == "acme corp"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01T10:00:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01T08:00:00+08:00", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2024-03-01 10:00", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("20240301T100000Z", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        # ODF creation-date has nanoseconds; the index keeps whole seconds
        ("2024-03-01T10:00:00.123456789", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        (" 2024-03-01T10:00:00Z\n", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        # W3CDTF (DOCX dcterms:created) may stop at the month or the year
        ("2024-05", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024", datetime(2024, 1, 1, tzinfo=UTC)),
        ("1900-01-01T00:00:00Z", datetime(1900, 1, 1, tzinfo=UTC)),
        ("2199-12-31T23:59:59Z", datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_parse_document_date_iso_8601_utc_whole_seconds(
    value: str, expected: datetime
) -> None:
    parsed = parse_document_date(value)

    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "yesterday",
        "D:20240301100000+08'00'",
        "2024-02-30",
        "2024-13",
        "0000-00-00T00:00:00",
        "2024-03-01T25:00:00",
        # placeholders of .NET, Windows and OLE, and the far future
        "0001-01-01T00:00:00",
        "1601-01-01T00:00:00Z",
        "1899-12-30T00:00:00",
        "2200-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",
    ],
)
def test_parse_document_date_garbage_none(value: str | None) -> None:
    assert parse_document_date(value) is None


def test_date_match_open_ends_become_field_window() -> None:
    plan = date_match(DOCUMENT_DATE_FIELD, None, None)

    assert plan == DateMatch(
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC),
        DOCUMENT_DATE_FIELD,
    )


def test_date_match_bounds_in_utc_clamped_to_window() -> None:
    beijing = timezone(timedelta(hours=8))

    plan = date_match(
        RECEIVED_FIELD,
        datetime(1500, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 2, 3, 4, 5, 6, beijing),
    )

    assert plan == DateMatch(
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 19, 4, 5, tzinfo=UTC),
        RECEIVED_FIELD,
    )


@pytest.mark.parametrize(
    ("field", "start", "end"),
    [
        (RECEIVED_FIELD, datetime(1500, 1, 1), datetime(1969, 12, 31, 23, 59, 59)),
        (RECEIVED_FIELD, datetime(2200, 1, 1), None),
        (DOCUMENT_DATE_FIELD, None, datetime(1899, 12, 31, 23, 59, 59)),
        (DOCUMENT_DATE_FIELD, datetime(2200, 1, 1), None),
    ],
)
def test_date_match_outside_window_nothing(
    field: str, start: datetime | None, end: datetime | None
) -> None:
    assert date_match(field, start, end) == Nothing()
