"""The held-out split of a training run and a model's scores on it."""

from __future__ import annotations

import hashlib
import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from classifier.dataset import LabeledExample
from classifier.errors import TrainingDataError
from classifier.evaluation import (
    expected_calibration_error,
    label_scores,
    scores_by_language,
)
from classifier.model import (
    OVERRIDE_KINDS,
    PERSONAL_SENSITIVITY,
    TrainedModel,
    document_text,
)
from classifier.pii import detect_pii

logger = logging.getLogger(__name__)

HELD_OUT_FRACTION: Final = 0.2
STRATIFIED_BY: Final = ("category", "sensitivity")
LABELS: Final = ("category", "sensitivity")
CONTENT_KEY_HEX_CHARS: Final = 16


@dataclass(frozen=True)
class HeldOutSplit:
    """Examples the model is fitted on, and examples kept back to score it."""

    train: list[LabeledExample]
    held_out: list[LabeledExample]


@dataclass(frozen=True)
class LabelPredictions:
    """One label's predicted class and top-class probability per example."""

    labels: list[str]
    confidences: list[float]


def example_key(example: LabeledExample) -> str:
    """The name recorded for an example: its id, else a hash of its content."""
    if example.id:
        return example.id
    content = f"{example.title}\n{example.text}".encode()
    return "sha256:" + hashlib.sha256(content).hexdigest()[:CONTENT_KEY_HEX_CHARS]


def split_held_out(
    examples: Sequence[LabeledExample], fraction: float, random_seed: int
) -> HeldOutSplit:
    """A split stratified by (category, sensitivity), the same for the same input.

    Within each stratum examples are ranked by a hash of the seed and their key,
    and the first ``round(n * fraction)`` are held out. Ranking by hash instead
    of by position means that adding corrections moves few examples across the
    line, so most of a later run's held-out examples stay unseen by the model
    trained before it, which keeps the promotion comparison fair.
    """
    if not 0.0 < fraction < 1.0:
        raise TrainingDataError(
            f"held-out fraction {fraction} must lie strictly between 0 and 1",
            fraction=fraction,
        )

    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row, example in enumerate(examples):
        strata[(example.category, example.sensitivity)].append(row)
    held_rows: set[int] = set()
    for rows in strata.values():
        ranked = sorted(rows, key=lambda row: (_rank(examples[row], random_seed), row))
        held_rows.update(ranked[: math.floor(len(rows) * fraction + 0.5)])

    if not held_rows:
        raise TrainingDataError(
            f"{len(examples)} examples are too few to hold {fraction:.0%} out "
            "of any (category, sensitivity) group; add labelled examples",
            examples=len(examples),
        )
    return HeldOutSplit(
        train=[e for row, e in enumerate(examples) if row not in held_rows],
        held_out=[e for row, e in enumerate(examples) if row in held_rows],
    )


def predict_labels(
    model: TrainedModel, examples: Sequence[LabeledExample]
) -> dict[str, LabelPredictions]:
    """The label models' own answers, before detectors or empty-text rules."""
    texts = [document_text(e.text, e.title, model.max_text_chars) for e in examples]
    matrix = model.features.transform(texts)
    return {
        "category": _top_class(model.category, matrix),
        "sensitivity": _top_class(model.sensitivity, matrix),
    }


def score_held_out(
    model: TrainedModel, examples: Sequence[LabeledExample]
) -> dict[str, Any]:
    """Per label: macro-F1, per-class scores, confusion matrix, ECE, by language."""
    predictions = predict_labels(model, examples)
    languages = [example.language for example in examples]

    scores: dict[str, Any] = {"examples": len(examples)}
    for label in LABELS:
        truth = [str(getattr(example, label)) for example in examples]
        predicted = predictions[label]
        correct = [t == p for t, p in zip(truth, predicted.labels, strict=True)]
        scores[label] = {
            **label_scores(
                truth, predicted.labels, sorted({*truth, *predicted.labels})
            ),
            "ece": expected_calibration_error(predicted.confidences, correct),
            "by_language": scores_by_language(truth, predicted.labels, languages),
        }

    scores["sensitivity"]["with_detectors"] = _with_detectors(
        examples, predictions["sensitivity"].labels
    )
    return scores


def has_personal_data(example: LabeledExample) -> bool:
    """Whether the detectors would force this example's sensitivity to personal."""
    found = detect_pii(f"{example.title}\n{example.text}")
    return bool(OVERRIDE_KINDS.intersection(found))


def _with_detectors(
    examples: Sequence[LabeledExample], predicted: list[str]
) -> dict[str, Any]:
    # In use, found personal data overrides the sensitivity model; this scores
    # the pair as it will behave, next to the model's own figure.
    amended = [
        PERSONAL_SENSITIVITY if has_personal_data(example) else value
        for example, value in zip(examples, predicted, strict=True)
    ]
    truth = [example.sensitivity for example in examples]
    scores = label_scores(truth, amended, sorted({*truth, *amended}))
    return {
        "macro_f1": scores["macro_f1"],
        "accuracy": scores["accuracy"],
        "overridden": sum(a != p for a, p in zip(amended, predicted, strict=True)),
    }


def _top_class(estimator: Any, matrix: Any) -> LabelPredictions:
    probabilities = estimator.predict_proba(matrix)
    best = np.argmax(probabilities, axis=1)
    return LabelPredictions(
        labels=[str(estimator.classes_[index]) for index in best],
        confidences=[float(value) for value in probabilities.max(axis=1)],
    )


def _rank(example: LabeledExample, random_seed: int) -> str:
    return hashlib.sha256(f"{random_seed}:{example_key(example)}".encode()).hexdigest()
