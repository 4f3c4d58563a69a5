"""Routes for people's label decisions and the review queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from search_api.labels import (
    LabelDecision,
    accept_suggestions,
    correct_labels,
    decisions_of,
    review_queue,
)
from search_api.routes.context import filewarden_of
from search_api.routes.documents import summary_out
from search_api.schemas import (
    AcceptIn,
    DocumentOut,
    DocumentSummaryOut,
    LabelsIn,
)
from search_api.searching import document_view

router = APIRouter(tags=["labels"])


@router.post("/documents/{document_id}/labels", response_model=DocumentOut)
def set_labels(request: Request, document_id: int, body: LabelsIn) -> DocumentOut:
    """Correct (or confirm) the category and/or sensitivity as a person."""
    filewarden = filewarden_of(request)
    correct_labels(
        filewarden,
        document_id,
        body.by,
        category=body.category,
        sensitivity=body.sensitivity,
        reason=body.reason,
    )
    return document_view(filewarden, document_id)


@router.get(
    "/documents/{document_id}/labels/history",
    response_model=list[LabelDecision],
)
def label_history(request: Request, document_id: int) -> list[LabelDecision]:
    filewarden = filewarden_of(request)
    filewarden.db.get(document_id)
    return decisions_of(filewarden, document_id)


@router.get("/review", response_model=list[DocumentSummaryOut])
def review(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> list[DocumentSummaryOut]:
    """Documents whose labels need a person, least certain first."""
    records = review_queue(filewarden_of(request), limit, offset)
    return [summary_out(r) for r in records]


@router.post("/review/{document_id}/accept", response_model=DocumentOut)
def accept(request: Request, document_id: int, body: AcceptIn) -> DocumentOut:
    """Confirm the model's labels for a document in the review queue."""
    filewarden = filewarden_of(request)
    accept_suggestions(filewarden, document_id, body.by)
    return document_view(filewarden, document_id)
