"""The one exception family of Filewarden; the API turns each into an HTTP answer."""

from __future__ import annotations

from typing import Any


class FilewardenError(Exception):
    """Base of every error Filewarden raises on purpose.

    ``status_code`` is what the API answers; ``detail`` carries the data
    (ids, counts, positions) that a caller needs to act on the error.
    """

    status_code: int = 500

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class InvalidInput(FilewardenError):
    """The caller sent something Filewarden cannot accept."""

    status_code = 400


class NotFound(FilewardenError):
    """A document, model or file that was asked for does not exist."""

    status_code = 404


class Conflict(FilewardenError):
    """The request clashes with the current state (a lock, a running job)."""

    status_code = 409


class TooLarge(FilewardenError):
    """An upload or a file exceeds a configured limit."""

    status_code = 413
