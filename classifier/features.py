"""Text features that treat Chinese and Latin scripts each in their own way."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Final

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

logger = logging.getLogger(__name__)

# Han ideographs (unified, extension A, compatibility); Chinese has no spaces, so
# character n-grams over these runs stand in for words without a segmenter.
HAN_RUN_PATTERN: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
HAN_CHAR_PATTERN: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD_PATTERN: Final = r"(?u)\b[^\W\d_]{2,}\b"
LATIN_LETTERS_PATTERN: Final = re.compile(LATIN_WORD_PATTERN)


# model.joblib refers to the preprocessors below by module and name: renaming or
# moving one makes every saved model unloadable until `filewarden train` runs.


def normalise(text: str) -> str:
    """NFKC form, so full-width letters and digits read like their ASCII twins."""
    return unicodedata.normalize("NFKC", text)


def han_runs(text: str) -> str:
    """Only the runs of Chinese characters, one space between runs."""
    return " ".join(HAN_RUN_PATTERN.findall(normalise(text)))


def latin_words(text: str) -> str:
    """The text lowercased with Chinese characters blanked out."""
    return HAN_CHAR_PATTERN.sub(" ", normalise(text)).lower()


def latin_letters(text: str) -> str:
    """Only the lowercased words of two or more letters, outside Chinese runs."""
    # Digits and punctuation are left out: in Chinese documents they are most of
    # what is not Han, and their n-grams (amounts, dates) only add noise.
    return " ".join(LATIN_LETTERS_PATTERN.findall(latin_words(text)))


def build_features() -> FeatureUnion:
    """Character n-grams on Chinese runs, words and word pieces on the rest.

    Measured on the seed set (363 documents, stratified 5-fold, mean of three
    shuffles, LinearSVC): adding letter 3-5-grams lifted English category
    macro-F1 from 0.79 to 0.85 and left Chinese at 0.78; feeding them digits
    and punctuation as well cost Chinese 0.03.
    """
    # Module-level preprocessors (not lambdas) so the fitted union can be pickled.
    han = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 3),
        preprocessor=han_runs,
        sublinear_tf=True,
        min_df=2,
    )
    latin = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        preprocessor=latin_words,
        token_pattern=LATIN_WORD_PATTERN,
        sublinear_tf=True,
        min_df=2,
    )
    pieces = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        preprocessor=latin_letters,
        sublinear_tf=True,
        min_df=2,
    )
    return FeatureUnion([("han", han), ("latin", latin), ("pieces", pieces)])


def drop_pruned_terms(features: FeatureUnion) -> None:
    """Forget the terms min_df pruned; they only make the saved model larger."""
    # scikit-learn keeps them in ``stop_words_`` for introspection alone.
    for _, vectorizer in features.transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
