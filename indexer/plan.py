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
  ``received_order`` a long, ``received_at`` a date (UTC seconds);
* ``TokenMatch``: one token is a ``term`` query, several a ``match_phrase``
  of the tokens joined by spaces; ``prefix`` with one token a ``prefix``
  query, with several a ``match_phrase_prefix`` (tantivy expands the last
  token to at most 50 terms, as OpenSearch does by default: this is the one
  place where very common prefixes may differ); ``fuzzy`` a ``fuzzy`` query
  with ``fuzziness`` = distance, ``transpositions`` on, ``prefix_length`` 0
  and ``max_expansions`` high (tantivy does not cap fuzzy expansion);
* ``NoneOf`` is everything minus the child; filters do not score;
* sorts: ``received_order`` or ``title_sort`` (ties are impossible, the id
  is part of both keys); facets: every bucket, then ``ordered_facet`` here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal

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
from indexer.types import FACET_FIELDS, IndexDocument, SearchRequest
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
# Ids share a 64-bit sort key with the received second (``received_order``).
MAX_DOCUMENT_ID: Final = 2**32
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
    """``received_at`` within [start, end], both included, whole seconds, UTC."""

    start: datetime | None
    end: datetime | None


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


Plan = TokenMatch | DateMatch | AllOf | AnyOf | NoneOf | Everything | Nothing


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
    fields["title_sort"] = f"{analysis.normalize(document.title)}\x00{document.id:012d}"
    return fields


def received_order(document: IndexDocument) -> int:
    """Sort key for received time; ties are broken by id, the same in every engine."""
    if not 0 <= document.id < MAX_DOCUMENT_ID:
        raise InvalidInput(
            f"document id {document.id} is outside 0..{MAX_DOCUMENT_ID - 1}",
            document_id=document.id,
        )
    seconds = int(to_utc(document.received_at).timestamp())
    return (seconds << 32) + document.id


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
    """The plan of a query string (raises ``QuerySyntaxError``)."""
    return lower(parse_query(query)) or Everything()


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
    start = _day_start(node.start) if node.start else None
    end = (
        _day_start(node.end + timedelta(days=1)) - timedelta(seconds=1)
        if node.end
        else None
    )
    if start is None and end is None:
        return Everything()
    return DateMatch(start, end)


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
    start = to_utc(request.received_from) if request.received_from else None
    end = to_utc(request.received_to) if request.received_to else None
    return DateMatch(start, end)


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
