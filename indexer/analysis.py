"""Text analysis shared by every backend: normalization, word and CJK tokens.

Filewarden tokenizes text itself and hands each engine finished token strings
(tokens joined by single spaces). Both engines index those strings with a plain
whitespace tokenizer that drops ``GAP_TOKEN`` while keeping its position, so
tantivy and OpenSearch see the very same terms at the very same positions.

Rules, applied to ``normalize(text)`` (NFKC, then casefold):

* a CJK character is a Han ideograph, kana or Hangul (``CJK_CHARACTERS``);
  a maximal run of them is a *CJK run*;
* a *word* is a maximal run of Unicode letters and digits that are not CJK;
  underscores and every other character separate words; words longer than
  ``MAX_WORD_CHARS`` are dropped (base64 blobs, hashes);
* ``terms``: words and every character of CJK runs, in text order;
* ``bigrams``: the overlapping character pairs of each CJK run of two or more
  characters, with ``GAP_TOKEN`` between runs so that no phrase of bigrams can
  span two runs.
"""

from __future__ import annotations

import logging
import operator
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

logger = logging.getLogger(__name__)

CJK_CHARACTERS: Final = (
    "\u3005\u3007"  # iteration mark and ideographic zero
    "\u3041-\u3096\u309d-\u309f"  # hiragana
    "\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"  # katakana, without the middle dot
    "\u1100-\u11ff\u3131-\u318e\uac00-\ud7af"  # hangul jamo and syllables
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # han: extension A, unified, compat
    "\U00020000-\U0003134f"  # han: extensions B to G
)
MAX_WORD_CHARS: Final = 64
# Never produced by the tokenizer (it is not a letter or digit); both engines
# drop it after counting its position.
GAP_TOKEN: Final = "|"

_WORD_CHARACTER: Final = rf"[^\W_{CJK_CHARACTERS}]"
# The same tokens as TOKEN_PATTERN, found by the regex engine alone (indexing
# speed): one CJK character, or a whole word of at most MAX_WORD_CHARS.
TERM_PATTERN: Final = re.compile(
    rf"[{CJK_CHARACTERS}]"
    rf"|(?<!{_WORD_CHARACTER}){_WORD_CHARACTER}{{1,{MAX_WORD_CHARS}}}(?!{_WORD_CHARACTER})"
)
CJK_RUN_PATTERN: Final = re.compile(rf"[{CJK_CHARACTERS}]{{2,}}")
TOKEN_PATTERN: Final = re.compile(
    rf"(?P<cjk>[{CJK_CHARACTERS}]+)|(?P<word>[^\W_{CJK_CHARACTERS}]+)"
)


@dataclass(frozen=True)
class Token:
    """One token of normalized text, with its character span there."""

    text: str
    start: int
    end: int
    is_cjk: bool


@dataclass
class Analysis:
    """The two token streams of one text."""

    terms: list[str] = field(default_factory=list)
    bigrams: list[str] = field(default_factory=list)

    @property
    def terms_string(self) -> str:
        return " ".join(self.terms)

    @property
    def bigrams_string(self) -> str:
        return " ".join(self.bigrams)


def normalize(text: str) -> str:
    """NFKC (full-width to half-width, compatibility forms) and then casefold."""
    return unicodedata.normalize("NFKC", text).casefold()


def pair_bigrams(run: str) -> list[str]:
    """The overlapping character pairs of one CJK run."""
    return list(map(operator.add, run, run[1:]))


def analyze(text: str) -> Analysis:
    """The terms and bigrams streams of ``text`` (normalized here)."""
    normalized = normalize(text)
    bigrams: list[str] = []
    for run in CJK_RUN_PATTERN.findall(normalized):
        if bigrams:
            bigrams.append(GAP_TOKEN)
        bigrams.extend(pair_bigrams(run))
    return Analysis(terms=TERM_PATTERN.findall(normalized), bigrams=bigrams)


def tokenize(normalized: str) -> Iterator[Token]:
    """Words and single CJK characters of already normalized text, with spans."""
    for match in TOKEN_PATTERN.finditer(normalized):
        run = match.group("cjk")
        if run is None:
            word = match.group("word")
            if len(word) <= MAX_WORD_CHARS:
                yield Token(word, match.start(), match.end(), is_cjk=False)
            continue
        for offset, character in enumerate(run):
            start = match.start() + offset
            yield Token(character, start, start + 1, is_cjk=True)


def segments(text: str) -> list[tuple[str, bool]]:
    """The words and CJK runs of ``text`` (normalized here), flagged ``is_cjk``."""
    found: list[tuple[str, bool]] = []
    for match in TOKEN_PATTERN.finditer(normalize(text)):
        run = match.group("cjk")
        if run is not None:
            found.append((run, True))
        elif len(match.group("word")) <= MAX_WORD_CHARS:
            found.append((match.group("word"), False))
    return found


def keyword_key(value: str) -> str:
    """The form of a whole keyword value (category, language) that queries match."""
    return " ".join(normalize(value).split())
