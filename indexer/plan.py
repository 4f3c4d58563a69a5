"""Engine-neutral index fields and match plans, shared by every backend.

Backends only translate: ``index_fields`` gives the value of every engine
field of a document, ``query_plan`` and ``filter_plan`` give a tree of
``TokenMatch``/``DateMatch`` leaves over those fields. Deciding which tokens
a query matches happens here, once, so every backend answers the same.

How a query word or phrase on an analyzed field becomes tokens:

* one CJK character: term on ``<field>_terms``;
* one run of two CJK characters: term on ``<field>_bigrams`` (the fast path);
* one run of three or more: phrase of its bigrams on ``<field>_bigrams``,
  exact because bigram runs are separated by a gap position;
* one word: term on ``<field>_terms``;
* anything else (words mixed with CJK, several runs): phrase over
  ``<field>_terms`` AND the bigram match of each CJK run of two or more
  characters; the bigram clauses are implied by the phrase and only narrow
  the candidates the phrase has to verify.

A bare word that analyzes to several tokens ("e-mail", "采购合同") is a phrase.
A word with no tokens at all ("!", "-") constrains nothing and is dropped.

What another backend must do to give the same answers (OpenSearch terms):

* ``*_terms``/``*_bigrams``: text fields whose analyzer is the ``whitespace``
  tokenizer plus a ``stop`` filter with stopwords ``[GAP_TOKEN]`` (it keeps
  the gap's position), fed the strings of ``index_fields``; every other
  string field is a ``keyword`` holding the value as given;
  ``received_order`` an unsigned 64-bit number (OpenSearch
  ``unsigned_long``), ``received_at`` and ``document_date`` dates (UTC
  seconds); ``document_date`` is absent when ``plan.document_date`` gives
  ``None``, so no range matches such a document and a NOT of one includes it;
* ``TokenMatch``: one token is a ``term`` query, several a ``match_phrase``
  of the tokens joined by spaces; ``prefix`` with one token a ``prefix``
  query, with several a ``match_phrase_prefix`` (tantivy expands the last
  token to at most 50 terms, as OpenSearch does by default: this is the one
  place where very common prefixes may differ); ``fuzzy`` a ``fuzzy`` query
  with ``fuzziness`` = distance, ``transpositions`` on, ``prefix_length`` 0
  and ``max_expansions`` high (tantivy does not cap fuzzy expansion);
* ``DateMatch``: a ``range`` on its field, ``gte`` start and ``lte`` end; the
  plan keeps both inside the field's window (``DATE_WINDOWS``), which both
  engines can hold (tantivy refuses dates outside 1677..2262);
* ``NoneOf`` is everything minus the child; filters do not score;
* sorts: ``received_order`` or ``title_sort`` (ties are impossible, the id
  is part of both keys); facets: every bucket, then ``ordered_facet`` here;
* ``IdMatch``: an ``ids`` query (the document ``_id`` is the Filewarden id).

Pages and cursors (``SearchRequest.cursor``, ``SearchResult.next_cursor``):

* ``decode_cursor`` checks the cursor (InvalidInput when it is damaged, comes
  with ``page`` > 1, or its ``request_fingerprint`` differs: another query,
  filters, access, received window or sort); ``page_offset`` gives the offset
  and raises InvalidInput when a page would end past ``max_result_window``
  (default ``MAX_RESULT_WINDOW``, a backend parameter; index.max_result_window
  in OpenSearch must be at least as large); ``next_cursor`` makes the next
  cursor from the hits seen before the page, the page's hit count, the total
  and the last hit's sort key; every backend calls these three as they are;
* keyed sorts: the next page is the hits sorting strictly after ``key`` (the
  last ``received_order`` or ``title_sort`` value), so deep pages cost what
  page 1 costs; in OpenSearch ``search_after: [key]`` with the same sort.
  Total and facets stay those of the whole request (no cursor applied);
* relevance: the cursor holds only the offset, bounded by the window. tantivy
  sorts by one field only (no score-then-id) and cannot filter on a score, so
  no exact score cursor exists; ties in score may order differently across
  engines, so relevance pages agree as sets only where scores differ.

More like this (``Index.similar(text, exclude_id, request, limit)``):
``similar_terms`` picks the tokens (needing only live document frequencies
over the whole index: a ``term`` count per token, or one ``filters``
aggregation), ``similar_plan`` ORs them and leaves out ``exclude_id``; the
request's filters, received window, access and query (as a filter, not
scored) narrow it; relevance order, top ``limit``; ``total`` counts every
match; facets empty; ``highlight_terms`` are the chosen tokens.

Suggestions (``Index.suggest(prefix, request, limit)``), each kind at most
``limit``, titles then customers then terms, over the documents the request's
filters, received window and access leave (its query is ignored), so nothing
from a hidden document is ever suggested or counted:

* titles: ``key = suggestion_key(prefix)``; the documents matching
  ``title_suggestion_plan(key)``, sorted by ``title_sort``; the first
  ``limit`` distinct titles (``title_sort`` before ``TITLE_SORT_SEPARATOR``,
  i.e. normalized titles) in that order, each round leaving out the titles
  found (``title_group_plan``); count = visible documents with that title;
* customers: the ``customer`` buckets (all) of the visible documents matching
  ``customer_prefilter_plan(prefix)``, kept if ``customer_matches``, then
  ``ordered_suggestions``; the text is the customer as indexed;
* terms: ``term_suggestion_field(key)`` names the field and token prefix;
  the tokens of that field with the prefix, counted over visible documents
  (zero counts dropped), then ``ordered_suggestions`` (count, then token).
  OpenSearch: a ``terms`` aggregation with an ``include`` regex (the prefix
  escaped, then ``.*``) on a doc-values keyword copy of the document's
  distinct tokens of that field (``opensearch.py`` says why not fielddata).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal

from indexer import analysis
from indexer.query import (
    KEYWORD_QUERY_FIELDS,
    And,
    DateRange,
    Fuzzy,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    parse_query,
    positive_leaves,
)
from indexer.types import (
    FACET_FIELDS,
    IndexDocument,
    SearchRequest,
    Suggestion,
    SuggestionKind,
)
from search_api.errors import InvalidInput

logger = logging.getLogger(__name__)

ANALYZED_FIELDS: Final = ("title", "text", "filename", "customer")
DEFAULT_QUERY_FIELDS: Final = ANALYZED_FIELDS
HIGHLIGHT_FIELDS: Final = (None, "title", "text")
KEYWORD_KEY_FIELDS: Final = {
    "category": "category_key",
    "sensitivity": "sensitivity_key",
    "type": "file_type_key",
    "language": "language_key",
}
ACCESS_FIELDS: Final = ("owner", "groups")
FILTER_FIELDS: Final = (*FACET_FIELDS, *ACCESS_FIELDS)
RECEIVED_FIELD: Final = "received_at"
DOCUMENT_DATE_FIELD: Final = "document_date"
# The engine field of each date field of the query language.
DATE_QUERY_ENGINE_FIELDS: Final = {
    "received": RECEIVED_FIELD,
    "date": DOCUMENT_DATE_FIELD,
}
# ``received_order`` is an unsigned 64-bit key: received seconds since 1970
# in the upper 32 bits, the id in the lower 32. Seconds fit until 2106; a
# signed key (the first layout) overflowed on 2038-01-19 03:14:08 UTC.
MAX_DOCUMENT_ID: Final = 2**32
MAX_RECEIVED_SECONDS: Final = 2**32
# Earliest and latest moment each date field can hold. A document date before
# 1900 is a metadata placeholder (0001 of .NET, 1601 of Windows, 1899-12-30
# of OLE), never a real creation date; the end stays far inside tantivy's 2262.
DATE_WINDOWS: Final = {
    RECEIVED_FIELD: (
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime.fromtimestamp(MAX_RECEIVED_SECONDS - 1, UTC),
    ),
    DOCUMENT_DATE_FIELD: (
        datetime(1900, 1, 1, tzinfo=UTC),
        datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC),
    ),
}
# W3CDTF (DOCX ``dcterms:created``) allows a year or a year and month alone.
REDUCED_DATE_PATTERN: Final = re.compile(r"(\d{4})(?:-(\d{2}))?")
TITLE_SORT_SEPARATOR: Final = "\x00"
MAX_RESULT_WINDOW: Final = 10_000
# Lucene refuses a query of more than 1024 clauses in all (OpenSearch's
# indices.query.bool.max_clause_count); a word on every text field is four.
# Half of that is left to the filters and the caller's access values.
MAX_QUERY_CLAUSES: Final = 512
CURSOR_VERSION: Final = 1
CURSOR_HASH_CHARS: Final = 16
SIMILAR_MAX_CANDIDATES: Final = 200
SIMILAR_MAX_TERMS: Final = 25
SIMILAR_MIN_DOC_FREQ: Final = 2
SIMILAR_MAX_DOC_SHARE: Final = 0.5
MatchMode = Literal["exact", "prefix", "fuzzy"]


@dataclass(frozen=True)
class TokenMatch:
    """Tokens on one engine field: one token is a term, several an exact phrase.

    ``prefix`` makes the last token a prefix; ``fuzzy`` allows ``distance``
    edits (Levenshtein, a transposition costs 1) on a single token.
    """

    field: str
    tokens: tuple[str, ...]
    mode: MatchMode = "exact"
    distance: int = 0


@dataclass(frozen=True)
class DateMatch:
    """A date field within [start, end], both included, whole seconds, UTC.

    ``None`` leaves an end open; ``date_match`` (every plan here) gives both.
    """

    start: datetime | None
    end: datetime | None
    field: str = RECEIVED_FIELD


@dataclass(frozen=True)
class IdMatch:
    """The one document with this id."""

    id: int


@dataclass(frozen=True)
class AllOf:
    children: tuple[Plan, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Plan, ...]


@dataclass(frozen=True)
class NoneOf:
    """Every document except those matching ``child``."""

    child: Plan


@dataclass(frozen=True)
class Everything:
    pass


@dataclass(frozen=True)
class Nothing:
    pass


Plan = TokenMatch | DateMatch | IdMatch | AllOf | AnyOf | NoneOf | Everything | Nothing


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC, whole seconds; a naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def index_fields(document: IndexDocument) -> dict[str, str | list[str]]:
    """Every engine field of ``document`` except id and dates, as strings."""
    fields: dict[str, str | list[str]] = {}
    for name, value in _analyzed_values(document).items():
        streams = analysis.analyze(value)
        fields[f"{name}_terms"] = streams.terms_string
        fields[f"{name}_bigrams"] = streams.bigrams_string
    fields.update(_keyword_values(document))
    received = to_utc(document.received_at)
    fields["received_month"] = received.strftime("%Y-%m")
    fields["title_sort"] = title_sort(document)
    return fields


def document_date(document: IndexDocument) -> datetime | None:
    """The date the document carries, in UTC; ``None`` outside its window."""
    if document.document_date is None:
        return None
    moment = to_utc(document.document_date)
    if not _is_in_window(moment, DOCUMENT_DATE_FIELD):
        logger.debug(
            "document %d: date %s is outside the window, indexed without one",
            document.id,
            moment.isoformat(),
        )
        return None
    return moment


def parse_document_date(value: str | None) -> datetime | None:
    """The ISO 8601 ``value`` as a UTC moment (naive is UTC); ``None`` for garbage.

    A date alone is its midnight, a year or a year and month their first day;
    a moment outside the document date window is garbage too.
    """
    text = (value or "").strip()
    try:
        moment = _parsed_moment(text)
        moment = to_utc(moment) if moment else None
    except (ValueError, OverflowError):
        moment = None
    if moment is None or not _is_in_window(moment, DOCUMENT_DATE_FIELD):
        logger.debug("document date %r is not a usable date", text[:40])
        return None
    return moment


def _parsed_moment(text: str) -> datetime | None:
    reduced = REDUCED_DATE_PATTERN.fullmatch(text)
    if reduced:
        return datetime(int(reduced.group(1)), int(reduced.group(2) or 1), 1)
    return datetime.fromisoformat(text) if text else None


def _is_in_window(moment: datetime, field: str) -> bool:
    earliest, latest = DATE_WINDOWS[field]
    return earliest <= moment <= latest


def title_sort(document: IndexDocument) -> str:
    """Sort key for titles: the normalized title, then the id (no ties)."""
    title = analysis.normalize(document.title)
    return f"{title}{TITLE_SORT_SEPARATOR}{document.id:012d}"


def received_order(document: IndexDocument) -> int:
    """Sort key for received time; ties are broken by id, the same in every engine."""
    if not 0 <= document.id < MAX_DOCUMENT_ID:
        raise InvalidInput(
            f"document id {document.id} is outside 0..{MAX_DOCUMENT_ID - 1}",
            document_id=document.id,
        )
    seconds = int(to_utc(document.received_at).timestamp())
    if not 0 <= seconds < MAX_RECEIVED_SECONDS:
        latest = datetime.fromtimestamp(MAX_RECEIVED_SECONDS - 1, UTC)
        raise InvalidInput(
            f"document {document.id} received at {to_utc(document.received_at)}, "
            f"outside 1970-01-01 to {latest} UTC (is the clock right?)",
            document_id=document.id,
            received_at=to_utc(document.received_at).isoformat(),
        )
    return (seconds << 32) | document.id


def _analyzed_values(document: IndexDocument) -> dict[str, str]:
    return {
        "title": document.title,
        "text": document.text,
        "filename": document.original_filename,
        "customer": document.customer,
    }


def _keyword_values(document: IndexDocument) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {
        "customer": document.customer,
        "category": document.category,
        "sensitivity": document.sensitivity,
        "file_type": document.file_type,
        "language": document.language,
        "owner": document.owner,
        "groups": list(document.groups),
        "category_key": analysis.keyword_key(document.category),
        "sensitivity_key": analysis.keyword_key(document.sensitivity),
        "file_type_key": analysis.keyword_key(document.file_type),
        "language_key": analysis.keyword_key(document.language),
    }
    return values


def query_plan(query: str) -> Plan:
    """The plan of a query string (raises ``QuerySyntaxError``, ``InvalidInput``)."""
    node = parse_query(query)
    # A query of words with nothing searchable in them ("🙂", "???") finds
    # nothing; only the empty query means every document.
    plan = lower(node) or (Everything() if isinstance(node, MatchAll) else Nothing())
    clauses = _leaf_count(plan)
    if clauses > MAX_QUERY_CLAUSES:
        raise InvalidInput(
            f"the query expands to {clauses} token matches, more than "
            f"{MAX_QUERY_CLAUSES}; use fewer words, or name a field (title:word) "
            "instead of searching every text field",
            clauses=clauses,
            max_clauses=MAX_QUERY_CLAUSES,
        )
    return plan


def _leaf_count(plan: Plan) -> int:
    if isinstance(plan, AllOf | AnyOf):
        return sum(map(_leaf_count, plan.children))
    if isinstance(plan, NoneOf):
        return _leaf_count(plan.child)
    return 1


def highlight_terms(query: str) -> list[str]:
    """Positive words and phrases of the query on text; a prefix keeps its ``*``."""
    terms: list[str] = []
    for leaf in positive_leaves(parse_query(query)):
        if leaf.field not in HIGHLIGHT_FIELDS or not analysis.segments(leaf.text):
            continue
        term = f"{leaf.text}*" if isinstance(leaf, Prefix) else leaf.text
        if term not in terms:
            terms.append(term)
    return terms


def lower(node: Node) -> Plan | None:
    """The plan of one query node; ``None`` when it constrains nothing."""
    if isinstance(node, MatchAll):
        return Everything()
    if isinstance(node, DateRange):
        return _date_plan(node)
    if isinstance(node, Not):
        child = lower(node.child)
        return None if child is None else NoneOf(child)
    if isinstance(node, And | Or):
        return _boolean_plan(node)
    return _leaf_plan(node)


def _boolean_plan(node: And | Or) -> Plan | None:
    children = tuple(plan for plan in map(lower, node.children) if plan is not None)
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    return AllOf(children) if isinstance(node, And) else AnyOf(children)


def _date_plan(node: DateRange) -> Plan:
    field = DATE_QUERY_ENGINE_FIELDS[node.field]
    start = _day_start(node.start) if node.start else None
    end = _day_end(node.end) if node.end else None
    if start is None and end is None and field == RECEIVED_FIELD:
        # Every document has a received time; a document date may be absent.
        return Everything()
    return date_match(field, start, end)


def date_match(field: str, start: datetime | None, end: datetime | None) -> Plan:
    """``field`` within [start, end], both ends brought inside the field's window.

    An open end becomes the window's, so the match holds exactly the documents
    with a value; a range wholly outside the window matches nothing.
    """
    earliest, latest = DATE_WINDOWS[field]
    start = max(to_utc(start), earliest) if start else earliest
    end = min(to_utc(end), latest) if end else latest
    if start > end:
        return Nothing()
    return DateMatch(start, end, field)


def _day_end(day: date) -> datetime:
    if day == date.max:
        return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    return _day_start(day + timedelta(days=1)) - timedelta(seconds=1)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _leaf_plan(leaf: Term | Phrase | Prefix | Fuzzy) -> Plan | None:
    if leaf.field in KEYWORD_QUERY_FIELDS:
        return _keyword_plan(leaf, KEYWORD_KEY_FIELDS[leaf.field])
    fields = DEFAULT_QUERY_FIELDS if leaf.field is None else (leaf.field,)
    plans = [plan for plan in (_text_plan(leaf, name) for name in fields) if plan]
    if not plans:
        return None
    return plans[0] if len(plans) == 1 else AnyOf(tuple(plans))


def _keyword_plan(leaf: Term | Phrase | Prefix | Fuzzy, field: str) -> Plan | None:
    key = analysis.keyword_key(leaf.text)
    if not key:
        return None
    if isinstance(leaf, Prefix):
        return TokenMatch(field, (key,), "prefix")
    if isinstance(leaf, Fuzzy):
        return TokenMatch(field, (key,), "fuzzy", leaf.distance)
    return TokenMatch(field, (key,))


def _text_plan(leaf: Term | Phrase | Prefix | Fuzzy, field: str) -> Plan | None:
    """The tokens of one word or phrase on one analyzed field (module docstring)."""
    found = analysis.segments(leaf.text)
    if not found:
        return None
    tokens = tuple(token for text, is_cjk in found for token in _split(text, is_cjk))
    last_is_word = not found[-1][1]
    if isinstance(leaf, Prefix) and last_is_word:
        return TokenMatch(f"{field}_terms", tokens, "prefix")
    if isinstance(leaf, Fuzzy) and len(found) == 1 and last_is_word:
        return TokenMatch(f"{field}_terms", tokens, "fuzzy", leaf.distance)
    if len(found) == 1:
        return _single_segment_plan(found[0], field)
    runs = [
        _run_plan(text, field) for text, is_cjk in found if is_cjk and len(text) > 1
    ]
    return AllOf((TokenMatch(f"{field}_terms", tokens), *runs))


def _split(text: str, is_cjk: bool) -> tuple[str, ...]:
    return tuple(text) if is_cjk else (text,)


def _single_segment_plan(segment: tuple[str, bool], field: str) -> Plan:
    text, is_cjk = segment
    if not is_cjk or len(text) == 1:
        return TokenMatch(f"{field}_terms", (text,))
    return _run_plan(text, field)


def _run_plan(run: str, field: str) -> TokenMatch:
    return TokenMatch(f"{field}_bigrams", tuple(analysis.pair_bigrams(run)))


def filter_plans(request: SearchRequest) -> dict[str, Plan]:
    """One plan per selected facet field (values OR-ed); fields are AND-ed."""
    plans: dict[str, Plan] = {}
    for field, values in request.filters.items():
        _check_filter_field(field, "filters")
        if values:
            plans[field] = _values_plan(field, values)
    return plans


def access_plan(request: SearchRequest) -> Plan | None:
    """The caller's view: a document is visible when any access field matches.

    ``{"owner": ["ana"], "groups": ["sales"]}`` shows Ana's documents and those
    of the sales group; a field with no values grants nothing, so a caller
    whose lists are all empty sees nothing. No access fields: no restriction.
    """
    if not request.access:
        return None
    plans = []
    for field, values in request.access.items():
        _check_filter_field(field, "access")
        if values:
            plans.append(_values_plan(field, values))
    if not plans:
        return Nothing()
    return plans[0] if len(plans) == 1 else AnyOf(tuple(plans))


def received_plan(request: SearchRequest) -> Plan | None:
    """The request's received_from/received_to window, both ends included."""
    if request.received_from is None and request.received_to is None:
        return None
    return date_match(RECEIVED_FIELD, request.received_from, request.received_to)


