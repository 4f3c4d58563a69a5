"""Routes for documents: upload with receipts, metadata, originals, passwords."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse

from search_api.database import PENDING_STATES, TERMINAL_STATES, DocumentRecord
from search_api.errors import InvalidInput, TooLarge
from search_api.intake import Receipt, receive
from search_api.pipeline import process_batch, unlock
from search_api.routes.context import filewarden_of
from search_api.schemas import (
    DocumentOut,
    DocumentSummaryOut,
    PasswordIn,
    ReceiptOut,
    SearchOut,
)
from search_api.searching import SearchParams, document_view, similar_documents
from search_api.service import Filewarden

router = APIRouter(tags=["documents"])


@router.post("/documents", response_model=list[ReceiptOut])
def upload(
    request: Request,
    files: Annotated[list[UploadFile], File(description="one or more files")],
    customer: Annotated[str | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
    channel: Annotated[str, Form()] = "upload",
    wait: Annotated[bool, Query(description="process before answering")] = False,
) -> list[ReceiptOut]:
    """Record each file with a receipt, then extract, label and index it."""
    filewarden = filewarden_of(request)
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


@router.get("/documents/{document_id}", response_model=DocumentOut)
def get_document(request: Request, document_id: int) -> DocumentOut:
    return document_view(filewarden_of(request), document_id)


@router.get("/documents/{document_id}/original")
def get_original(request: Request, document_id: int) -> FileResponse:
    """The stored bytes, unchanged, under the name the sender gave them."""
    filewarden = filewarden_of(request)
    record = filewarden.db.get(document_id)
    return FileResponse(
        filewarden.blobs.path_of(record.sha256),
        media_type=record.mime_type or "application/octet-stream",
        filename=record.original_filename,
    )


@router.get("/documents", response_model=list[DocumentSummaryOut])
def list_documents(
    request: Request,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> list[DocumentSummaryOut]:
    """Documents, newest first, optionally in one state (failed, encrypted...)."""
    if state is not None and state not in (*PENDING_STATES, *TERMINAL_STATES):
        raise InvalidInput(
            f"unknown state {state!r}; expected one of "
            f"{', '.join((*PENDING_STATES, *TERMINAL_STATES))}",
            state=state,
        )
    records = filewarden_of(request).db.list_documents(state, limit, offset)
    return [summary_out(r) for r in records]


@router.post("/documents/{document_id}/password", response_model=DocumentOut)
def supply_password(
    request: Request, document_id: int, body: PasswordIn
) -> DocumentOut:
    """Open an encrypted document with its password and process it."""
    filewarden = filewarden_of(request)
    unlock(filewarden, document_id, body.password)
    return document_view(filewarden, document_id)


@router.get("/documents/{document_id}/similar", response_model=SearchOut)
def similar(
    request: Request,
    document_id: int,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchOut:
    """More like this: documents sharing this one's most distinctive terms."""
    return similar_documents(filewarden_of(request), document_id, SearchParams(), limit)


def summary_out(record: DocumentRecord) -> DocumentSummaryOut:
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
