"""The HTTP API: receipts in, searches and documents out."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Annotated, Any

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from search_api.database import PENDING_STATES, TERMINAL_STATES, DocumentRecord
from search_api.errors import (
    Conflict,
    FilewardenError,
    InvalidInput,
    NotFound,
    TooLarge,
)
from search_api.intake import Receipt, receive
from search_api.jobs import BackgroundJob
from search_api.labels import (
    accept_suggestions,
    correct_labels,
    decisions_of,
    review_queue,
)
from search_api.pages import add_page_routes
from search_api.pipeline import process_batch, unlock
from search_api.reindex import latest_job, reindex
from search_api.schemas import (
    AcceptIn,
    DocumentOut,
    DocumentSummaryOut,
    JobOut,
    LabelDecisionOut,
    LabelsIn,
    PasswordIn,
    ReceiptOut,
    ReindexJobOut,
    SearchOut,
    SuggestionOut,
    TrainIn,
)
from search_api.searching import (
    SearchParams,
    document_view,
    search_documents,
    similar_documents,
    suggestions,
)
from search_api.service import Filewarden
from search_api.settings import Settings, get_settings
from search_api.training import Progress, relabel, report_summary, retrain
from search_api.worker import IngestWorker

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI application for one data folder."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        filewarden = Filewarden(settings)
        worker = IngestWorker(filewarden)
        api.state.filewarden = filewarden
        api.state.worker = worker
        api.state.reindex_thread = None
        api.state.training = BackgroundJob("training")
        worker.start()
        logger.info("serving data folder %s", settings.data_dir.resolve())
        yield
        worker.stop()
        filewarden.close()

    api = FastAPI(
        title="Filewarden",
        summary="Files customers send: received, read, labelled, findable.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _add_docs(api)
    api.add_exception_handler(FilewardenError, _error_answer)  # type: ignore[arg-type]
    api.add_exception_handler(
        RequestValidationError,
        _invalid_request_answer,  # type: ignore[arg-type]
    )
    _add_routes(api)
    _add_label_routes(api)
    _add_index_routes(api)
    _add_model_routes(api)
    add_page_routes(api)
    return api


def _add_docs(api: FastAPI) -> None:
    # Swagger UI from the installed package, not a CDN: Filewarden often runs
    # on networks that cannot reach one.
    api.mount(
        "/docs-assets",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="docs-assets",
    )

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Filewarden API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


async def _invalid_request_answer(
    request: Request, err: RequestValidationError
) -> JSONResponse:
    # FastAPI's own answer echoes the whole input back; name the fields instead.
    problems = [
        {"where": ".".join(str(part) for part in e["loc"]), "problem": e["msg"]}
        for e in err.errors()
    ]
    first = problems[0] if problems else {"where": "request", "problem": "invalid"}
    return JSONResponse(
        status_code=422,
        content={
            "error": f"{first['where']}: {first['problem']}",
            "detail": {"problems": problems},
        },
    )


async def _error_answer(request: Request, err: FilewardenError) -> JSONResponse:
    return JSONResponse(
        status_code=err.status_code,
        content={"error": err.message, "detail": err.detail},
    )


def _filewarden(request: Request) -> Filewarden:
    return request.app.state.filewarden  # type: ignore[no-any-return]


def _add_routes(api: FastAPI) -> None:
    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.post("/documents", response_model=list[ReceiptOut])
    def upload(
        request: Request,
        files: Annotated[list[UploadFile], File(description="one or more files")],
        customer: Annotated[str | None, Form()] = None,
        note: Annotated[str | None, Form()] = None,
        channel: Annotated[str, Form()] = "upload",
        wait: Annotated[bool, Query(description="process before answering")] = False,
    ) -> list[ReceiptOut]:
        """Record each file with a receipt, then extract, label and index it."""
        filewarden = _filewarden(request)
        _check_upload(filewarden, files)
        receipts = [
            receive(
                filewarden.db,
                filewarden.blobs,
                upload.file,
                upload.filename or "unnamed",
                customer,
                channel,
                filewarden.settings.max_file_size_bytes,
                note=note,
            )
            for upload in files
        ]
        new_ids = [r.document_id for r in receipts if r.duplicate_of is None]
        if wait:
            process_batch(filewarden, new_ids)
        else:
            for document_id in new_ids:
                request.app.state.worker.submit(document_id)
        return [_receipt_out(filewarden, r) for r in receipts]

    @api.get("/documents/{document_id}", response_model=DocumentOut)
    def get_document(request: Request, document_id: int) -> DocumentOut:
        return document_view(_filewarden(request), document_id)

    @api.get("/documents/{document_id}/original")
    def get_original(request: Request, document_id: int) -> FileResponse:
        """The stored bytes, unchanged, under the name the sender gave them."""
        filewarden = _filewarden(request)
        record = filewarden.db.get(document_id)
        return FileResponse(
            filewarden.blobs.path_of(record.sha256),
            media_type=record.mime_type or "application/octet-stream",
            filename=record.original_filename,
        )

    @api.get("/search", response_model=SearchOut)
    def search(
        request: Request,
        q: str = "",
        category: Annotated[list[str] | None, Query()] = None,
        sensitivity: Annotated[list[str] | None, Query()] = None,
        customer: Annotated[list[str] | None, Query()] = None,
        type: Annotated[list[str] | None, Query()] = None,
        language: Annotated[list[str] | None, Query()] = None,
        received_from: str | None = None,
        received_to: str | None = None,
        page: int = 1,
        page_size: int | None = None,
        sort: str = "relevance",
        cursor: str | None = None,
    ) -> SearchOut:
        """Full-text and faceted search in Filewarden's query language.

        For deep pages pass the previous answer's ``next_cursor`` as ``cursor``.
        """
        params = SearchParams(
            q=q,
            category=category,
            sensitivity=sensitivity,
            customer=customer,
            type=type,
            language=language,
            received_from=received_from,
            received_to=received_to,
            page=page,
            page_size=page_size,
            sort=sort,
            cursor=cursor,
        )
        return search_documents(_filewarden(request), params)

    @api.get("/documents/{document_id}/similar", response_model=SearchOut)
    def similar(
        request: Request,
        document_id: int,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> SearchOut:
        """More like this: documents sharing this one's most distinctive terms."""
        return similar_documents(
            _filewarden(request), document_id, SearchParams(), limit
        )

    @api.get("/suggest", response_model=list[SuggestionOut])
    def suggest(
        request: Request,
        prefix: Annotated[str, Query(max_length=100)],
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> list[SuggestionOut]:
        """Titles, customers and frequent terms starting with ``prefix``."""
        return suggestions(_filewarden(request), prefix, limit)


def _add_label_routes(api: FastAPI) -> None:
    @api.get("/documents", response_model=list[DocumentSummaryOut])
    def list_documents(
        request: Request,
        state: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[DocumentSummaryOut]:
        """Documents, newest first, optionally in one state (failed, encrypted...)."""
        if state is not None and state not in (*PENDING_STATES, *TERMINAL_STATES):
            raise InvalidInput(
                f"unknown state {state!r}; expected one of "
                f"{', '.join((*PENDING_STATES, *TERMINAL_STATES))}",
                state=state,
            )
        records = _filewarden(request).db.list_documents(state, limit, offset)
        return [_summary_out(r) for r in records]

    @api.post("/documents/{document_id}/password", response_model=DocumentOut)
    def supply_password(
        request: Request, document_id: int, body: PasswordIn
    ) -> DocumentOut:
        """Open an encrypted document with its password and process it."""
        filewarden = _filewarden(request)
        unlock(filewarden, document_id, body.password)
        return document_view(filewarden, document_id)

    @api.post("/documents/{document_id}/labels", response_model=DocumentOut)
    def set_labels(request: Request, document_id: int, body: LabelsIn) -> DocumentOut:
        """Correct (or confirm) the category and/or sensitivity as a person."""
        filewarden = _filewarden(request)
        correct_labels(
            filewarden,
            document_id,
            body.by,
            category=body.category,
            sensitivity=body.sensitivity,
            reason=body.reason,
        )
        return document_view(filewarden, document_id)

    @api.get(
        "/documents/{document_id}/labels/history",
        response_model=list[LabelDecisionOut],
    )
    def label_history(request: Request, document_id: int) -> list[LabelDecisionOut]:
        filewarden = _filewarden(request)
        filewarden.db.get(document_id)
        return [
            LabelDecisionOut(**asdict(d)) for d in decisions_of(filewarden, document_id)
        ]

    @api.get("/review", response_model=list[DocumentSummaryOut])
    def review(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[DocumentSummaryOut]:
        """Documents whose labels need a person, least certain first."""
        records = review_queue(_filewarden(request), limit, offset)
        return [_summary_out(r) for r in records]

    @api.post("/review/{document_id}/accept", response_model=DocumentOut)
    def accept(request: Request, document_id: int, body: AcceptIn) -> DocumentOut:
        """Confirm the model's labels for a document in the review queue."""
        filewarden = _filewarden(request)
        accept_suggestions(filewarden, document_id, body.by)
        return document_view(filewarden, document_id)


def _add_index_routes(api: FastAPI) -> None:
    @api.post("/index/reindex", response_model=ReindexJobOut, status_code=202)
    def start_reindex(request: Request) -> ReindexJobOut:
        """Rebuild the index from the database in the background."""
        filewarden = _filewarden(request)
        running = request.app.state.reindex_thread
        if running is not None and running.is_alive():
            raise Conflict("a reindex is already running")
        thread = threading.Thread(
            target=_reindex_quietly, args=(filewarden,), name="reindex", daemon=True
        )
        request.app.state.reindex_thread = thread
        thread.start()
        return _reindex_status(filewarden, wait_for_start=True)

    @api.get("/index/reindex", response_model=ReindexJobOut)
    def reindex_status(request: Request) -> ReindexJobOut:
        """Progress of the latest reindex."""
        return _reindex_status(_filewarden(request), wait_for_start=False)


def _add_model_routes(api: FastAPI) -> None:
    @api.get("/models")
    def models(request: Request) -> list[dict[str, Any]]:
        """Every trained classifier version, the current one marked."""
        from classifier import list_models

        return [
            asdict(m) for m in list_models(_filewarden(request).settings.models_dir)
        ]

    @api.post("/models/train", response_model=JobOut, status_code=202)
    def train(request: Request, body: TrainIn) -> JobOut:
        """Retrain from the seed set and people's decisions, in the background."""
        filewarden = _filewarden(request)
        job: BackgroundJob = request.app.state.training

        def work(progress: Progress) -> dict[str, Any]:
            report = retrain(filewarden, force=body.force, progress=progress)
            return report_summary(report)

        job.start(work)
        return JobOut(**asdict(job.status))

    @api.get("/models/train", response_model=JobOut)
    def training_status(request: Request) -> JobOut:
        """Progress of the latest training job (training, then relabelling)."""
        return JobOut(**asdict(request.app.state.training.status))

    @api.post("/models/{version}/promote", response_model=JobOut, status_code=202)
    def promote_model(request: Request, version: str) -> JobOut:
        """Make a version current, then relabel in the background."""
        from classifier import promote

        filewarden = _filewarden(request)
        promote(filewarden.settings.models_dir, version)
        return _start_relabel(request, filewarden)

    @api.post("/models/rollback", response_model=JobOut, status_code=202)
    def rollback_model(request: Request) -> JobOut:
        """Go back to the version that was current before, then relabel."""
        from classifier import rollback

        filewarden = _filewarden(request)
        rollback(filewarden.settings.models_dir)
        return _start_relabel(request, filewarden)


def _start_relabel(request: Request, filewarden: Filewarden) -> JobOut:
    filewarden.forget_classifier()
    job: BackgroundJob = request.app.state.training

    def work(progress: Progress) -> dict[str, Any]:
        return {"relabelled": relabel(filewarden, progress)}

    job.start(work)
    return JobOut(**asdict(job.status))


def _reindex_quietly(filewarden: Filewarden) -> None:
    try:
        reindex(filewarden)
    except Exception:
        logger.exception("reindex failed; the old index keeps serving")


def _reindex_status(filewarden: Filewarden, wait_for_start: bool) -> ReindexJobOut:
    deadline = time.monotonic() + (5.0 if wait_for_start else 0.0)
    job = latest_job(filewarden)
    while wait_for_start and (job is None or job.state != "running"):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
        job = latest_job(filewarden)
    if job is None:
        raise NotFound("no reindex has run yet")
    return ReindexJobOut(**asdict(job))


def _summary_out(record: DocumentRecord) -> DocumentSummaryOut:
    fields = {name: getattr(record, name) for name in DocumentSummaryOut.model_fields}
    return DocumentSummaryOut(**fields)


def _check_upload(filewarden: Filewarden, files: list[UploadFile]) -> None:
    """Refuse the whole upload before anything is stored, naming the culprit."""
    settings = filewarden.settings
    if len(files) > settings.max_upload_files:
        raise InvalidInput(
            f"{len(files)} files in one upload; at most "
            f"{settings.max_upload_files} are allowed",
            count=len(files),
            limit=settings.max_upload_files,
        )
    for upload in files:
        if upload.size is not None and upload.size > settings.max_file_size_bytes:
            raise TooLarge(
                f"{upload.filename!r} is {upload.size} bytes; the limit is "
                f"{settings.max_file_size_bytes} bytes, so nothing was stored",
                filename=upload.filename,
                size_bytes=upload.size,
                max_bytes=settings.max_file_size_bytes,
            )


def _receipt_out(filewarden: Filewarden, receipt: Receipt) -> ReceiptOut:
    """The receipt with the document's state as it is now."""
    record = filewarden.db.get(receipt.document_id)
    fields = {k: v for k, v in asdict(receipt).items() if k in ReceiptOut.model_fields}
    fields |= {"state": record.state, "failure_reason": record.failure_reason}
    return ReceiptOut(**fields)