def _values_plan(field: str, values: list[str]) -> Plan:
    matches = tuple(TokenMatch(field, (value,)) for value in dict.fromkeys(values))
    return matches[0] if len(matches) == 1 else AnyOf(matches)


def _check_filter_field(field: str, where: str) -> None:
    if field not in FILTER_FIELDS:
        expected = ", ".join(FILTER_FIELDS)
        raise InvalidInput(
            f"unknown {where} field '{field}'; expected one of {expected}",
            field=field,
        )


def ordered_facet(counts: dict[str, int], size: int | None) -> dict[str, int]:
    """Buckets by count, then value, cut to ``size``: the same in every backend.

    Engines break ties among equal counts differently, so all buckets are
    fetched and the order and the top-N cut are decided here.
    """
    ordered = sorted(counts.items(), key=lambda bucket: (-bucket[1], bucket[0]))
    return dict(ordered[:size])


# Pagination -----------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after ``key``, ``offset`` hits into the list.

    ``key`` is the last hit's sort key (``received_order`` or ``title_sort``);
    relevance has none and starts at ``offset``.
    """

    key: int | str | None
    offset: int


def request_fingerprint(request: SearchRequest) -> str:
    """A short hash of everything that decides a request's ordered hit list."""
    shape = {
        "query": request.query,
        "filters": _canonical_values(request.filters),
        "access": _canonical_values(request.access),
        "from": _moment_text(request.received_from),
        "to": _moment_text(request.received_to),
        "sort": request.sort,
    }
    canonical = json.dumps(shape, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:CURSOR_HASH_CHARS]


