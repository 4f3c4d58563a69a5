"""Scores of a classifier against labelled texts (seed cross-validation, corpus)."""

from __future__ import annotations

import csv
import logging
import warnings
from collections.abc import Sequence
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
