"""Documents and expected answers every index backend must reproduce exactly.

Backend test modules import ``DOCUMENTS``, the tables below and the helpers
that read an index of any backend; nothing here knows about a particular engine.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from indexer.types import IndexDocument, SearchRequest


def case_id(value: object) -> str | None:
    """A short pytest id for a long query string; pytest's own id otherwise."""
    if isinstance(value, str) and len(value) > 40:
        return f"{value[:16]}...{value[-8:]}({len(value)} chars)"
    return None


def matching_ids(index: Any, request: SearchRequest) -> set[int]:
    """Every id ``request`` matches, checked against its total."""
    result = index.search(dataclasses.replace(request, page_size=100))
    assert result.total == len(result.hits)
    return {hit.id for hit in result.hits}


def walk_by_cursor(index: Any, request: SearchRequest) -> list[int]:
    """Every hit of ``request``, page after page through ``next_cursor``."""
    ids: list[int] = []
    while True:
        result = index.search(request)
        ids.extend(hit.id for hit in result.hits)
        if result.next_cursor is None:
            return ids
        assert len(ids) < 200, "the cursor walk does not end"
        request = dataclasses.replace(request, cursor=result.next_cursor)


def _document(
    document_id: int,
    title: str,
    text: str,
    *,
    customer: str,
    category: str,
    sensitivity: str,
    file_type: str,
    language: str,
    received: str,
    created: str | None = None,
    filename: str = "",
    owner: str = "ana",
    groups: tuple[str, ...] = ("sales",),
) -> IndexDocument:
    return IndexDocument(
        id=document_id,
        title=title,
        text=text,
        original_filename=filename or f"{title}.{file_type}",
        customer=customer,
        category=category,
        sensitivity=sensitivity,
        file_type=file_type,
        language=language,
        received_at=datetime.fromisoformat(received).replace(tzinfo=UTC),
        owner=owner,
        groups=list(groups),
        # As given: a naive date is UTC to the index, an offset is converted.
        document_date=datetime.fromisoformat(created) if created else None,
    )


