"""Pipeline decisions that need no file: file types and the review flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.types import Prediction, Suggestion
from search_api.pipeline import _needs_review, file_type_of
from search_api.service import Filewarden
from search_api.settings import Settings


@pytest.fixture
def filewarden(tmp_path: Path) -> Filewarden:
    return Filewarden(Settings(data_dir=tmp_path / "data"))


def prediction(category_p: float, source: str, model_top: str) -> Prediction:
    return Prediction(
        category="contract",
        category_confidence=category_p,
        sensitivity="personal",
        sensitivity_confidence=1.0 if source == "detector" else 0.9,
        model_version="test",
        sensitivity_source=source,
        sensitivity_suggestions=[Suggestion(model_top, 0.9)],
    )


@pytest.mark.parametrize(
    ("category_p", "source", "model_top", "expected"),
    [
        (0.95, "model", "personal", False),
        (0.20, "model", "personal", True),
        (0.95, "detector", "personal", False),
        (0.95, "detector", "public", True),
    ],
)
def test_needs_review_when_unsure_or_detector_overrules_model(
    filewarden: Filewarden,
    category_p: float,
    source: str,
    model_top: str,
    expected: bool,
) -> None:
    assert (
        _needs_review(filewarden, prediction(category_p, source, model_top)) is expected
    )


@pytest.mark.parametrize(
    ("mime", "facet"),
    [
        ("application/pdf", "pdf"),
        ("image/png", "image"),
        ("application/vnd.rar", "archive"),
        ("application/x-unknown-thing", "x-unknown-thing"),
        (None, "unknown"),
    ],
)
def test_file_type_of_gives_short_facet_value(mime: str | None, facet: str) -> None:
    assert file_type_of(mime) == facet
