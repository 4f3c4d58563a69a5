"""Corrections and confirmations of labels by people, and the review queue."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final, Literal

from search_api.database import DocumentRecord, utc_now
from search_api.errors import Conflict, InvalidInput
from search_api.pipeline import index_documents
from search_api.service import Filewarden

logger = logging.getLogger(__name__)

LabelName = Literal["category", "sensitivity"]
LABEL_NAMES: Final[tuple[LabelName, ...]] = ("category", "sensitivity")
MAX_PERSON_CHARS: Final = 200


@dataclass
class LabelDecision:
    """One label a person set (a correction) or agreed with (a confirmation)."""

    id: int
    document_id: int
    kind: str
    label: str
    old_value: str | None
    new_value: str
    decided_by: str
    reason: str | None
    model_version: str | None
    decided_at: str


def correct_labels(
    app: Filewarden,
    document_id: int,
    decided_by: str,
    category: str | None = None,
    sensitivity: str | None = None,
    reason: str | None = None,
) -> DocumentRecord:
    """Set labels as a person decided; the index follows at once."""
    new_values = {"category": category, "sensitivity": sensitivity}
    _check_decision(app, decided_by, new_values)
    _labelled_document(app, document_id)

    _record_decisions(app, document_id, new_values, decided_by, reason)

    index_documents(app, [document_id])
    logger.info("labels of document %s set by a person", document_id)
    return app.db.get(document_id)


def accept_suggestions(
    app: Filewarden, document_id: int, decided_by: str
) -> DocumentRecord:
    """Confirm the labels the model gave; confirmations teach the model too."""
    record = _labelled_document(app, document_id)
    return correct_labels(
        app,
        document_id,
        decided_by,
        category=record.category,
        sensitivity=record.sensitivity,
        reason="accepted from the review queue",
    )


def decisions_of(app: Filewarden, document_id: int) -> list[LabelDecision]:
    with app.db.connect() as conn:
        rows = conn.execute(
            "SELECT * FROM label_decisions WHERE document_id = ? ORDER BY id",
            (document_id,),
        ).fetchall()
    return [LabelDecision(**dict(row)) for row in rows]


def review_queue(app: Filewarden, limit: int, offset: int) -> list[DocumentRecord]:
    """Documents that need a person, the least certain first."""
    with app.db.connect() as conn:
        rows = conn.execute(
            "SELECT id FROM documents WHERE needs_review = 1 "
            "AND state IN ('classified', 'indexed') "
            "ORDER BY min(coalesce(category_confidence, 0), "
            "coalesce(sensitivity_confidence, 0)), id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
    ids = [row["id"] for row in rows]
    records = app.db.get_many(ids)
    return [records[i] for i in ids]


def _check_decision(
    app: Filewarden, decided_by: str, new_values: dict[str, str | None]
) -> None:
    if not decided_by.strip() or len(decided_by) > MAX_PERSON_CHARS:
        raise InvalidInput("say who made the decision (1 to 200 characters)")
    if all(value is None for value in new_values.values()):
        raise InvalidInput("give a new category, a new sensitivity, or both")
    allowed = {
        "category": app.settings.categories,
        "sensitivity": app.settings.sensitivities,
    }
    for label, value in new_values.items():
        if value is not None and value not in allowed[label]:
            raise InvalidInput(
                f"{value!r} is not a {label}; expected one of "
                f"{', '.join(allowed[label])}",
                label=label,
                value=value,
            )


def _labelled_document(app: Filewarden, document_id: int) -> DocumentRecord:
    record = app.db.get(document_id)
    if record.state not in ("classified", "indexed"):
        raise Conflict(
            f"document {document_id} is {record.state}; only labelled documents "
            "can be corrected",
            id=document_id,
            state=record.state,
        )
    return record


def _record_decisions(
    app: Filewarden,
    document_id: int,
    new_values: dict[str, str | None],
    decided_by: str,
    reason: str | None,
) -> None:
    # Reading the old labels and writing the new ones is one write transaction,
    # so concurrent corrections each see the value the previous one left.
    now = utc_now()
    with app.db.connect(immediate=True) as conn:
        row = conn.execute(
            "SELECT category, sensitivity, model_version FROM documents WHERE id = ?",
            (document_id,),
        ).fetchone()
        columns: dict[str, object] = {"needs_review": False}
        decisions = []
        for label, value in new_values.items():
            if value is None:
                continue
            kind = "confirmation" if value == row[label] else "correction"
            decisions.append((kind, label, row[label], value))
            columns |= {
                label: value,
                f"{label}_confidence": 1.0,
                f"{label}_source": "person",
            }
        conn.executemany(
            "INSERT INTO label_decisions (document_id, kind, label, old_value, "
            "new_value, decided_by, reason, model_version, decided_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    document_id,
                    kind,
                    label,
                    old,
                    new,
                    decided_by,
                    reason,
                    row["model_version"],
                    now,
                )
                for kind, label, old, new in decisions
            ],
        )
        assignments = ", ".join(f"{name} = ?" for name in columns)
        conn.execute(
            f"UPDATE documents SET {assignments}, updated_at = ?, "
            "revision = revision + 1 WHERE id = ?",
            [*columns.values(), now, document_id],
        )