# Documents 6, 8, 10 and 11 carry no date of their own (document_date None).
DOCUMENTS: list[IndexDocument] = [
    _document(
        1,
        "采购合同",
        "甲方与乙方签订本采购合同，合同金额为人民币十万元。",
        customer="上海贸易有限公司",
        category="contract",
        sensitivity="confidential",
        file_type="pdf",
        language="zh",
        received="2024-01-15T09:00:00",
        created="2023-12-20T09:00:00",
    ),
    _document(
        2,
        "发票",
        "增值税专用发票，开票日期2024年2月3日，合计金额三万元。",
        customer="上海贸易有限公司",
        category="financial",
        sensitivity="internal",
        file_type="pdf",
        language="zh",
        received="2024-02-03T10:30:00",
        created="2024-02-03T07:30:00+08:00",
    ),
    _document(
        3,
        "会议纪要",
        "会议讨论了合作方案。案例另附。同意下月再议，各方意见一致。",
        customer="北京科技",
        category="correspondence",
        sensitivity="internal",
        file_type="docx",
        language="zh",
        received="2024-03-20T14:00:00",
        created="2024-03-19T18:00:00Z",
        owner="bo",
        groups=("engineering",),
    ),
    _document(
        4,
        "Service Contract",
        "This service contract sets the payment terms: payment within 30 days.",
        customer="ACME Corp",
        category="contract",
        sensitivity="confidential",
        file_type="pdf",
        language="en",
        received="2024-04-02T08:15:00",
        created="2024-03-28T12:00:00Z",
    ),
    _document(
        5,
        "Invoice 2024-117",
        "Invoice for consulting services. Payment terms: net 30. Total EUR 4,200.",
        customer="ACME Corp",
        category="financial",
        sensitivity="internal",
        file_type="xlsx",
        language="en",
        received="2024-05-10T16:45:00",
        created="2024-05-10",
    ),
    _document(
        6,
        "Complaint about delivery",
        "The delivery was late and the contractor did not answer the phone.",
        customer="Globex",
        category="feedback",
        sensitivity="public",
        file_type="eml",
        language="en",
        received="2024-06-30T23:59:59",
        owner="bo",
        groups=("support",),
    ),
    _document(
        7,
        "双语合同 Bilingual contract",
        "本合同一式两份。This contract is made in two copies. 违约责任见第五条。",
        customer="ACME Corp",
        category="contract",
        sensitivity="confidential",
        file_type="docx",
        language="zh",
        received="2024-07-01T00:00:00",
        created="2024-06-30T23:59:59Z",
    ),
    _document(
        8,
        "身份证复印件",
        "姓名：张三。身份证号码已遮盖。",
        customer="北京科技",
        category="identity",
        sensitivity="personal",
        file_type="png",
        language="zh",
        received="2024-08-08T08:08:08",
        owner="cy",
        groups=("hr",),
    ),
    _document(
        9,
        "技术规格",
        "系统接口采用ＨＴＴＰＳ协议，合作伙伴需提供证书。",
        customer="北京科技",
        category="technical",
        sensitivity="internal",
        file_type="pdf",
        language="zh",
        received="2024-09-09T09:09:09",
        created="2021-07-01T00:00:00Z",
    ),
    _document(
        10,
        "Product feedback",
        "Customers love the new dashboard; contracts renewal is pending.",
        customer="Globex",
        category="feedback",
        sensitivity="public",
        file_type="txt",
        language="en",
        received="2023-12-31T12:00:00",
    ),
    _document(
        11,
        "备忘录",
        "合 同 分开写的文字，不是一个词。同意书另附。",
        customer="上海贸易有限公司",
        category="other",
        sensitivity="internal",
        file_type="txt",
        language="zh",
        received="2024-10-10T10:10:10",
    ),
    _document(
        12,
        "Payment reminder",
        "Reminder: the invoice is overdue. Please pay the outstanding amount.",
        customer="ACME Corp",
        category="financial",
        sensitivity="internal",
        file_type="eml",
        language="en",
        received="2024-11-11T11:11:11",
        created="2024-11-11T11:00:00Z",
    ),
]

ALL_IDS: frozenset[int] = frozenset(document.id for document in DOCUMENTS)

