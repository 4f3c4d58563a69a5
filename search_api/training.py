"""Retraining from people's decisions, and relabelling after a promotion."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from classifier import LabeledExample, TrainingReport, train_model
from search_api.pipeline import classify_step, index_documents
from search_api.service import Filewarden

logger = logging.getLogger(__name__)

RELABEL_BATCH_SIZE: Final = 200
Progress = Callable[[str, int, int], None]


def human_examples(app: Filewarden) -> list[LabeledExample]:
    """Documents a person corrected or confirmed, with their labels as they stand."""
    with app.db.connect() as conn:
        rows = conn.execute(
            "SELECT d.id, d.title, d.language, d.category, d.sensitivity, t.text "
            "FROM documents d JOIN document_texts t ON t.document_id = d.id "
            "WHERE d.id IN (SELECT document_id FROM label_decisions) "
            "AND d.category IS NOT NULL AND d.sensitivity IS NOT NULL ORDER BY d.id"
        ).fetchall()
    return [
        LabeledExample(
            text=row["text"],
            title=row["title"] or "",
            category=row["category"],
            sensitivity=row["sensitivity"],
            language=row["language"] or "und",
            id=f"document-{row['id']}",
        )
        for row in rows
    ]


def retrain(
    app: Filewarden,
    force: bool = False,
    random_seed: int = 0,
    progress: Progress | None = None,
) -> TrainingReport:
    """Train on the seed set plus people's decisions; relabel if promoted."""
    settings = app.settings
    extra = human_examples(app)
    logger.info("training with %s examples from people's decisions", len(extra))
    if progress:
        progress("training", 0, 1)

    report = train_model(
        settings.seed_dir,
        settings.models_dir,
        categories=settings.categories,
        sensitivities=settings.sensitivities,
        extra_examples=extra,
        random_seed=random_seed,
        max_text_chars=settings.classifier_max_text_chars,
        force=force,
    )

    if progress:
        progress("training", 1, 1)
    if report.promoted:
        app.forget_classifier()
        relabel(app, progress)
    return report


def relabel(app: Filewarden, progress: Progress | None = None) -> int:
    """Label again, with the current model, documents a person has not labelled.

    Resumable: a document labelled by the current model version is skipped.
    """
    version = app.classifier.version
    ids = _stale_ids(app, version)
    logger.info("relabelling %s documents with model %s", len(ids), version)
    for start in range(0, len(ids), RELABEL_BATCH_SIZE):
        batch = ids[start : start + RELABEL_BATCH_SIZE]
        for record in app.db.get_many(batch).values():
            classify_step(app, record)
        index_documents(app, batch)
        if progress:
            progress("relabelling", start + len(batch), len(ids))
    return len(ids)


def _stale_ids(app: Filewarden, version: str) -> list[int]:
    with app.db.connect() as conn:
        rows = conn.execute(
            "SELECT id FROM documents WHERE state IN ('classified', 'indexed') "
            "AND (model_version IS NULL OR model_version != ?) "
            "AND NOT (coalesce(category_source, '') = 'person' "
            "AND coalesce(sensitivity_source, '') = 'person') ORDER BY id",
            (version,),
        ).fetchall()
    return [row["id"] for row in rows]


def report_summary(report: TrainingReport) -> dict[str, Any]:
    """What a person wants to see of a training run: scores and the promotion."""
    return {
        "version": report.version,
        "examples": report.examples,
        "category_macro_f1": report.category_macro_f1,
        "sensitivity_macro_f1": report.sensitivity_macro_f1,
        "promoted": report.promoted,
        "previous_version": report.previous_version,
        "comparison": report.comparison,
    }
