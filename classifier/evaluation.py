"""Scores of a classifier against labelled texts (seed cross-validation, corpus)."""

from __future__ import annotations

import csv
import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from classifier.dataset import LabeledExample

if TYPE_CHECKING:
    from classifier.model import Classifier

logger = logging.getLogger(__name__)

# The corpus's LABELS.tsv spells some labels as phrases; these are their names here.
CORPUS_LABEL_ALIASES: Final = {
    "invoice/financial": "financial",
    "customer feedback/complaint": "feedback",
    "identity/personal document": "identity",
    "personal data": "personal",
}
CALIBRATION_BINS: Final = 10


@dataclass(frozen=True)
class CalibrationBin:
    """Predictions whose top-class probability fell in ``(lower, upper]``."""

    lower: float
    upper: float
    count: int
    confidence: float
    accuracy: float


def canonical_label(label: str) -> str:
    """The Filewarden name of a label, translating the corpus's phrasings."""
    cleaned = label.strip().lower()
    return CORPUS_LABEL_ALIASES.get(cleaned, cleaned)


def read_corpus_labels(labels_tsv: Path) -> dict[str, tuple[str, str]]:
    """Corpus path -> (category, sensitivity) from LABELS.tsv, in Filewarden names."""
    with labels_tsv.open(encoding="utf-8", newline="") as rows:
        reader = csv.DictReader(rows, delimiter="\t")
        return {
            row["path"]: (
                canonical_label(row["category"]),
                canonical_label(row["sensitivity"]),
            )
            for row in reader
        }


def label_scores(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Macro-F1, accuracy, per-class precision/recall/F1 and the confusion matrix."""
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(precision[i]), 4),
            "recall": round(float(recall[i]), 4),
            "f1": round(float(f1[i]), 4),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }

    # scikit-learn warns about a one-label matrix even when labels are given.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        matrix = confusion_matrix(truth, predicted, labels=labels)
    return {
        "macro_f1": round(
            float(
                f1_score(
                    truth, predicted, labels=labels, average="macro", zero_division=0
                )
            ),
            4,
        ),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "per_class": per_class,
        "confusion_matrix": {
            "labels": labels,
            "rows_are": "truth",
            "matrix": matrix.tolist(),
        },
    }


def evaluate_texts(
    classifier: Classifier, examples: Sequence[LabeledExample]
) -> dict[str, Any]:
    """Scores for both labels of the classifier's predictions on labelled texts.

    Gold labels may use the corpus's phrasings ("invoice/financial"); they are
    translated first. Labels are the union of gold and predicted ones, so a
    class the model never predicts still shows up with F1 0.
    """
    truth_category = [canonical_label(e.category) for e in examples]
    truth_sensitivity = [canonical_label(e.sensitivity) for e in examples]

    predictions = [classifier.predict(e.text, e.title) for e in examples]
    category = [p.category for p in predictions]
    sensitivity = [p.sensitivity for p in predictions]

    logger.info("evaluated model %s on %d texts", classifier.version, len(examples))
    return {
        "model_version": classifier.version,
        "examples": len(examples),
        "category": label_scores(
            truth_category, category, sorted({*truth_category, *category})
        ),
        "sensitivity": label_scores(
            truth_sensitivity, sensitivity, sorted({*truth_sensitivity, *sensitivity})
        ),
    }


def calibration_bins(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = CALIBRATION_BINS
) -> list[CalibrationBin]:
    """Equal-width bins over (0, 1] of top-class probability, empty bins included."""
    if len(confidences) != len(correct):
        raise ValueError(
            f"{len(confidences)} confidences but {len(correct)} correctness flags"
        )

    members: list[list[int]] = [[] for _ in range(bins)]
    for row, confidence in enumerate(confidences):
        # Bins are closed on the right so that a probability of exactly 1.0 falls
        # into the last bin and 0.0 (never a top class) into the first; rounding
        # first keeps 0.7 * 10 = 7.000000000000001 out of the bin above its own.
        edge = math.ceil(round(confidence * bins, 9))
        index = min(max(edge - 1, 0), bins - 1)
        members[index].append(row)

    return [
        CalibrationBin(
            lower=index / bins,
            upper=(index + 1) / bins,
            count=len(rows),
            confidence=_mean([confidences[row] for row in rows]),
            accuracy=_mean([float(correct[row]) for row in rows]),
        )
        for index, rows in enumerate(members)
    ]


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = CALIBRATION_BINS
) -> float:
    """The count-weighted mean gap between confidence and accuracy, in [0, 1]."""
    total = len(confidences)
    if total == 0:
        return 0.0
    gaps = [
        part.count / total * abs(part.accuracy - part.confidence)
        for part in calibration_bins(confidences, correct, bins)
    ]
    return round(sum(gaps), 4)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def scores_by_language(
    truth: Sequence[str], predicted: Sequence[str], languages: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Macro-F1 and accuracy within each language."""
    scores = {}
    for language in sorted(set(languages)):
        rows = [i for i, value in enumerate(languages) if value == language]
        subset_truth = [truth[i] for i in rows]
        subset = label_scores(
            subset_truth, [predicted[i] for i in rows], sorted(set(subset_truth))
        )
        scores[language] = {
            "examples": len(rows),
            "macro_f1": subset["macro_f1"],
            "accuracy": subset["accuracy"],
        }
    return scores