# (query, expected ids): the exact set of matching documents, no access filter.
QUERY_CASES: list[tuple[str, set[int]]] = [
    ("", set(ALL_IDS)),
    # terms
    ("contract", {4, 7}),
    ("CONTRACT", {4, 7}),
    ("合同", {1, 7}),
    ("发票", {2}),
    ("合", {1, 2, 3, 7, 9, 11}),
    ("合 同", {1, 3, 7, 11}),
    ("同意", {3, 11}),
    ("https", {9}),
    ("ＨＴＴＰＳ", {9}),
    # phrases
    ('"payment terms"', {4, 5}),
    ('"days payment"', set()),
    ('"采购合同"', {1}),
    ('"合同金额"', {1}),
    ("采购合同", {1}),
    ('"合 同"', {1, 7, 11}),
    ('"合同意"', set()),
    ("方案", {3}),
    ("案例", {3}),
    # 方案 ends one CJK run and 案例 starts the next: no phrase spans the gap
    ("方案例", set()),
    ('"two copies"', {7}),
    ('"两份 this contract"', {7}),
    ('"本合同 this contract"', set()),
    # AND, implicit AND, OR
    ("payment AND invoice", {5, 12}),
    ("payment invoice", {5, 12}),
    ("合同 AND 违约", {7}),
    ("合同 违约", {7}),
    ("invoice OR delivery", {5, 6, 12}),
    ("发票 OR 会议", {2, 3}),
    ("合同 OR contract", {1, 4, 7}),
    # NOT and -term
    ("contract NOT service", {7}),
    ("contract -service", {7}),
    ("合同 NOT 违约", {1}),
    ("合同 -违约", {1}),
    ("NOT 合同", set(ALL_IDS) - {1, 7}),
    ("-contract", set(ALL_IDS) - {4, 7}),
    ("+payment +terms", {4, 5}),
    ('-"payment terms"', set(ALL_IDS) - {4, 5}),
    ('合同 -"违约责任"', {1}),
    ('合同 NOT "违约责任见"', {1}),
    # parentheses and precedence
    ("(invoice OR complaint) AND late", {6}),
    ("(发票 OR 会议) 意见", {3}),
    ("payment terms OR 违约", {4, 5, 7}),
    ("payment (terms OR 违约)", {4, 5}),
    # fields
    ("title:contract", {4, 7}),
    ("text:contract", {4, 7}),
    ("title:合同", {1, 7}),
    ("text:合同", {1, 7}),
    ('title:"service contract"', {4}),
    ("customer:acme", {4, 5, 7, 12}),
    ('customer:"ACME Corp"', {4, 5, 7, 12}),
    ("customer:上海", {1, 2, 11}),
    ("category:contract", {1, 4, 7}),
    ("category:CONTRACT", {1, 4, 7}),
    ("sensitivity:personal", {8}),
    ("type:pdf", {1, 2, 4, 9}),
    ("type:pdf 合同", {1}),
    ("language:en", {4, 5, 6, 10, 12}),
    ("filename:xlsx", {5}),
    ("filename:发票", {2}),
    ("category:(contract OR identity)", {1, 4, 7, 8}),
    ("-category:contract language:zh", {2, 3, 8, 9, 11}),
    # dates
    ("received:[2024-01-01 TO 2024-03-31]", {1, 2, 3}),
    ("received:[2024-06-30 TO 2024-07-01]", {6, 7}),
    ("received:[* TO 2024-01-31]", {1, 10}),
    ("received:[2024-11-01 TO *]", {12}),
    ("received:2024-02", {2}),
    ("received:2023", {10}),
    ("合同 received:[2024-07-01 TO *]", {7}),
    # a range beyond what an engine can hold is empty, never an error
    ("received:1500", set()),
    ("received:[* TO 1969]", set()),
    ("received:[9999 TO *]", set()),
    ("received:[1500 TO 9999-12-31]", set(ALL_IDS)),
    # the document's own date: days are UTC (document 2 is 2024-02-03 07:30
    # in Beijing, 2024-02-02 23:30 UTC); undated documents match no range
    ("date:[2024-01-01 TO 2024-06-30]", {2, 3, 4, 5, 7}),
    ("date:[2024-05 TO *]", {5, 7, 12}),
    ("date:[* TO 2022]", {9}),
    ("date:2024", {2, 3, 4, 5, 7, 12}),
    ("date:2023", {1}),
    ("date:2024-02-02", {2}),
    ("date:2024-02-03", set()),
    ("date:[2024-06-30 TO 2024-06-30]", {7}),
    ("date:[* TO *]", {1, 2, 3, 4, 5, 7, 9, 12}),
    ("date:[1500 TO 9999]", {1, 2, 3, 4, 5, 7, 9, 12}),
    ("date:1850", set()),
    ("date:[2300 TO *]", set()),
    # NOT of a date range includes the undated documents (6, 8, 10, 11)
    ("NOT date:[* TO *]", {6, 8, 10, 11}),
    ("NOT date:2024", {1, 6, 8, 9, 10, 11}),
    ("-date:[2024-01-01 TO *]", {1, 6, 8, 9, 10, 11}),
    ("合同 date:2023", {1}),
    ("合同 NOT date:2023", {7}),
    ("合 -date:[* TO *]", {11}),
    ("发票 OR date:2021", {2, 9}),
    ("会议 date:[2024-03 TO 2024-03]", {3}),
    ("contract date:[2024-01-01 TO 2024-06-30]", {4, 7}),
    ("invoice NOT date:2024-05", {12}),
    ("(invoice OR complaint) NOT date:2024", {6}),
    ("received:2024-01 date:2023-12", {1}),
    ("received:[2024-06-30 TO 2024-07-01] -date:[* TO *]", {6}),
    # prefix and fuzzy
    ("contract*", {4, 6, 7, 10}),
    ("pay*", {4, 5, 12}),
    ("invoic*", {5, 12}),
    ("合同*", {1, 7}),
    ("contrat~", {4, 7}),
    ("paymnet~1", {4, 5, 12}),
    ("paymnet~0", set()),
    ("invoise~", {5, 12}),
    ("customer:acm*", {4, 5, 7, 12}),
    # operators are uppercase only; words without tokens are ignored
    ("contract and delivery", set()),
    ("contract , !", {4, 7}),
    ("[draft]", set()),
    # an empty phrase has no tokens either: dropped, never widening an AND;
    # a query with nothing searchable at all finds nothing
    ('""', set()),
    ("🙂", set()),
    ("???", set()),
    ("NOT 🙂", set()),
    ('contract ""', {4, 7}),
    ('contract AND ""', {4, 7}),
    ('contract OR ""', {4, 7}),
    ('contract -""', {4, 7}),
    ('customer:""', set()),
    ('contract customer:""', {4, 7}),
    ('category:"" language:en', {4, 5, 6, 10, 12}),
    ('合同 (! OR "")', {1, 7}),
]