def encode_cursor(request: SearchRequest, cursor: Cursor) -> str:
    """The opaque cursor string: URL-safe base64 of a small JSON object."""
    body: dict[str, object] = {
        "v": CURSOR_VERSION,
        "f": request_fingerprint(request),
        "k": cursor.key,
        "o": cursor.offset,
    }
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(request: SearchRequest) -> Cursor | None:
    """The request's cursor, checked to come from the same query, filters and sort."""
    if request.cursor is None:
        return None
    if request.page != 1:
        raise InvalidInput(
            f"page {request.page} given with a cursor; a cursor replaces the page "
            "number, so send page 1 with it",
            page=request.page,
        )
    body = _cursor_body(request.cursor)
    if body.get("f") != request_fingerprint(request):
        raise InvalidInput(
            "the cursor belongs to another query, filter, access or sort; "
            "cursors only continue the request that returned them",
            cursor=request.cursor,
        )
    return _cursor_from_body(body, request)


def _cursor_body(text: str) -> dict[str, Any]:
    try:
        padded = text + "=" * (-len(text) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError) as err:
        raise InvalidInput(
            f"cursor {text[:40]!r} is not a cursor this index returned",
            cursor=text,
        ) from err
    if not isinstance(body, dict) or body.get("v") != CURSOR_VERSION:
        raise InvalidInput(
            f"cursor {text[:40]!r} is not a cursor this index returned", cursor=text
        )
    return body


