"""Labels each document with a category and a sensitivity, and finds personal data."""

from classifier.dataset import LabeledExample, read_seed_examples
from classifier.errors import (
    ModelIncompatible,
    ModelIntegrityError,
    ModelNotFound,
    TrainingDataError,
)
from classifier.evaluation import (
    canonical_label,
    evaluate_texts,
    expected_calibration_error,
    read_corpus_labels,
)
from classifier.held_out import split_held_out
from classifier.model import Classifier, load_classifier
from classifier.pii import detect_pii
from classifier.registry import (
    HistoryEntry,
    ModelInfo,
    list_models,
    promote,
    read_history,
    rollback,
)
from classifier.training import TrainingReport, train_model
from classifier.types import Prediction, Suggestion

__all__ = [
    "Classifier",
    "HistoryEntry",
    "LabeledExample",
    "ModelIncompatible",
    "ModelInfo",
    "ModelIntegrityError",
    "ModelNotFound",
    "Prediction",
    "Suggestion",
    "TrainingDataError",
    "TrainingReport",
    "canonical_label",
    "detect_pii",
    "evaluate_texts",
    "expected_calibration_error",
    "list_models",
    "load_classifier",
    "promote",
    "read_corpus_labels",
    "read_history",
    "read_seed_examples",
    "rollback",
    "split_held_out",
    "train_model",
]