# (query, expected position): each must raise QuerySyntaxError.
SYNTAX_ERROR_CASES: list[tuple[str, int]] = [
    ("(contract OR invoice", 0),
    ("contract OR invoice)", 19),
    ("合同 AND (发票 OR 会议", 7),
    ('"unterminated phrase', 0),
    ("contract AND", 9),
    ("OR contract", 0),
    ("contract OR OR invoice", 9),
    ("()", 0),
    ("received:[2024-01-01 TO]", 9),
    ("received:[2024-13-01 TO *]", 10),
    ("received:[2024-06-01 TO 2024-01-01]", 9),
    ("received:foo", 9),
    ("received:[2024-01-01 TO *", 9),
    ("paymnet~3", 0),
    ("NOT", 0),
    # a query field with nothing after it
    ("title:", 0),
    ("contract title:", 9),
    ("customer:\t", 0),
    ("received:", 0),
    ("date:[2024-01-01 TO]", 5),
    ("date:[2024-13-01 TO *]", 6),
    ("date:[2024-06-01 TO 2024-01-01]", 5),
    ("date:foo", 5),
    ("date:", 0),
    # nesting and length limits (query.MAX_QUERY_DEPTH, MAX_QUERY_CHARS)
    ("(" * 101 + "contract" + ")" * 101, 100),
    ("NOT " * 101 + "contract", 400),
    ("-" * 101 + "contract", 100),
    ("contract " * 500, 4000),
]