def _cursor_from_body(body: dict[str, Any], request: SearchRequest) -> Cursor:
    key, offset = body.get("k"), body.get("o")
    expected_key: type = int if request.sort.startswith("received") else str
    is_key_valid = (
        key is None if request.sort == "relevance" else (type(key) is expected_key)
    )
    if type(key) is int:
        # An unsigned 64-bit ``received_order``; engines refuse anything else.
        is_key_valid = is_key_valid and 0 <= key < MAX_RECEIVED_SECONDS << 32
    if not (is_key_valid and type(offset) is int and offset >= 0):
        raise InvalidInput(
            "the cursor is damaged (key or offset of the wrong type)",
            cursor=request.cursor,
        )
    return Cursor(key=key, offset=offset)


def page_offset(
    request: SearchRequest, cursor: Cursor | None, max_result_window: int
) -> int:
    """The offset of the requested page, checked against ``max_result_window``.

    Relevance pages (and page numbers of any sort) are offsets, costly to
    reach deep, so a page may not end past ``max_result_window`` hits (as
    OpenSearch's ``index.max_result_window``). A keyed cursor has no limit.
    """
    if request.page < 1 or request.page_size < 1:
        raise InvalidInput(
            f"page {request.page} with page size {request.page_size}: "
            "both must be 1 or more",
            page=request.page,
            page_size=request.page_size,
        )
    if cursor is not None and cursor.key is not None:
        return 0
    offset = cursor.offset if cursor else (request.page - 1) * request.page_size
    if offset + request.page_size > max_result_window:
        raise InvalidInput(
            _window_message(request, offset, max_result_window),
            offset=offset,
            page_size=request.page_size,
            max_result_window=max_result_window,
        )
    return offset


