"""Errors raised when a trained model cannot be found, trusted or used."""

from __future__ import annotations

from search_api.errors import FilewardenError, NotFound


class ModelNotFound(NotFound):
    """No trained model at the expected place; ``filewarden train`` builds one."""


class ModelIntegrityError(FilewardenError):
    """A model file does not match the hash its metadata recorded; it is not loaded."""


class ModelIncompatible(FilewardenError):
    """A model was saved by another scikit-learn version and must be retrained."""

    status_code = 503


class TrainingDataError(FilewardenError):
    """The training examples cannot be used (bad line, unknown label, too few)."""

    status_code = 400
