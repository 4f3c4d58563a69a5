"""Labels each document with a category and a sensitivity, and finds personal data."""

from classifier.dataset import LabeledExample, read_seed_examples
from classifier.errors import (
    ModelIncompatible,
    ModelIntegrityError,
    ModelNotFound,
    TrainingDataError,
)
from classifier.evaluation import canonical_label, evaluate_texts, read_corpus_labels
from classifier.model import Classifier, load_classifier
from classifier.pii import detect_pii
from classifier.training import TrainingReport, train_model
from classifier.types import Prediction, Suggestion

__all__ = [
    "Classifier",
    "LabeledExample",
    "ModelIncompatible",
    "ModelIntegrityError",
    "ModelNotFound",
    "Prediction",
    "Suggestion",
    "TrainingDataError",
    "TrainingReport",
    "canonical_label",
    "detect_pii",
    "evaluate_texts",
    "load_classifier",
    "read_corpus_labels",
    "read_seed_examples",
    "train_model",
]
