"""The versions in a models folder, which one is CURRENT, and how it got there."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from classifier.errors import ModelIntegrityError
from classifier.model import (
    CURRENT_FILE,
    VERSION_PATTERN,
    read_current,
    read_metadata,
    verify_model,
)
from search_api.errors import Conflict

logger = logging.getLogger(__name__)

HISTORY_FILE: Final = "HISTORY"
NO_VERSION: Final = "-"
ROLLBACK_ACTION: Final = "rollback"


@dataclass(frozen=True)
class ModelInfo:
    """One saved version; macro-F1 figures are held-out ones, None before they existed.

    ``examples`` counts every labelled example of its training run, the held-out
    ones included.
    """

    version: str
    created_at: str
    is_current: bool
    category_macro_f1: float | None
    sensitivity_macro_f1: float | None
    examples: int


@dataclass(frozen=True)
class HistoryEntry:
    """One line of HISTORY: when CURRENT moved, from where, to where, and why."""

    switched_at: str
    action: str
    previous: str | None
    version: str
    reason: str


def list_models(models_dir: Path) -> list[ModelInfo]:
    """Every version folder with readable metadata, newest first."""
    if not models_dir.is_dir():
        return []
    current = current_or_none(models_dir)

    infos = []
    for folder in models_dir.iterdir():
        if folder.is_dir() and VERSION_PATTERN.fullmatch(folder.name):
            info = _info(folder, current)
            if info is not None:
                infos.append(info)
    return sorted(infos, key=lambda info: (info.created_at, info.version), reverse=True)


def promote(
    models_dir: Path, version: str, reason: str = "promoted by an operator"
) -> None:
    """Make ``version`` CURRENT once its model file matches its recorded SHA-256."""
    verify_model(models_dir, version)

    if current_or_none(models_dir) == version:
        logger.info("model %s is already current; nothing to promote", version)
        return
    switch_current(models_dir, version, "promote", reason)


def rollback(models_dir: Path, reason: str = "rolled back by an operator") -> str:
    """Make the version that was CURRENT before the current one CURRENT again."""
    current = read_current(models_dir)
    lineage = promotion_lineage(read_history(models_dir))
    if len(lineage) < 2 or lineage[-1] != current:
        raise Conflict(
            f"cannot roll back from {current}: {models_dir / HISTORY_FILE} records "
            f"no version current before it (lineage {lineage[-3:]}); use promote "
            "with an explicit version instead",
            current=current,
            lineage=lineage,
        )

    target = lineage[-2]
    verify_model(models_dir, target)
    switch_current(models_dir, target, ROLLBACK_ACTION, reason)
    return target


def switch_current(models_dir: Path, version: str, action: str, reason: str) -> None:
    """Point CURRENT at ``version`` atomically and append the switch to HISTORY."""
    previous = current_or_none(models_dir)
    entry = HistoryEntry(
        switched_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        action=action,
        previous=previous,
        version=version,
        reason=reason,
    )

    # CURRENT first: it is what loaders act on; a crash before the HISTORY line
    # leaves the audit trail one switch short, never pointing at a version that
    # did not become current.
    _replace_text(models_dir / CURRENT_FILE, version + "\n")
    _append_history(models_dir, entry)
    logger.info("current model %s -> %s (%s: %s)", previous, version, action, reason)


def current_or_none(models_dir: Path) -> str | None:
    """The CURRENT version, or None when no model was ever made current."""
    if not (models_dir / CURRENT_FILE).is_file():
        return None
    return read_current(models_dir) or None


def read_history(models_dir: Path) -> list[HistoryEntry]:
    """Every switch recorded in HISTORY, oldest first; none when it is absent."""
    path = models_dir / HISTORY_FILE
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [_parse_entry(line, path, n) for n, line in enumerate(lines, 1) if line]


def promotion_lineage(entries: list[HistoryEntry]) -> list[str]:
    """The stack of versions a rollback walks back through, current last."""
    lineage: list[str] = []
    for entry in entries:
        if entry.action == ROLLBACK_ACTION:
            # A rollback undoes the switch that made the abandoned version current,
            # so a second rollback goes one further back instead of returning.
            if lineage:
                lineage.pop()
            if not lineage or lineage[-1] != entry.version:
                lineage.append(entry.version)
            continue
        if not lineage and entry.previous:
            lineage.append(entry.previous)
        lineage.append(entry.version)
    return lineage


def _info(folder: Path, current: str | None) -> ModelInfo | None:
    try:
        metadata = read_metadata(folder)
    except ModelIntegrityError as err:
        logger.warning("skipping model folder %s: %s", folder.name, err.message)
        return None

    held_out: dict[str, Any] = metadata.get("held_out", {})
    return ModelInfo(
        version=folder.name,
        created_at=str(metadata.get("created_at", "")),
        is_current=folder.name == current,
        category_macro_f1=held_out.get("category", {}).get("macro_f1"),
        sensitivity_macro_f1=held_out.get("sensitivity", {}).get("macro_f1"),
        examples=int(metadata.get("training_data", {}).get("examples", 0)),
    )


def _parse_entry(line: str, path: Path, line_number: int) -> HistoryEntry:
    fields = line.split("\t")
    if len(fields) != 5:
        raise ModelIntegrityError(
            f"{path}:{line_number} has {len(fields)} tab-separated fields, "
            "expected 5 (time, action, previous, version, reason)",
            path=str(path),
            line=line_number,
        )
    switched_at, action, previous, version, reason = fields
    return HistoryEntry(
        switched_at=switched_at,
        action=action,
        previous=None if previous == NO_VERSION else previous,
        version=version,
        reason=reason,
    )


def _append_history(models_dir: Path, entry: HistoryEntry) -> None:
    # Tabs and line breaks in a free-text reason would split the record.
    reason = " ".join(entry.reason.split())
    line = "\t".join(
        [
            entry.switched_at,
            entry.action,
            entry.previous or NO_VERSION,
            entry.version,
            reason,
        ]
    )
    with (models_dir / HISTORY_FILE).open("a", encoding="utf-8") as history:
        history.write(line + "\n")


def _replace_text(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