# (request fields, expected ids, expected facet counts for the fields named).
# Facet counts of a field ignore that field's own selection (disjunctive).
FACET_CASES: list[tuple[dict[str, Any], set[int], dict[str, dict[str, int]]]] = [
    (
        {},
        set(ALL_IDS),
        {
            "category": {
                "contract": 3,
                "financial": 3,
                "feedback": 2,
                "correspondence": 1,
                "identity": 1,
                "technical": 1,
                "other": 1,
            },
            "language": {"zh": 7, "en": 5},
            "received_month": {
                "2023-12": 1,
                "2024-01": 1,
                "2024-02": 1,
                "2024-03": 1,
                "2024-04": 1,
                "2024-05": 1,
                "2024-06": 1,
                "2024-07": 1,
                "2024-08": 1,
                "2024-09": 1,
                "2024-10": 1,
                "2024-11": 1,
            },
        },
    ),
    (
        {"filters": {"category": ["contract"]}},
        {1, 4, 7},
        {
            "category": {
                "contract": 3,
                "financial": 3,
                "feedback": 2,
                "correspondence": 1,
                "identity": 1,
                "technical": 1,
                "other": 1,
            },
            "language": {"zh": 2, "en": 1},
            "customer": {"ACME Corp": 2, "上海贸易有限公司": 1},
        },
    ),
    (
        {"filters": {"category": ["contract", "financial"], "language": ["en"]}},
        {4, 5, 12},
        {
            "category": {"contract": 1, "financial": 2, "feedback": 2},
            "language": {"zh": 3, "en": 3},
            "file_type": {"pdf": 1, "xlsx": 1, "eml": 1},
        },
    ),
    (
        {"query": "合同 OR contract", "filters": {"file_type": ["pdf"]}},
        {1, 4},
        {"file_type": {"pdf": 2, "docx": 1}, "category": {"contract": 2}},
    ),
    (
        {"received_from": datetime(2024, 6, 30, tzinfo=UTC)},
        {6, 7, 8, 9, 11, 12},
        {"sensitivity": {"public": 1, "confidential": 1, "personal": 1, "internal": 3}},
    ),
    (
        {
            "received_from": datetime(2024, 1, 1, tzinfo=UTC),
            "received_to": datetime(2024, 6, 30, 23, 59, 59, tzinfo=UTC),
        },
        {1, 2, 3, 4, 5, 6},
        {"language": {"zh": 3, "en": 3}},
    ),
    (
        {"access": {"owner": ["bo"]}},
        {3, 6},
        {
            "category": {"correspondence": 1, "feedback": 1},
            "language": {"zh": 1, "en": 1},
        },
    ),
    (
        {"access": {"groups": ["hr", "support"]}},
        {6, 8},
        {"category": {"identity": 1, "feedback": 1}},
    ),
    (
        {"access": {"owner": ["cy"], "groups": ["engineering"]}},
        {3, 8},
        {"sensitivity": {"personal": 1, "internal": 1}},
    ),
    (
        {"access": {"owner": ["bo"]}, "filters": {"category": ["feedback"]}},
        {6},
        {"category": {"correspondence": 1, "feedback": 1}},
    ),
    ({"access": {"groups": []}}, set(), {"category": {}}),
    (
        {"query": "date:2024", "filters": {"language": ["en"]}},
        {4, 5, 12},
        {"language": {"zh": 3, "en": 3}, "category": {"financial": 2, "contract": 1}},
    ),
]

# (sort, expected ids of the first page of 5 over every document).
SORT_CASES: list[tuple[str, list[int]]] = [
    ("received_desc", [12, 11, 9, 8, 7]),
    ("received_asc", [10, 1, 2, 3, 4]),
    ("title", [6, 5, 12, 10, 4]),
]

# Documents received far from the others: 1999, the first second a signed
# 64-bit key of received time and id could not hold (2038-01-19 03:14:08 UTC),
# and twice in the same second of 2050 (ties go by id). Added on top of
# DOCUMENTS by the received-order tests.
RECEIVED_EDGE_DOCUMENTS: list[IndexDocument] = [
    _document(
        200 + number,
        title,
        text,
        customer="Initech",
        category="other",
        sensitivity="internal",
        file_type="txt",
        language="en",
        received=received,
    )
    for number, (title, text, received) in enumerate(
        [
            ("Old fax", "A fax from the last century.", "1999-05-04T10:00:00"),
            ("Epoch edge", "Sent as the clock passed 2^31.", "2038-01-19T03:14:08"),
            ("Lease renewal", "Lease renewal for 2050.", "2050-06-01T08:00:00"),
            ("Lease annex", "Annex to the 2050 lease.", "2050-06-01T08:00:00"),
        ]
    )
]

# (sort, the full order over DOCUMENTS and RECEIVED_EDGE_DOCUMENTS).
RECEIVED_EDGE_ORDER_CASES: list[tuple[str, list[int]]] = [
    ("received_desc", [203, 202, 201, 12, 11, 9, 8, 7, 6, 5, 4, 3, 2, 1, 10, 200]),
    ("received_asc", [200, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 201, 202, 203]),
]

# (query, expected ids) over DOCUMENTS and RECEIVED_EDGE_DOCUMENTS.
RECEIVED_EDGE_QUERY_CASES: list[tuple[str, set[int]]] = [
    ("received:1999", {200}),
    ("received:[* TO 2000]", {200}),
    ("received:[2038-01-19 TO *]", {201, 202, 203}),
    ("received:2050-06", {202, 203}),
    ("lease received:[2040 TO 2060]", {202, 203}),
]

