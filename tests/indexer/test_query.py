"""The query language parses into the expected tree or names the error's position."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.plan import (
    MAX_QUERY_CLAUSES,
    AllOf,
    AnyOf,
    Everything,
    NoneOf,
    Nothing,
    TokenMatch,
    highlight_terms,
    lower,
    query_plan,
)
from indexer.query import (
    MAX_QUERY_CHARS,
    MAX_QUERY_DEPTH,
    And,
    DateRange,
    Fuzzy,
    MatchAll,
    Not,
    Or,
    Phrase,
    Prefix,
    QuerySyntaxError,
    Term,
    parse_query,
)
from search_api.errors import InvalidInput
from tests.indexer.conformance_data import SYNTAX_ERROR_CASES, case_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", MatchAll()),
        ("   ", MatchAll()),
        ("合同", Term("合同")),
        ("a b", And((Term("a"), Term("b")))),
        ("a AND b", And((Term("a"), Term("b")))),
        ("a b OR c", Or((And((Term("a"), Term("b"))), Term("c")))),
        ("a (b OR c)", And((Term("a"), Or((Term("b"), Term("c")))))),
        ("NOT 违约", Not(Term("违约"))),
        ("-违约 +合同", And((Not(Term("违约")), Term("合同")))),
        ("e-mail", Term("e-mail")),
        ('"采购 合同"', Phrase("采购 合同")),
        ('title:"service contract"', Phrase("service contract", "title")),
        ("type:pdf", Term("pdf", "type")),
        ("title:(a OR b)", Or((Term("a", "title"), Term("b", "title")))),
        ("contr*", Prefix("contr")),
        ("paymnt~", Fuzzy("paymnt", 1)),
        ("paymnt~2", Fuzzy("paymnt", 2)),
        ("received:[2024-01-01 TO *]", DateRange(date(2024, 1, 1), None)),
        ("received:[* TO 2024-02]", DateRange(None, date(2024, 2, 29))),
        ("received:2023", DateRange(date(2023, 1, 1), date(2023, 12, 31))),
        ("date:2024-02", DateRange(date(2024, 2, 1), date(2024, 2, 29), "date")),
        ("date:[* TO 2023]", DateRange(None, date(2023, 12, 31), "date")),
        (
            "合同 -date:[2024-01-01 TO *]",
            And((Term("合同"), Not(DateRange(date(2024, 1, 1), None, "date")))),
        ),
        ("Date: 2024", And((Term("Date:"), Term("2024")))),
        ("Re: invoice", And((Term("Re:"), Term("invoice")))),
        ("color:red", Term("color:red")),
        ("a and b", And((Term("a"), Term("and"), Term("b")))),
        ('a ""', And((Term("a"), Phrase("")))),
        ('customer:""', Phrase("", "customer")),
    ],
)
def test_parse_query_forms_expected_tree(query: str, expected: object) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(("query", "position"), SYNTAX_ERROR_CASES, ids=case_id)
def test_parse_query_syntax_error_names_position(query: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)

    assert caught.value.position == position
    assert caught.value.detail["position"] == position
    assert query.startswith(caught.value.detail["query"])


def test_parse_query_syntax_error_detail_is_position_and_query() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("contract OR OR invoice")

    assert caught.value.detail == {"position": 9, "query": "contract OR OR invoice"}


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("(" * 10_000 + "contract" + ")" * 10_000, MAX_QUERY_CHARS),
        ("NOT " * 5_000 + "contract", MAX_QUERY_CHARS),
        ("-" * 1_000 + "contract", MAX_QUERY_DEPTH),
        ("+" * 1_000 + "contract", MAX_QUERY_DEPTH),
        ("(" * 300 + "contract" + ")" * 300, MAX_QUERY_DEPTH),
        ("NOT " * 500 + "contract", 4 * MAX_QUERY_DEPTH),
        ("x" * 100_000, MAX_QUERY_CHARS),
        ('"' + "合同 " * 50_000 + '"', MAX_QUERY_CHARS),
    ],
    ids=case_id,
)
def test_parse_query_beyond_limits_syntax_error_not_recursion(
    query: str, position: int
) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)

    assert caught.value.position == position


def test_parse_query_too_long_echoes_only_the_head() -> None:
    query = "contract " * 10_000

    with pytest.raises(QuerySyntaxError, match="90000 characters") as caught:
        parse_query(query)

    assert len(caught.value.detail["query"]) == MAX_QUERY_CHARS
    assert caught.value.detail["length"] == len(query)


def test_parse_query_at_limits_parses() -> None:
    depth = MAX_QUERY_DEPTH
    nested = "(" * depth + "contract" + ")" * depth
    negated = "NOT " * depth + "contract"
    longest = "a " * (MAX_QUERY_CHARS // 2)

    assert parse_query(nested) == Term("contract")
    assert isinstance(parse_query(negated), Not)
    assert len(longest) == MAX_QUERY_CHARS
    assert isinstance(parse_query(longest), And)


def test_parse_query_depth_counts_groups_and_operators_together() -> None:
    half = MAX_QUERY_DEPTH // 2
    at_limit = "(-" * half + "contract" + ")" * half

    parse_query(at_limit)
    with pytest.raises(QuerySyntaxError, match="nests deeper than"):
        parse_query("(" + at_limit + ")")


@pytest.mark.parametrize("query", ["title:", "a received:", "合同 customer:"])
def test_parse_query_field_without_value_syntax_error(query: str) -> None:
    with pytest.raises(QuerySyntaxError, match=r"field \w+: has no value"):
        parse_query(query)


def test_parse_query_pasted_field_name_with_space_is_text() -> None:
    assert query_plan("Customer: ACME") == query_plan("Customer ACME")


def test_query_plan_too_many_token_matches_invalid_input() -> None:
    words = " ".join(f"w{number}" for number in range(MAX_QUERY_CLAUSES // 4 + 1))

    with pytest.raises(InvalidInput, match="token matches") as caught:
        query_plan(words)

    assert caught.value.detail["clauses"] == 4 * (MAX_QUERY_CLAUSES // 4 + 1)
    query_plan(" ".join(f"w{number}" for number in range(MAX_QUERY_CLAUSES // 4)))
    query_plan(" ".join(f"title:w{number}" for number in range(300)))


def test_parse_query_unbalanced_parenthesis_message() -> None:
    with pytest.raises(InvalidInput, match=r"unbalanced parenthesis.* at position 13"):
        parse_query("contract AND (invoice")


def test_lower_two_cjk_characters_bigram_term() -> None:
    plan = lower(Term("合同", "text"))

    assert plan == TokenMatch("text_bigrams", ("合同",))


def test_lower_long_cjk_run_bigram_phrase() -> None:
    plan = lower(Term("采购合同", "text"))

    assert plan == TokenMatch("text_bigrams", ("采购", "购合", "合同"))


def test_lower_one_cjk_character_unigram_term() -> None:
    assert lower(Term("合", "title")) == TokenMatch("title_terms", ("合",))


def test_lower_mixed_phrase_terms_phrase_and_bigrams() -> None:
    plan = lower(Phrase("本合同 this", "text"))

    assert plan == AllOf(
        (
            TokenMatch("text_terms", ("本", "合", "同", "this")),
            TokenMatch("text_bigrams", ("本合", "合同")),
        )
    )


def test_lower_default_field_any_analyzed_field() -> None:
    plan = lower(Term("acme"))

    assert isinstance(plan, AnyOf)
    fields = {child.field for child in plan.children if isinstance(child, TokenMatch)}
    assert fields == {"title_terms", "text_terms", "filename_terms", "customer_terms"}


def test_lower_keyword_field_normalized_whole_value() -> None:
    assert lower(Term("PDF", "type")) == TokenMatch("file_type_key", ("pdf",))


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ('contract ""', "contract"),
        ('contract AND ""', "contract"),
        ('contract OR ""', "contract"),
        ('contract -""', "contract"),
        ('contract customer:""', "contract"),
        ('contract category:""', "contract"),
        ('contract (! OR "")', "contract"),
    ],
)
def test_query_plan_empty_phrase_dropped(query: str, same_as: str) -> None:
    assert query_plan(query) == query_plan(same_as)


@pytest.mark.parametrize("query", ['""', 'NOT ""', "🙂", "??? !"])
def test_query_plan_nothing_searchable_finds_nothing(query: str) -> None:
    assert query_plan(query) == Nothing()
    assert query_plan("") == Everything()


def test_lower_word_without_tokens_dropped() -> None:
    plan = lower(parse_query("contract , NOT !"))

    assert isinstance(plan, AnyOf)
    assert not isinstance(plan, NoneOf)


def test_highlight_terms_skip_negated_and_keyword_fields() -> None:
    terms = highlight_terms('合同 -违约 type:pdf "net 30" invoic* title:发票')

    assert terms == ["合同", "net 30", "invoic*", "发票"]