def _window_message(request: SearchRequest, offset: int, window: int) -> str:
    reached = f"hits {offset + 1} to {offset + request.page_size}"
    if request.sort == "relevance":
        return (
            f"{reached} lie beyond the first {window} by relevance; narrow the "
            "query or filters, or sort by date or title and follow next_cursor"
        )
    return (
        f"{reached} lie beyond the first {window}; follow next_cursor "
        "from page 1 to go deeper"
    )


def next_cursor(
    request: SearchRequest,
    seen_before: int,
    page_hits: int,
    total: int,
    last_key: int | str | None,
    max_result_window: int,
) -> str | None:
    """The cursor of the page after this one, or ``None`` when there is none.

    ``seen_before`` is how many hits came before this page. There is none
    after the last hit, nor for relevance when the next page would end past
    ``max_result_window`` (it could not be served).
    """
    seen = seen_before + page_hits
    if page_hits < request.page_size or seen >= total:
        return None
    if request.sort == "relevance":
        if seen + request.page_size > max_result_window:
            return None
        return encode_cursor(request, Cursor(key=None, offset=seen))
    return encode_cursor(request, Cursor(key=last_key, offset=seen))


def _canonical_values(values: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: sorted(set(chosen)) for field, chosen in values.items() if chosen}


def _moment_text(moment: datetime | None) -> str | None:
    return None if moment is None else to_utc(moment).isoformat()