# Titles sharing their first bytes ("invoice 2025-0..."), so that a title page
# boundary falls inside one group of equal leading bytes. Added on top of
# DOCUMENTS by the cursor tests.
TITLE_BUCKET_DOCUMENTS: list[IndexDocument] = [
    _document(
        100 + number,
        f"Invoice 2025-{number % 7:03d}",
        f"Quarterly invoice number {number}.",
        customer="Initech",
        category="financial",
        sensitivity="internal",
        file_type="pdf",
        language="en",
        received=f"2025-01-{1 + number % 3:02d}T12:00:00",
        owner="ana" if number % 2 else "bo",
    )
    for number in range(15)
]

# (request fields, page size): walking every page by next_cursor must give
# exactly the list of one big page of the same request, for every sort.
CURSOR_CASES: list[tuple[dict[str, Any], int]] = [
    (fields | {"sort": sort}, page_size)
    for sort in ("relevance", "received_desc", "received_asc", "title")
    for fields, page_size in (
        ({}, 1),
        ({}, 4),
        ({"query": "invoice OR 合同 OR contract"}, 2),
        ({"access": {"owner": ["ana"]}}, 3),
        ({"filters": {"category": ["financial"]}, "access": {"groups": ["sales"]}}, 4),
        ({"query": "nothing-matches-this"}, 5),
    )
]

# (sort, the full order over DOCUMENTS): the keyed sorts have one answer.
CURSOR_ORDER_CASES: list[tuple[str, list[int]]] = [
    ("received_desc", [12, 11, 9, 8, 7, 6, 5, 4, 3, 2, 1, 10]),
    ("received_asc", [10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]),
    ("title", [6, 5, 12, 10, 4, 3, 7, 2, 11, 9, 8, 1]),
]

# (source document id, request fields, expected ids): more like the source's
# text (plan.similar_terms), never the source itself.
SIMILAR_CASES: list[tuple[int, dict[str, Any], set[int]]] = [
    (1, {}, {2, 7}),
    (1, {"access": {"owner": ["bo"]}}, set()),
    (4, {}, {5, 6, 7, 10, 12}),
    (4, {"filters": {"category": ["financial"]}}, {5, 12}),
    (5, {}, {4, 12}),
    (5, {"access": {"groups": ["support"]}}, set()),
    (3, {}, {9, 11}),
    (7, {}, {1, 4, 10, 12}),
    (2, {"query": "合同"}, {1}),
]

# (prefix, request fields, expected suggestions as (text, kind, count)), in
# order: titles (normalized, alphabetical), customers, terms (by count).
SUGGEST_CASES: list[tuple[str, dict[str, Any], list[tuple[str, str, int]]]] = [
    ("合", {}, [("合作", "term", 2), ("合同", "term", 2), ("合计", "term", 1)]),
    ("合", {"access": {"owner": ["bo"]}}, [("合作", "term", 1)]),
    ("北京", {}, [("北京科技", "customer", 3)]),
    ("北京", {"access": {"owner": ["cy"]}}, [("北京科技", "customer", 1)]),
    ("会", {}, [("会议纪要", "title", 1), ("会议", "term", 1)]),
    ("会", {"access": {"owner": ["ana"]}}, []),
    (
        "PAY",
        {},
        [("payment reminder", "title", 1), ("payment", "term", 2), ("pay", "term", 1)],
    ),
    ("acme c", {}, [("ACME Corp", "customer", 4)]),
    ("ACME", {"filters": {"category": ["contract"]}}, [("ACME Corp", "customer", 2)]),
    (
        "c",
        {"access": {"groups": ["support"]}},
        [("complaint about delivery", "title", 1), ("contractor", "term", 1)],
    ),
    ("身份", {}, [("身份证复印件", "title", 1), ("身份", "term", 1)]),
    ("身份", {"access": {"owner": ["ana"]}}, []),
    ("上海贸易有", {}, [("上海贸易有限公司", "customer", 3)]),
    ("", {}, []),
    ("!!", {}, []),
]
