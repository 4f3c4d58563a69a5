"""A trained classifier on disk, checked before it is loaded, and its predictions."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import joblib
import numpy as np
import sklearn
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.pipeline import FeatureUnion

from classifier.errors import ModelIncompatible, ModelIntegrityError, ModelNotFound
from classifier.pii import detect_pii
from classifier.types import Prediction, Suggestion

logger = logging.getLogger(__name__)

MODEL_FILE: Final = "model.joblib"
METADATA_FILE: Final = "metadata.json"
CURRENT_FILE: Final = "CURRENT"
VERSION_PATTERN: Final = re.compile(r"\d{8}-\d{6}-[0-9a-f]{8}(?:-\d+)?")
DEFAULT_MAX_TEXT_CHARS: Final = 20_000
SUGGESTION_COUNT: Final = 3
EMPTY_CATEGORY: Final = "other"
PERSONAL_SENSITIVITY: Final = "personal"
# Kinds that make a document personal whatever the model says. A credit code
# names an organisation. An e-mail address is reported but does not override:
# on the corpus's hand labels it turned five public or internal documents
# (mailing-list mail, a paper's author line, API docs) personal and fixed none.
OVERRIDE_KINDS: Final = frozenset({"prc_id", "mobile", "bank_card", "passport"})
HASH_CHUNK_BYTES: Final = 1024 * 1024


@dataclass
class TrainedModel:
    """What model.joblib holds: shared features and one calibrated model per label."""

    features: FeatureUnion
    category: Any
    sensitivity: Any
    max_text_chars: int


def document_text(text: str, title: str, max_text_chars: int) -> str:
    """The string features are computed from: title, then the text's beginning."""
    # Long documents are cut because their first pages carry the kind of document
    # and because n-gram features grow with length.
    return f"{title}\n{text[:max_text_chars]}"


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose pickles model.joblib depends on."""
    return {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "python": ".".join(str(part) for part in sys.version_info[:3]),
    }


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class Classifier:
    """Labels a document's text with a category and a sensitivity."""

    def __init__(
        self,
        model: TrainedModel,
        version: str,
        override_kinds: frozenset[str] = OVERRIDE_KINDS,
    ) -> None:
        self._model = model
        self._version = version
        self._override_kinds = override_kinds

    @property
    def version(self) -> str:
        return self._version

    @property
    def categories(self) -> list[str]:
        return [str(label) for label in self._model.category.classes_]

    @property
    def sensitivities(self) -> list[str]:
        return [str(label) for label in self._model.sensitivity.classes_]

    def predict(self, text: str, title: str = "") -> Prediction:
        """Both labels with calibrated probabilities; found personal data wins."""
        pii_kinds = detect_pii(f"{title}\n{text}")
        features = self._model.features.transform(
            [document_text(text, title, self._model.max_text_chars)]
        )
        categories = _ranked(self._model.category, features)
        sensitivities = _ranked(self._model.sensitivity, features)

        prediction = Prediction(
            category=categories[0].label,
            category_confidence=categories[0].probability,
            sensitivity=sensitivities[0].label,
            sensitivity_confidence=sensitivities[0].probability,
            model_version=self._version,
            pii_kinds=pii_kinds,
            category_suggestions=categories[:SUGGESTION_COUNT],
            sensitivity_suggestions=sensitivities[:SUGGESTION_COUNT],
        )
        if not text.strip():
            _mark_empty(prediction)
        if self._override_kinds.intersection(pii_kinds):
            _mark_personal(prediction)

        logger.debug(
            "predicted %s (%.2f, %s) / %s (%.2f, %s), personal data kinds %s",
            prediction.category,
            prediction.category_confidence,
            prediction.category_source,
            prediction.sensitivity,
            prediction.sensitivity_confidence,
            prediction.sensitivity_source,
            sorted(pii_kinds),
        )
        return prediction


def load_classifier(
    models_dir: Path,
    version: str | None = None,
    override_kinds: frozenset[str] = OVERRIDE_KINDS,
) -> Classifier:
    """The classifier of ``models_dir/<version>`` (default: CURRENT), after checks.

    model.joblib is a pickle, so it can run code when loaded: it is read only
    from inside ``models_dir`` and only when its SHA-256 matches metadata.json.
    The hash catches a swapped or damaged file; whoever can write both files
    can still change the model, so ``models_dir`` must be writable only by
    Filewarden's operators.
    """
    version = version or read_current(models_dir)
    model = load_trained_model(models_dir, version)
    return Classifier(model, version, override_kinds)


def verify_model(models_dir: Path, version: str) -> dict[str, Any]:
    """The metadata of a version whose model file matches its hash and libraries."""
    model_dir = model_path(models_dir, version)
    metadata = read_metadata(model_dir)

    _check_hash(model_dir / MODEL_FILE, metadata)
    _check_libraries(model_dir, metadata)
    return metadata


