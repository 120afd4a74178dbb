"""Which language a page is in, and the UI strings in both languages."""

from __future__ import annotations

import re

import pytest

from app.web.i18n import STRINGS, choose_language, normalize, translator


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "zh"),
        (None, None, "en-US,en;q=0.9", "en"),
        (None, None, "fr-FR,fr;q=0.9,en;q=0.8", "en"),
        (None, None, "en;q=0.3,zh-CN;q=0.8", "zh"),
        (None, None, "de, fr", "zh"),
        (None, "en", "zh-CN", "en"),
        ("zh", "en", "en", "zh"),
        ("xx", "en", None, "en"),
        (None, "garbage", "en", "en"),
        (None, None, "en;q=abc", "en"),
    ],
)
def test_query_then_cookie_then_accept_language_then_chinese(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert choose_language(query, cookie, header) == expected


def test_normalize_keeps_only_the_two_languages() -> None:
    assert [normalize(c) for c in ("en-GB", "zh_Hans_CN", "ZH", "", None, "es")] == [
        "en",
        "zh",
        "zh",
        None,
        None,
        None,
    ]


def test_every_string_has_both_languages_with_the_same_placeholders() -> None:
    for name, (zh, en) in STRINGS.items():
        assert zh and en, name
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), name


def test_translate_fills_placeholders_and_shows_a_missing_name_as_itself() -> None:
    assert translator("en")("results", count=3) == "3 metrics"
    assert translator("zh")("results", count=3) == "3 个指标"
    assert translator("zh")("no_such_string") == "no_such_string"
