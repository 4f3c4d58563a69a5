"""Tokens both backends index: words, CJK unigrams and CJK bigrams."""

from __future__ import annotations

import pytest

from indexer.analysis import GAP_TOKEN, MAX_WORD_CHARS, analyze, normalize, segments


def test_normalize_full_width_and_case_folded() -> None:
    assert normalize("ＡＢＣ１２３，Straße") == "abc123,strasse"


def test_analyze_mixed_text_terms_in_order() -> None:
    analysis = analyze("采购合同 No.42 签订")

    assert analysis.terms == ["采", "购", "合", "同", "no", "42", "签", "订"]


def test_analyze_cjk_runs_bigrams_with_gap_between_runs() -> None:
    analysis = analyze("合同。同意 x 签")

    assert analysis.bigrams == ["合同", GAP_TOKEN, "同意"]


def test_analyze_single_character_run_no_bigram() -> None:
    assert analyze("签 contract").bigrams == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("e-mail", ["e", "mail"]),
        ("file_name.pdf", ["file", "name", "pdf"]),
        ("2024-05-01", ["2024", "05", "01"]),
        ("カタカナ・한국", ["カ", "タ", "カ", "ナ", "한", "국"]),
    ],
)
def test_analyze_separators_split_words(text: str, expected: list[str]) -> None:
    assert analyze(text).terms == expected


def test_analyze_overlong_word_dropped() -> None:
    blob = "a" * (MAX_WORD_CHARS + 1)

    assert analyze(f"before {blob} after").terms == ["before", "after"]


def test_analyze_token_strings_space_joined() -> None:
    analysis = analyze("甲方 ABC")

    assert analysis.terms_string == "甲 方 abc"
    assert analysis.bigrams_string == "甲方"


def test_segments_runs_and_words_flagged() -> None:
    assert segments("违约ＡＢＣ责任") == [
        ("违约", True),
        ("abc", False),
        ("责任", True),
    ]