# More like this ---------------------------------------------------------------


def similar_terms(
    text: str, doc_freqs: Callable[[str, list[str]], dict[str, int]], documents: int
) -> list[TokenMatch]:
    """The most distinctive tokens of ``text``, one ``TokenMatch`` each, to OR.

    Candidates are the words (two or more characters, not only digits) of
    ``text_terms`` and the bigrams of ``text_bigrams``, the
    ``SIMILAR_MAX_CANDIDATES`` most frequent in ``text`` (ties: first seen).
    ``doc_freqs(field, tokens)`` gives for each token the number of live
    documents of the whole index (no filter, no access) holding it in that
    field; ``documents`` is the number of live documents. A candidate held by
    fewer than ``SIMILAR_MIN_DOC_FREQ`` documents (only the source itself) or
    by more than ``SIMILAR_MAX_DOC_SHARE`` of them is skipped. The rest are
    weighted tf * ln(1 + (N - df + 0.5) / (df + 0.5)) and the
    ``SIMILAR_MAX_TERMS`` heaviest kept (ties: field, then token).
    """
    candidates = _similar_candidates(text)
    weighted: list[tuple[float, str, str]] = []
    for field in ("text_terms", "text_bigrams"):
        counts = {
            token: tf for (name, token), tf in candidates.items() if name == field
        }
        if not counts:
            continue
        frequencies = doc_freqs(field, sorted(counts))
        for token, tf in counts.items():
            df = frequencies.get(token, 0)
            if df < SIMILAR_MIN_DOC_FREQ or df > documents * SIMILAR_MAX_DOC_SHARE:
                continue
            idf = math.log(1 + (documents - df + 0.5) / (df + 0.5))
            weighted.append((tf * idf, field, token))
    weighted.sort(key=lambda entry: (-entry[0], entry[1], entry[2]))
    return [
        TokenMatch(field, (token,)) for _, field, token in weighted[:SIMILAR_MAX_TERMS]
    ]


