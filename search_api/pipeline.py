"""Moving documents forward: extract, classify, index; each step idempotent."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Final

from classifier.types import Prediction
from extractors import extract_file
from extractors.types import Extraction, ExtractionFailed
from indexer.plan import parse_document_date
from indexer.types import IndexDocument
from search_api.database import DocumentRecord
from search_api.errors import Conflict
from search_api.intake import receive_child
from search_api.logs import document_context
from search_api.service import Filewarden

logger = logging.getLogger(__name__)

INDEX_BATCH_SIZE: Final = 64
MAX_TITLE_CHARS: Final = 200

FILE_TYPES: Final = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.rar": "archive",
    "application/x-dbf": "dbf",
    "application/onenote": "onenote",
    "application/vnd.wordperfect": "wordperfect",
    "application/pgp-encrypted": "pgp",
    "application/xml": "xml",
    "text/tab-separated-values": "csv",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/rtf": "rtf",
    "application/ofd": "ofd",
    "message/rfc822": "email",
    "application/vnd.ms-outlook": "email",
    "application/zip": "archive",
    "application/x-7z-compressed": "archive",
    "application/x-tar": "archive",
    "application/gzip": "archive",
    "text/html": "html",
    "text/csv": "csv",
    "text/plain": "text",
}

ProgressCallback = Callable[[int, str], None]


def file_type_of(mime_type: str | None) -> str:
    """A short facet value for a MIME type: pdf, docx, image, text, ..."""
    if not mime_type:
        return "unknown"
    if mime_type.startswith("image/"):
        return "image"
    return FILE_TYPES.get(mime_type, mime_type.rsplit("/", 1)[-1])


@dataclass
class BatchOutcome:
    """Final state of every document a batch touched, children included."""

    states: dict[int, str] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)


def extract_step(
    app: Filewarden, doc: DocumentRecord, password: str | None
) -> list[int]:
    """Turn the original into text; returns the ids of child documents found."""
    source = app.blobs.path_of(doc.sha256)
    try:
        extraction = extract_file(source, app.extraction_limits, password=password)
    except ExtractionFailed as failure:
        logger.info("extraction ended in %s: %s", failure.state, failure.reason)
        app.db.update(
            doc.id,
            state=failure.state,
            failure_reason=failure.reason,
            mime_type=failure.mime_type,
        )
        return []

    app.db.save_text(doc.id, extraction.text)
    app.db.update(
        doc.id,
        state="extracted",
        failure_reason=None,
        warnings=_extraction_warnings(app, extraction),
        **_metadata_columns(doc, extraction),
    )
    logger.info(
        "extracted %s chars from %s (%s pages, %s OCRed)",
        len(extraction.text),
        extraction.mime_type,
        extraction.page_count,
        len(extraction.ocr_pages),
    )
    return receive_children(app, doc, extraction)


def receive_children(
    app: Filewarden, doc: DocumentRecord, extraction: Extraction
) -> list[int]:
    """Record attachments and archive members as documents of their own."""
    if not extraction.children:
        return []
    limit = app.settings.max_archive_depth
    if app.db.depth_of(doc.id) >= limit:
        # An archive that contains itself (or a deep chain) ends here.
        warning = (
            f"{len(extraction.children)} files inside were not taken: "
            f"nesting is deeper than {limit}"
        )
        logger.warning("%s", warning)
        app.db.update(doc.id, warnings=[warning])
        return []
    return [
        receive_child(app.db, app.blobs, doc.id, child.name, child.data)
        for child in extraction.children
    ]


def _extraction_warnings(app: Filewarden, extraction: Extraction) -> list[str]:
    limit = app.settings.max_pages
    if extraction.page_count and extraction.page_count > limit:
        return [f"only the first {limit} of {extraction.page_count} pages were read"]
    return []


def _metadata_columns(doc: DocumentRecord, extraction: Extraction) -> dict[str, object]:
    return {
        "mime_type": extraction.mime_type,
        "title": _title(doc, extraction),
        "author": extraction.author,
        "created": extraction.created,
        "modified": extraction.modified,
        "language": extraction.language or "und",
        "page_count": extraction.page_count,
        "ocr_pages": extraction.ocr_pages,
        "char_count": len(extraction.text),
    }


def _title(doc: DocumentRecord, extraction: Extraction) -> str:
    # Office templates often carry a placeholder title such as "Title" or the
    # author's name; a title shorter than 3 characters is not worth showing.
    title = (extraction.title or "").strip()
    if len(title) < 3:
        title = PurePath(doc.original_filename).stem
    return title[:MAX_TITLE_CHARS]


def classify_step(app: Filewarden, doc: DocumentRecord) -> None:
    """Label the document; a label a person gave is never replaced."""
    text = app.db.text_of(doc.id)
    prediction = app.classifier.predict(text, title=doc.title or "")
    columns: dict[str, object] = {
        "state": "classified",
        "pii_kinds": prediction.pii_kinds,
        "model_version": prediction.model_version,
        "suggestions": {
            "category": [
                [s.label, s.probability] for s in prediction.category_suggestions
            ],
            "sensitivity": [
                [s.label, s.probability] for s in prediction.sensitivity_suggestions
            ],
        },
    }
    if doc.category_source != "person":
        columns |= {
            "category": prediction.category,
            "category_confidence": prediction.category_confidence,
            "category_source": prediction.category_source,
        }
    if doc.sensitivity_source != "person":
        columns |= {
            "sensitivity": prediction.sensitivity,
            "sensitivity_confidence": prediction.sensitivity_confidence,
            "sensitivity_source": prediction.sensitivity_source,
        }
    columns["needs_review"] = _needs_review(app, prediction)
    app.db.update(doc.id, **columns)
    logger.info(
        "classified as %s/%s (%.2f/%.2f), pii kinds %s",
        columns.get("category", doc.category),
        columns.get("sensitivity", doc.sensitivity),
        prediction.category_confidence,
        prediction.sensitivity_confidence,
        sorted(prediction.pii_kinds),
    )


def _needs_review(app: Filewarden, prediction: Prediction) -> bool:
    """Unsure labels, or the PII detector overruling a model sure of another."""
    s = app.settings
    model_sensitivity = prediction.sensitivity_suggestions[:1]
    detector_disagrees = prediction.sensitivity_source == "detector" and any(
        top.label != prediction.sensitivity for top in model_sensitivity
    )
    return (
        prediction.category_confidence < s.category_threshold
        or prediction.sensitivity_confidence < s.sensitivity_threshold
        or detector_disagrees
    )


def index_documents(app: Filewarden, ids: list[int]) -> int:
    """Write the current state of these documents to the index; returns how many."""
    records = app.db.get_many(ids)
    searchable = {
        i: r for i, r in records.items() if r.state in ("classified", "indexed")
    }
    if not searchable:
        return 0
    texts = app.db.texts_of(list(searchable))
    app.index.add(
        [to_index_document(r, texts.get(i, "")) for i, r in searchable.items()]
    )
    app.db.mark_indexed({i: r.revision for i, r in searchable.items()})
    return len(searchable)


def to_index_document(record: DocumentRecord, text: str) -> IndexDocument:
    received = datetime.fromisoformat(record.received_at)
    return IndexDocument(
        id=record.id,
        title=record.title or record.original_filename,
        text=text,
        original_filename=record.original_filename,
        customer=record.customer,
        category=record.category or "other",
        sensitivity=record.sensitivity or "internal",
        file_type=file_type_of(record.mime_type),
        language=record.language or "und",
        received_at=received,
        document_date=parse_document_date(record.created),
    )


def advance(
    app: Filewarden, document_id: int, password: str | None = None
) -> list[int]:
    """Take one document as far as extraction and labels go; returns child ids."""
    with document_context(document_id):
        children: list[int] = []
        doc = app.db.get(document_id)
        if doc.state == "received" or password is not None:
            children = extract_step(app, doc, password)
            doc = app.db.get(document_id)
        if doc.state == "extracted":
            classify_step(app, doc)
        return children


def _advance_safely(app: Filewarden, document_id: int) -> list[int]:
    # One broken document must never stop a batch: anything unexpected is
    # recorded as the document's failure and the batch goes on.
    try:
        return advance(app, document_id)
    except Exception as err:
        with document_context(document_id):
            logger.exception("processing failed unexpectedly")
        app.db.update(
            document_id,
            state="failed",
            failure_reason=f"internal error while processing: {type(err).__name__}",
        )
        return []


def process_batch(
    app: Filewarden, ids: list[int], progress: ProgressCallback | None = None
) -> BatchOutcome:
    """Extract and label documents on worker threads, index them in batches."""
    started = time.monotonic()
    outcome = BatchOutcome()
    to_index: list[int] = []
    with ThreadPoolExecutor(max_workers=app.settings.extract_workers) as pool:
        running: dict[Future[list[int]], int] = {
            pool.submit(_advance_safely, app, i): i for i in ids
        }
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                document_id = running.pop(future)
                for child in future.result():
                    running[pool.submit(_advance_safely, app, child)] = child
                to_index.append(document_id)
                if progress:
                    progress(document_id, app.db.get(document_id).state)
            if len(to_index) >= INDEX_BATCH_SIZE:
                index_documents(app, to_index)
                to_index = []
    index_documents(app, to_index)
    _collect_outcome(app, outcome, list(_touched(app, ids)))
    logger.info("batch done in %.1f s", time.monotonic() - started)
    return outcome


def _touched(app: Filewarden, ids: Iterable[int]) -> Iterable[int]:
    for document_id in ids:
        yield document_id
        yield from _touched(app, app.db.children_of(document_id))


def _collect_outcome(app: Filewarden, outcome: BatchOutcome, ids: list[int]) -> None:
    for document_id, record in app.db.get_many(ids).items():
        outcome.states[document_id] = record.state
        if record.failure_reason:
            outcome.reasons[document_id] = record.failure_reason


def reextract_all(app: Filewarden) -> BatchOutcome:
    """Extract and label every document again (labels people gave are kept)."""
    with app.db.connect() as conn:
        conn.execute(
            "UPDATE documents SET state = 'received', revision = revision + 1 "
            "WHERE state IN ('extracted', 'classified', 'indexed', 'failed')"
        )
    return process_batch(app, app.db.ids_in_states(("received",)))


def _claim_for_unlock(app: Filewarden, document_id: int) -> bool:
    # One password attempt at a time per document: the attempt that moves it
    # out of "encrypted" owns it; the others are told it is not encrypted.
    with app.db.connect(immediate=True) as conn:
        claimed = conn.execute(
            "UPDATE documents SET state = 'received' "
            "WHERE id = ? AND state = 'encrypted'",
            (document_id,),
        ).rowcount
    return claimed == 1


def unlock(app: Filewarden, document_id: int, password: str) -> DocumentRecord:
    """Extract an encrypted document again with a password a person supplied.

    The password is used for this one extraction and never stored or logged.
    """
    app.db.get(document_id)
    if not _claim_for_unlock(app, document_id):
        record = app.db.get(document_id)
        raise Conflict(
            f"document {document_id} is {record.state}, not encrypted; "
            "a password is only taken for encrypted documents",
            id=document_id,
            state=record.state,
        )
    children = advance(app, document_id, password=password)
    if children:
        process_batch(app, children)
    index_documents(app, [document_id])
    return app.db.get(document_id)
