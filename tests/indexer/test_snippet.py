"""Snippets mark the query terms in an escaped window of the original text."""

from __future__ import annotations

from indexer.snippet import ELLIPSIS, make_snippet


def test_make_snippet_script_escaped() -> None:
    snippet = make_snippet("<script>alert('x')</script> invoice due", ["invoice"])

    assert snippet == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>invoice</mark> due"
    )


def test_make_snippet_chinese_word_marked_not_apart() -> None:
    snippet = make_snippet("合 同分开；本合同有效。", ["合同"])

    assert snippet == "合 同分开；本<mark>合同</mark>有效。"


def test_make_snippet_case_and_width_insensitive_keeps_original() -> None:
    snippet = make_snippet("See the ＣＯＮＴＲＡＣＴ and the Contract.", ["contract"])

    assert (
        snippet
        == "See the <mark>ＣＯＮＴＲＡＣＴ</mark> and the <mark>Contract</mark>."
    )


def test_make_snippet_whole_words_only() -> None:
    assert make_snippet("contractor, subcontract", ["contract"]) == (
        "contractor, subcontract"
    )


def test_make_snippet_prefix_marks_words_starting_with_it() -> None:
    snippet = make_snippet("payment and payments, prepay", ["pay*"])

    assert snippet == "<mark>payment</mark> and <mark>payments</mark>, prepay"


def test_make_snippet_phrase_across_punctuation() -> None:
    snippet = make_snippet("the payment-terms apply", ["payment terms"])

    assert snippet == "the <mark>payment-terms</mark> apply"


def test_make_snippet_window_around_match() -> None:
    text = "开头" * 200 + "违约责任见第五条" + "结尾" * 200

    snippet = make_snippet(text, ["违约"], max_chars=40)

    assert "<mark>违约</mark>责任" in snippet
    assert snippet.startswith(ELLIPSIS) and snippet.endswith(ELLIPSIS)
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 42


def test_make_snippet_prefers_window_with_more_terms() -> None:
    text = (
        "invoice alone. " + "filler words here. " * 30 + "invoice with penalty clause"
    )

    snippet = make_snippet(text, ["invoice", "penalty"], max_chars=60)

    assert "<mark>penalty</mark>" in snippet


def test_make_snippet_no_match_start_of_text_escaped() -> None:
    snippet = make_snippet("a < b " + "x" * 300, ["missing"], max_chars=10)

    assert snippet == f"a &lt; b xxxx{ELLIPSIS}"
