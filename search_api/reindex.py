"""Rebuilding the index from the database into a new version, then switching."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from indexer.types import IndexWriter
from search_api.database import utc_now
from search_api.errors import Conflict
from search_api.pipeline import to_index_document
from search_api.service import Filewarden

logger = logging.getLogger(__name__)

REINDEX_BATCH_SIZE: Final = 500
ReindexProgress = Callable[[int, int], None]


@dataclass
class ReindexJob:
    id: int
    state: str
    started_at: str
    finished_at: str | None
    total: int
    done: int
    last_id: int
    error: str | None


def reindex(app: Filewarden, progress: ReindexProgress | None = None) -> ReindexJob:
    """Rebuild the whole index; resumes an unfinished rebuild where it stopped."""
    job = _running_job(app) or _new_job(app)
    target = app.index.begin_rebuild()
    started = time.monotonic()

    try:
        _copy_documents(app, job, target, progress)
        _catch_up(app, job, target)
    except Exception as err:
        _finish_job(app, job.id, "failed", f"{type(err).__name__}: {err}")
        raise

    app.index.finish_rebuild()
    _finish_job(app, job.id, "done", None)
    logger.info(
        "reindexed %s documents in %.1f s", job.total, time.monotonic() - started
    )
    return latest_job(app) or job


def unfinished_job(app: Filewarden) -> ReindexJob | None:
    job = latest_job(app)
    return job if job is not None and job.state == "running" else None


def latest_job(app: Filewarden) -> ReindexJob | None:
    with app.db.connect() as conn:
        row = conn.execute(
            "SELECT * FROM reindex_jobs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return ReindexJob(**dict(row)) if row else None


def _running_job(app: Filewarden) -> ReindexJob | None:
    job = latest_job(app)
    if job is None or job.state != "running":
        return None
    if not app.index.rebuild_in_progress():
        # The version it was filling is gone (or was already switched to):
        # what it copied cannot be trusted, so a new job starts from the top.
        _finish_job(app, job.id, "failed", "its index version was not found")
        return None
    logger.info("resuming reindex job %s after document %s", job.id, job.last_id)
    return job


def _new_job(app: Filewarden) -> ReindexJob:
    total = len(app.db.searchable_ids())
    try:
        with app.db.connect() as conn:
            cursor = conn.execute(
                "INSERT INTO reindex_jobs (state, started_at, total) "
                "VALUES ('running', ?, ?)",
                (utc_now(), total),
            )
    except sqlite3.OperationalError as err:
        raise Conflict("the database is busy; try the reindex again") from err
    job = latest_job(app)
    if job is None or job.id != cursor.lastrowid:
        raise Conflict("another reindex started at the same moment")
    return job


def _copy_documents(
    app: Filewarden,
    job: ReindexJob,
    target: IndexWriter,
    progress: ReindexProgress | None,
) -> None:
    done = job.done
    while batch := _next_ids(app, job.last_id):
        _write(app, target, batch)
        done += len(batch)
        job.last_id = batch[-1]
        with app.db.connect() as conn:
            conn.execute(
                "UPDATE reindex_jobs SET done = ?, last_id = ? WHERE id = ?",
                (done, job.last_id, job.id),
            )
        if progress:
            progress(done, job.total)


def _next_ids(app: Filewarden, after_id: int) -> list[int]:
    with app.db.connect() as conn:
        rows = conn.execute(
            "SELECT id FROM documents WHERE id > ? AND state IN "
            "('classified', 'indexed') ORDER BY id LIMIT ?",
            (after_id, REINDEX_BATCH_SIZE),
        ).fetchall()
    return [row["id"] for row in rows]


def _write(app: Filewarden, target: IndexWriter, ids: list[int]) -> None:
    records = app.db.get_many(ids)
    texts = app.db.texts_of(ids)
    target.add([to_index_document(records[i], texts.get(i, "")) for i in ids])


def _catch_up(app: Filewarden, job: ReindexJob, target: IndexWriter) -> None:
    # Documents changed or deleted while the copy ran went to the old version
    # only; bring the new one level before switching to it.
    with app.db.connect() as conn:
        rows = conn.execute(
            "SELECT id FROM documents WHERE updated_at >= ? AND id <= ? "
            "AND state IN ('classified', 'indexed')",
            (job.started_at, job.last_id),
        ).fetchall()
    changed = [row["id"] for row in rows]
    for start in range(0, len(changed), REINDEX_BATCH_SIZE):
        _write(app, target, changed[start : start + REINDEX_BATCH_SIZE])
    gone = target.indexed_ids() - app.db.searchable_ids()
    if gone:
        target.delete(sorted(gone))


def _finish_job(app: Filewarden, job_id: int, state: str, error: str | None) -> None:
    with app.db.connect() as conn:
        conn.execute(
            "UPDATE reindex_jobs SET state = ?, finished_at = ?, error = ? "
            "WHERE id = ?",
            (state, utc_now(), error, job_id),
        )