def _similar_candidates(text: str) -> dict[tuple[str, str], int]:
    streams = analysis.analyze(text)
    words = [token for token in streams.terms if len(token) > 1 and not token.isdigit()]
    tokens = [("text_terms", word) for word in words] + [
        ("text_bigrams", bigram)
        for bigram in streams.bigrams
        if bigram != analysis.GAP_TOKEN
    ]
    counts = Counter(tokens)
    first_seen = {
        token: position for position, token in reversed(list(enumerate(tokens)))
    }
    ranked = sorted(counts, key=lambda token: (-counts[token], first_seen[token]))
    return {token: counts[token] for token in ranked[:SIMILAR_MAX_CANDIDATES]}


def similar_plan(terms: list[TokenMatch], exclude_id: int) -> Plan:
    """Any of ``terms``, never the source document (``id`` is a keyword-like id)."""
    if not terms:
        return Nothing()
    return AllOf((AnyOf(tuple(terms)), NoneOf(IdMatch(exclude_id))))


# Suggestions ------------------------------------------------------------------


def suggestion_key(prefix: str) -> str:
    """The typed prefix as titles and customers are compared: normalized, spaced."""
    key = " ".join(analysis.normalize(prefix).split())
    # Keeps a typed NUL from reaching into the id part of ``title_sort``.
    return "".join(character for character in key if character.isprintable())


