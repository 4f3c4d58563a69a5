"""Labelled examples: the seed set shipped with Filewarden plus human corrections."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from classifier.errors import TrainingDataError

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("text", "category", "sensitivity")


@dataclass(frozen=True)
class LabeledExample:
    """One document's text with the labels a person gave it."""

    text: str
    title: str
    category: str
    sensitivity: str
    language: str = "und"
    id: str = ""


def read_seed_examples(seed_dir: Path) -> list[LabeledExample]:
    """Every example of ``seed_dir/*.jsonl``, files in name order, lines in order."""
    paths = sorted(seed_dir.glob("*.jsonl"))
    if not paths:
        raise TrainingDataError(
            f"no seed files (*.jsonl) in {seed_dir}; "
            "the seed set ships in classifier/seed",
            seed_dir=str(seed_dir),
        )

    examples = [example for path in paths for example in _read_jsonl(path)]
    logger.info("read %d seed examples from %d files", len(examples), len(paths))
    return examples


def check_labels(
    examples: list[LabeledExample], categories: list[str], sensitivities: list[str]
) -> None:
    """Refuse examples whose labels are not among the configured ones."""
    for example in examples:
        if example.category not in categories:
            raise TrainingDataError(
                f"example {example.id!r} has category {example.category!r}; "
                f"expected one of {categories}",
                example_id=example.id,
                category=example.category,
            )
        if example.sensitivity not in sensitivities:
            raise TrainingDataError(
                f"example {example.id!r} has sensitivity {example.sensitivity!r}; "
                f"expected one of {sensitivities}",
                example_id=example.id,
                sensitivity=example.sensitivity,
            )


def data_sha256(examples: list[LabeledExample]) -> str:
    """A hash of the examples' content and order, the identity of a training set."""
    digest = hashlib.sha256()
    for example in examples:
        line = json.dumps(asdict(example), ensure_ascii=False, sort_keys=True)
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def summarise(examples: list[LabeledExample]) -> dict[str, Any]:
    """Counts of examples per category, sensitivity and language."""
    return {
        "examples": len(examples),
        "category_counts": dict(sorted(Counter(e.category for e in examples).items())),
        "sensitivity_counts": dict(
            sorted(Counter(e.sensitivity for e in examples).items())
        ),
        "language_counts": dict(sorted(Counter(e.language for e in examples).items())),
    }


def _read_jsonl(path: Path) -> list[LabeledExample]:
    examples = []
    with path.open(encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, start=1):
            if line.strip():
                examples.append(_parse_line(line, path, line_number))
    return examples


def _parse_line(line: str, path: Path, line_number: int) -> LabeledExample:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise TrainingDataError(
            f"{path}:{line_number} is not JSON ({err.msg})",
            path=str(path),
            line=line_number,
        ) from err

    missing = [
        name for name in REQUIRED_FIELDS if not isinstance(record.get(name), str)
    ]
    if missing:
        raise TrainingDataError(
            f"{path}:{line_number} lacks text field(s) {missing}",
            path=str(path),
            line=line_number,
        )

    return LabeledExample(
        text=record["text"],
        title=str(record.get("title") or ""),
        category=record["category"],
        sensitivity=record["sensitivity"],
        language=str(record.get("language") or "und"),
        id=str(record.get("id") or f"{path.stem}:{line_number}"),
    )
