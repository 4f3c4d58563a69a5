"""Language choice, the catalog and the snippet guard, without a browser."""

from __future__ import annotations

import pytest

from search_api import i18n
from search_api.pages import local_path, safe_snippet


@pytest.mark.parametrize(
    ("cookie", "accept_language", "expected"),
    [
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, "en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        (None, "fr-FR,zh-TW;q=0.7,en;q=0.5", "zh"),
        (None, "en;q=0.3,zh;q=0.9", "zh"),
        (None, "de-DE", "en"),
        (None, None, "en"),
        ("en", "zh-CN", "en"),
        ("xx", "zh-CN", "zh"),
    ],
)
def test_choose_language_cookie_then_header_then_english(
    cookie: str | None, accept_language: str | None, expected: str
) -> None:
    assert i18n.choose_language(cookie, accept_language) == expected


def test_catalog_every_message_has_both_languages_and_same_fields() -> None:
    for key, (english, chinese) in i18n.MESSAGES.items():
        assert english.strip() and chinese.strip(), key
        assert _fields(english) == _fields(chinese), key


def _fields(text: str) -> set[str]:
    return {part.split("}")[0] for part in text.split("{")[1:]}


def test_translate_fills_values_in_chosen_language() -> None:
    assert i18n.translate("zh", "search.total", total=3) == "共找到 3 个文档"
    assert i18n.translate("en", "search.total", total=3) == "3 documents found"


def test_value_label_unknown_value_shown_as_is() -> None:
    assert i18n.value_label("zh", "category", "contract") == "合同"
    assert i18n.value_label("zh", "category", "月报") == "月报"


def test_format_datetime_local_conventions() -> None:
    moment = "2025-08-14T03:05:00+00:00"
    assert i18n.format_datetime("zh", moment) == "2025年8月14日 03:05 UTC"
    assert i18n.format_datetime("en", moment) == "14 Aug 2025, 03:05 UTC"


def test_safe_snippet_keeps_mark_and_escapes_any_other_tag() -> None:
    snippet = "&lt;b&gt; <mark>合同</mark> <script>alert(1)</script> &amp; x"

    shown = str(safe_snippet(snippet))

    assert "<mark>合同</mark>" in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "&lt;b&gt;" in shown and "&amp; x" in shown


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/?q=%E5%90%88", "/?q=%E5%90%88"),
        ("/ui/review", "/ui/review"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_language_switch_goes_back_only_to_this_site(
    target: str, expected: str
) -> None:
    assert local_path(target) == expected
