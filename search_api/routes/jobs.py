"""Routes for long jobs: rebuilding the index, training and switching models."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from fastapi import APIRouter, Request

from classifier import ModelInfo, list_models, promote, rollback
from search_api.errors import Conflict, NotFound
from search_api.jobs import BackgroundJob, JobStatus
from search_api.reindex import ReindexJob, latest_job, reindex
from search_api.routes.context import filewarden_of
from search_api.schemas import TrainIn
from search_api.service import Filewarden
from search_api.training import Progress, relabel, report_summary, retrain

logger = logging.getLogger(__name__)

router = APIRouter(tags=["jobs"])


@router.post("/index/reindex", response_model=ReindexJob, status_code=202)
def start_reindex(request: Request) -> ReindexJob:
    """Rebuild the index from the database in the background."""
    filewarden = filewarden_of(request)
    running = request.app.state.reindex_thread
    if running is not None and running.is_alive():
        raise Conflict("a reindex is already running")
    thread = threading.Thread(
        target=_reindex_quietly, args=(filewarden,), name="reindex", daemon=True
    )
    request.app.state.reindex_thread = thread
    thread.start()
    return _reindex_status(filewarden, wait_for_start=True)


@router.get("/index/reindex", response_model=ReindexJob)
def reindex_status(request: Request) -> ReindexJob:
    """Progress of the latest reindex."""
    return _reindex_status(filewarden_of(request), wait_for_start=False)


@router.get("/models", response_model=list[ModelInfo])
def models(request: Request) -> list[ModelInfo]:
    """Every trained classifier version, the current one marked."""
    return list_models(filewarden_of(request).settings.models_dir)


@router.post("/models/train", response_model=JobStatus, status_code=202)
def train(request: Request, body: TrainIn) -> JobStatus:
    """Retrain from the seed set and people's decisions, in the background."""
    filewarden = filewarden_of(request)
    job: BackgroundJob = request.app.state.training

    def work(progress: Progress) -> dict[str, Any]:
        report = retrain(filewarden, force=body.force, progress=progress)
        return report_summary(report)

    job.start(work)
    return job.status


@router.get("/models/train", response_model=JobStatus)
def training_status(request: Request) -> JobStatus:
    """Progress of the latest training job (training, then relabelling)."""
    return request.app.state.training.status  # type: ignore[no-any-return]


@router.post("/models/{version}/promote", response_model=JobStatus, status_code=202)
def promote_model(request: Request, version: str) -> JobStatus:
    """Make a version current, then relabel in the background."""
    filewarden = filewarden_of(request)
    promote(filewarden.settings.models_dir, version)
    return _start_relabel(request, filewarden)


@router.post("/models/rollback", response_model=JobStatus, status_code=202)
def rollback_model(request: Request) -> JobStatus:
    """Go back to the version that was current before, then relabel."""
    filewarden = filewarden_of(request)
    rollback(filewarden.settings.models_dir)
    return _start_relabel(request, filewarden)


def _start_relabel(request: Request, filewarden: Filewarden) -> JobStatus:
    filewarden.forget_classifier()
    job: BackgroundJob = request.app.state.training

    def work(progress: Progress) -> dict[str, Any]:
        return {"relabelled": relabel(filewarden, progress)}

    job.start(work)
    return job.status


def _reindex_quietly(filewarden: Filewarden) -> None:
    try:
        reindex(filewarden)
    except Exception:
        logger.exception("reindex failed; the old index keeps serving")


def _reindex_status(filewarden: Filewarden, wait_for_start: bool) -> ReindexJob:
    deadline = time.monotonic() + (5.0 if wait_for_start else 0.0)
    job = latest_job(filewarden)
    while wait_for_start and (job is None or job.state != "running"):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
        job = latest_job(filewarden)
    if job is None:
        raise NotFound("no reindex has run yet")
    return job