def load_trained_model(models_dir: Path, version: str) -> TrainedModel:
    """The unpickled model of a version, only after ``verify_model`` passed."""
    verify_model(models_dir, version)

    model_dir = model_path(models_dir, version)
    model = _unpickle(model_dir)
    logger.info("loaded model %s from %s", version, model_dir)
    return model


def read_current(models_dir: Path) -> str:
    """The version named in ``models_dir/CURRENT``."""
    current = models_dir / CURRENT_FILE
    if not current.is_file():
        raise ModelNotFound(
            f"no trained model: {current} does not exist; run `filewarden train` "
            "to build one (or set FILEWARDEN_MODELS_DIR to a folder that has one)",
            path=str(current),
        )
    return current.read_text(encoding="utf-8").strip()


def model_path(models_dir: Path, version: str) -> Path:
    """The folder of a model version; the name is checked so it stays in models_dir."""
    if not VERSION_PATTERN.fullmatch(version):
        raise ModelNotFound(
            f"{version!r} is not a model version "
            "(expected e.g. 20261204-153000-1a2b3c4d)",
            version=version,
        )

    model_dir = models_dir / version
    if not (model_dir / MODEL_FILE).is_file():
        raise ModelNotFound(
            f"model {version} not found: {model_dir / MODEL_FILE} does not exist; "
            "run `filewarden train` to build a model",
            path=str(model_dir / MODEL_FILE),
            version=version,
        )
    return model_dir


def read_metadata(model_dir: Path) -> dict[str, Any]:
    """The parsed metadata.json of a model folder."""
    path = model_dir / METADATA_FILE
    try:
        metadata: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ModelIntegrityError(
            f"{path} is missing, so {model_dir.name} cannot be verified; "
            "run `filewarden train` to rebuild the model",
            path=str(path),
        ) from err
    except json.JSONDecodeError as err:
        raise ModelIntegrityError(
            f"{path} is not valid JSON ({err.msg}); run `filewarden train`",
            path=str(path),
        ) from err
    return metadata


def _check_hash(model_file: Path, metadata: dict[str, Any]) -> None:
    expected = metadata.get("model_sha256")
    actual = file_sha256(model_file)
    if actual != expected:
        raise ModelIntegrityError(
            f"{model_file} has SHA-256 {actual} but metadata.json records {expected}; "
            "the file was changed or damaged after training and will not be loaded. "
            "Restore it or run `filewarden train`",
            path=str(model_file),
            expected_sha256=expected,
            actual_sha256=actual,
        )


def _check_libraries(model_dir: Path, metadata: dict[str, Any]) -> None:
    saved = str(metadata.get("libraries", {}).get("sklearn", "unknown"))
    if _major_minor(saved) != _major_minor(sklearn.__version__):
        raise ModelIncompatible(
            f"model {model_dir.name} was saved by scikit-learn {saved} but "
            f"{sklearn.__version__} is installed; pickles do not carry across "
            "versions, so run `filewarden train` to rebuild it",
            version=model_dir.name,
            saved_sklearn=saved,
            installed_sklearn=sklearn.__version__,
        )


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _unpickle(model_dir: Path) -> TrainedModel:
    # A patch-level difference passes the metadata check; scikit-learn still warns
    # when an estimator's own version differs, and that is treated as fatal too.
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        try:
            model = joblib.load(model_dir / MODEL_FILE)
        except InconsistentVersionWarning as err:
            raise ModelIncompatible(
                f"model {model_dir.name}: {err}; run `filewarden train` to rebuild it",
                version=model_dir.name,
            ) from err

    if not isinstance(model, TrainedModel):
        raise ModelIntegrityError(
            f"{model_dir / MODEL_FILE} holds a {type(model).__name__}, not a model",
            path=str(model_dir / MODEL_FILE),
        )
    return model


def _ranked(estimator: Any, features: Any) -> list[Suggestion]:
    probabilities = estimator.predict_proba(features)[0]
    order = np.argsort(-probabilities, kind="stable")
    return [
        Suggestion(
            label=str(estimator.classes_[i]),
            probability=round(float(probabilities[i]), 4),
        )
        for i in order
    ]


def _mark_empty(prediction: Prediction) -> None:
    # With no text the model only echoes its priors; "other" with no confidence
    # sends the document to a person instead.
    prediction.category = EMPTY_CATEGORY
    prediction.category_confidence = 0.0
    prediction.category_source = "empty"
    prediction.category_suggestions = []


def _mark_personal(prediction: Prediction) -> None:
    prediction.sensitivity = PERSONAL_SENSITIVITY
    prediction.sensitivity_confidence = 1.0
    prediction.sensitivity_source = "detector"
