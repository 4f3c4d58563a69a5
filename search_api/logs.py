"""Logging set up once, with a per-document correlation id on every line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation)s] %(message)s"


class CorrelationFilter(logging.Filter):
    """Adds the current correlation id (``doc-<id>`` during an ingest) to records."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation = correlation_id.get()
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(CorrelationFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pdfminer reports every odd byte at warning level; the reason a file failed
    # is recorded on the document instead.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


@contextmanager
def document_context(document_id: int) -> Iterator[None]:
    token = correlation_id.set(f"doc-{document_id}")
    try:
        yield
    finally:
        correlation_id.reset(token)