def title_suggestion_plan(key: str) -> TokenMatch:
    """``title_sort`` values starting with the prefix key (normalized title, id)."""
    return TokenMatch("title_sort", (key,), "prefix")


def title_group_plan(title: str) -> TokenMatch:
    """Every document whose normalized title is exactly ``title``."""
    return TokenMatch("title_sort", (f"{title}{TITLE_SORT_SEPARATOR}",), "prefix")


def customer_prefilter_plan(prefix: str) -> Plan | None:
    """A superset of the documents whose customer starts with ``prefix``.

    Only the first word or CJK run of the prefix is used, so no expansion cap
    can drop a customer; the exact check is ``customer_matches``.
    """
    found = analysis.segments(prefix)
    if not found:
        return None
    text, is_cjk = found[0]
    is_whole = len(found) > 1 or prefix.rstrip() != prefix
    if is_cjk:
        return _single_segment_plan((text, True), "customer")
    if is_whole:
        return TokenMatch("customer_terms", (text,))
    return TokenMatch("customer_terms", (text,), "prefix")


def customer_matches(customer: str, key: str) -> bool:
    return suggestion_key(customer).startswith(key)


def term_suggestion_field(key: str) -> tuple[str, str] | None:
    """The field and token prefix of term suggestions, if the prefix is one token.

    A word prefix completes words of ``text_terms``; one or two CJK characters
    complete bigrams of ``text_bigrams``; anything else has no term suggestions.
    """
    found = analysis.segments(key)
    if len(found) != 1 or analysis.normalize(key) != found[0][0]:
        return None
    text, is_cjk = found[0]
    if not is_cjk:
        return "text_terms", text
    return ("text_bigrams", text) if len(text) <= 2 else None


def ordered_suggestions(
    counts: dict[str, int], kind: SuggestionKind, limit: int
) -> list[Suggestion]:
    """The ``limit`` suggestions with most documents, then by text."""
    ordered = sorted(counts.items(), key=lambda entry: (-entry[1], entry[0]))
    return [Suggestion(text, kind, count) for text, count in ordered[:limit] if count]
