"""Snippets: a window of a document's text around the query terms, marked up.

Done in Filewarden rather than by an engine, so every backend shows the same
snippet. Matching uses the index's own tokens: "合同" marks the two characters
wherever they stand together, "Contract" marks "CONTRACT" but not "contractor",
"contr*" marks every word starting with "contr".
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from indexer import analysis

logger = logging.getLogger(__name__)

ELLIPSIS: Final = "…"
# Share of the window shown before the first match, so it reads in context.
LEADING_CONTEXT_SHARE: Final = 0.25
# Matches are looked for in this much text only (some 30 ms of work); a
# document whose first match lies further shows its start.
MAX_SCAN_CHARS: Final = 200_000
NORMALIZE_CHUNK_CHARS: Final = 64
_WORD_CHAR: Final = f"[^\\W_{analysis.CJK_CHARACTERS}]"
_WORD_START: Final = f"(?<!{_WORD_CHAR})"
_WORD_END: Final = f"(?!{_WORD_CHAR})"
_SEPARATOR: Final = "[\\W_]*"


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    pattern: int


def make_snippet(text: str, terms: list[str], max_chars: int = 200) -> str:
    """HTML of at most ``max_chars`` characters of ``text`` with ``<mark>`` on matches.

    The window starts shortly before the match that has the most distinct terms
    within reach; without any match it is the start of the text.
    """
    normalized, origins = _normalize_with_origins(text[:MAX_SCAN_CHARS])
    spans = _find_spans(normalized, [_pattern(term) for term in terms])
    scanned = min(len(text), MAX_SCAN_CHARS)
    original_spans = [_to_original(span, origins, scanned) for span in spans]

    start = _window_start(text, original_spans, max_chars)
    end = min(len(text), start + max_chars)
    inside = [
        span for span in original_spans if span.start >= start and span.end <= end
    ]
    return _render(text, start, end, inside)


def _normalize_with_origins(text: str) -> tuple[str, list[int]]:
    """Normalized text and, per normalized character, its index in ``text``.

    Text goes in chunks that never split a character from its combining marks.
    A chunk whose normalized length is unchanged is taken as mapped one to one
    (true unless one character expands and another contracts within it); any
    other chunk is normalized character by character.
    """
    pieces: list[str] = []
    origins: list[int] = []
    start = 0
    while start < len(text):
        end = _chunk_end(text, start + NORMALIZE_CHUNK_CHARS)
        piece = analysis.normalize(text[start:end])
        if len(piece) == end - start:
            pieces.append(piece)
            origins.extend(range(start, end))
        else:
            _normalize_each(text, start, end, pieces, origins)
        start = end
    return "".join(pieces), origins


def _chunk_end(text: str, end: int) -> int:
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return min(end, len(text))


def _normalize_each(
    text: str, start: int, end: int, pieces: list[str], origins: list[int]
) -> None:
    cluster = start
    for index in range(start + 1, end + 1):
        if index < end and unicodedata.combining(text[index]):
            continue
        piece = analysis.normalize(text[cluster:index])
        pieces.append(piece)
        origins.extend([cluster] * len(piece))
        cluster = index


def _pattern(term: str) -> re.Pattern[str] | None:
    """A regex over normalized text that matches where the index would match.

    Words must stand alone (not inside a longer word); a CJK run must appear
    unbroken, as the bigram index requires; anything that is no token (spaces,
    punctuation) may stand between the parts of a phrase.
    """
    parts = analysis.segments(term)
    if not parts:
        return None
    pieces = [_segment_regex(text, is_cjk) for text, is_cjk in parts]
    if term.endswith("*") and not parts[-1][1]:
        pieces[-1] = f"{_WORD_START}{re.escape(parts[-1][0])}{_WORD_CHAR}*"
    return re.compile(_SEPARATOR.join(pieces))


def _segment_regex(text: str, is_cjk: bool) -> str:
    if is_cjk:
        return re.escape(text)
    return f"{_WORD_START}{re.escape(text)}{_WORD_END}"


def _find_spans(normalized: str, patterns: list[re.Pattern[str] | None]) -> list[_Span]:
    """Every match of every pattern, as spans of ``normalized``, in text order."""
    spans = [
        _Span(match.start(), match.end(), number)
        for number, pattern in enumerate(patterns)
        if pattern is not None
        for match in pattern.finditer(normalized)
    ]
    return sorted(spans, key=lambda span: (span.start, -span.end))


def _to_original(span: _Span, origins: list[int], text_length: int) -> _Span:
    start = origins[span.start]
    end = origins[span.end] if span.end < len(origins) else text_length
    # Several normalized characters may come from one original one ("ﬁ" -> "fi").
    return _Span(start, max(end, start + 1), span.pattern)


def _window_start(text: str, spans: list[_Span], max_chars: int) -> int:
    if not spans or len(text) <= max_chars:
        return 0
    best = _best_anchor(spans, max_chars)
    start = max(0, best.start - int(max_chars * LEADING_CONTEXT_SHARE))
    start = min(start, len(text) - max_chars)
    return _word_boundary(text, start, best.start)


def _best_anchor(spans: list[_Span], max_chars: int) -> _Span:
    """The earliest match with the most distinct terms within ``max_chars`` after it."""
    best, best_reach = spans[0], 0
    counts: dict[int, int] = {}
    end = 0
    for anchor_index, anchor in enumerate(spans):
        while end < len(spans) and spans[end].start < anchor.start + max_chars:
            counts[spans[end].pattern] = counts.get(spans[end].pattern, 0) + 1
            end += 1
        if len(counts) > best_reach:
            best, best_reach = anchor, len(counts)
        _forget(counts, spans[anchor_index].pattern)
    return best


def _forget(counts: dict[int, int], pattern: int) -> None:
    counts[pattern] -= 1
    if counts[pattern] == 0:
        del counts[pattern]


def _word_boundary(text: str, start: int, limit: int) -> int:
    """Move ``start`` forward to the next space so no word is cut (Latin text)."""
    if start == 0 or text[start - 1].isspace():
        return start
    space = text.find(" ", start, limit)
    return start if space < 0 else space + 1


def _render(text: str, start: int, end: int, spans: list[_Span]) -> str:
    parts = [ELLIPSIS] if start > 0 else []
    position = start
    for span in spans:
        if span.start < position:
            continue  # overlaps a match already marked
        parts.append(html.escape(text[position : span.start]))
        parts.append(f"<mark>{html.escape(text[span.start : span.end])}</mark>")
        position = span.end
    parts.append(html.escape(text[position:end]))
    if end < len(text):
        parts.append(ELLIPSIS)
    return "".join(parts)
