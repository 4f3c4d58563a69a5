"""A background thread that processes received documents one batch at a time."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Final

from indexer.types import IndexOutdated, SearchRequest
from search_api.database import PENDING_STATES
from search_api.pipeline import index_documents, process_batch
from search_api.reindex import reindex, unfinished_job
from search_api.service import Filewarden
from search_api.training import relabel

logger = logging.getLogger(__name__)

IDLE_POLL_SECONDS: Final = 0.5


class IngestWorker:
    """Takes document ids from a queue and moves them to a resting state."""

    def __init__(self, app: Filewarden) -> None:
        self.app = app
        self._queue: queue.Queue[int] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def submit(self, document_id: int) -> None:
        self._queue.put(document_id)

    def _run(self) -> None:
        self._recover()
        while not self._stop.is_set():
            batch = self._next_batch()
            if batch:
                process_batch(self.app, batch)

    def _next_batch(self) -> list[int]:
        try:
            first = self._queue.get(timeout=IDLE_POLL_SECONDS)
        except queue.Empty:
            return []
        batch = [first]
        while not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    def _recover(self) -> None:
        # Work left by a crash: an unfinished reindex, index entries that lag
        # the database or that it lost, and documents that never reached a
        # resting state. Labels from an older model (a relabel cut short, a
        # new model shipped) are redone on a thread of their own, so that new
        # uploads are not kept waiting behind a relabel of every document.
        try:
            if unfinished_job(self.app) is not None or is_outdated(self.app):
                reindex(self.app)
            repair_index(self.app)
            threading.Thread(
                target=_relabel_quietly, args=(self.app,), name="relabel", daemon=True
            ).start()
            pending = self.app.db.ids_in_states(PENDING_STATES)
            if pending:
                logger.info(
                    "resuming %s documents left by an earlier run", len(pending)
                )
                process_batch(self.app, pending)
        except Exception:
            logger.exception("start-up recovery failed; new uploads are still taken")


def _relabel_quietly(app: Filewarden) -> None:
    try:
        relabel(app)
    except Exception:
        logger.exception("relabelling failed; documents keep their labels")


def is_outdated(app: Filewarden) -> bool:
    """Whether the index was built with an older schema and must be rebuilt."""
    # Any read tells; a count is the cheapest (repair_index lists every id next).
    try:
        app.index.count(SearchRequest())
    except IndexOutdated:
        logger.warning("the index was built by an older Filewarden; rebuilding it")
        return True
    return False


def repair_index(app: Filewarden) -> None:
    """Make the index agree with the database (the system of record)."""
    lagging = app.db.ids_needing_index()
    if lagging:
        logger.info("re-indexing %s documents whose index entry lags", len(lagging))
        for start in range(0, len(lagging), 500):
            index_documents(app, lagging[start : start + 500])
    orphans = app.index.indexed_ids() - app.db.searchable_ids()
    if orphans:
        logger.info(
            "removing %s index entries the database no longer has", len(orphans)
        )
        app.index.delete(sorted(orphans))
