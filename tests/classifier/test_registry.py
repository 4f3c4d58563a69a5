"""Promotion on held-out scores, and the registry: list, promote, roll back."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from classifier import (
    LabeledExample,
    ModelIntegrityError,
    ModelNotFound,
    TrainingReport,
    list_models,
    load_classifier,
    promote,
    read_history,
    read_seed_examples,
    rollback,
)
from search_api.errors import Conflict
from search_api.settings import DEFAULT_CATEGORIES, DEFAULT_SENSITIVITIES
from tests.classifier.conftest import SEED_DIR, train_on_seed

# Dated far ahead so that it is the newest version whenever the tests run.
OTHER_VERSION = "29991231-235959-0badc0de"


def _current(models_dir: Path) -> str:
    return (models_dir / "CURRENT").read_text("utf-8").strip()


def _copy_version(models_dir: Path, version: str, new_version: str) -> None:
    """A second version with the same model: cheaper than training one."""
    shutil.copytree(models_dir / version, models_dir / new_version)
    metadata_path = models_dir / new_version / "metadata.json"
    metadata = json.loads(metadata_path.read_text("utf-8"))
    metadata["version"] = new_version
    stamp = datetime.strptime(new_version[:15], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    metadata["created_at"] = stamp.isoformat()
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")


def _mislabeled_copies() -> list[LabeledExample]:
    """Every seed text again, each with the next category and sensitivity."""
    categories = list(DEFAULT_CATEGORIES)
    sensitivities = list(DEFAULT_SENSITIVITIES)
    return [
        dataclasses.replace(
            example,
            id=f"mislabeled-{number}",
            category=categories[
                (categories.index(example.category) + 1) % len(categories)
            ],
            sensitivity=sensitivities[
                (sensitivities.index(example.sensitivity) + 1) % len(sensitivities)
            ],
        )
        for number, example in enumerate(read_seed_examples(SEED_DIR))
    ]


@pytest.mark.slow
def test_train_model_mislabeled_extras_not_promoted(
    trained: TrainingReport, models_copy: Path
) -> None:
    history_before = read_history(models_copy)

    report = train_on_seed(models_copy, extra_examples=_mislabeled_copies())

    assert not report.promoted
    assert report.previous_version == trained.version
    assert _current(models_copy) == trained.version
    assert report.comparison["current_status"] == "compared"
    assert not report.comparison["not_worse"]
    new, current = report.comparison["new"], report.comparison["current"]
    assert new["category"]["macro_f1"] < current["category"]["macro_f1"]
    assert (models_copy / report.version / "model.joblib").is_file()
    assert read_history(models_copy) == history_before


@pytest.mark.slow
def test_train_model_force_worse_model_promoted_with_warning(
    trained: TrainingReport, models_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="classifier.training"):
        report = train_on_seed(
            models_copy, extra_examples=_mislabeled_copies(), force=True
        )

    assert report.promoted
    assert not report.comparison["not_worse"]
    assert _current(models_copy) == report.version
    assert "force" in caplog.text
    last = read_history(models_copy)[-1]
    assert (last.action, last.previous, last.version) == (
        "force",
        trained.version,
        report.version,
    )


@pytest.mark.slow
def test_train_model_unloadable_current_counts_as_none(
    trained: TrainingReport, models_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    metadata_path = models_copy / trained.version / "metadata.json"
    metadata = json.loads(metadata_path.read_text("utf-8"))
    metadata["libraries"]["sklearn"] = "0.24.2"
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="classifier.promotion"):
        report = train_on_seed(models_copy)

    assert report.promoted
    assert report.comparison["current_status"] == "unloadable"
    assert report.comparison["current"] is None
    assert "cannot be loaded" in caplog.text
    assert load_classifier(models_copy).version == report.version


def test_promote_then_rollback_previous_version_current(
    trained: TrainingReport, models_copy: Path
) -> None:
    _copy_version(models_copy, trained.version, OTHER_VERSION)

    promote(models_copy, OTHER_VERSION, reason="try the\tcopy")
    promoted = _current(models_copy)
    back = rollback(models_copy)

    assert promoted == OTHER_VERSION
    assert back == trained.version == _current(models_copy)
    actions = [(e.action, e.previous, e.version) for e in read_history(models_copy)]
    assert actions == [
        ("train", None, trained.version),
        ("promote", trained.version, OTHER_VERSION),
        ("rollback", OTHER_VERSION, trained.version),
    ]
    assert read_history(models_copy)[1].reason == "try the copy"
    assert not list(models_copy.glob(".*.tmp"))


def test_rollback_past_first_version_refused(models_copy: Path) -> None:
    current = _current(models_copy)

    with pytest.raises(Conflict, match="cannot roll back"):
        rollback(models_copy)

    assert _current(models_copy) == current


def test_rollback_twice_walks_back_two_versions(
    trained: TrainingReport, models_copy: Path
) -> None:
    third = "20261204-180000-0badc0de"
    _copy_version(models_copy, trained.version, OTHER_VERSION)
    _copy_version(models_copy, trained.version, third)
    promote(models_copy, OTHER_VERSION)
    promote(models_copy, third)

    first = rollback(models_copy)
    second = rollback(models_copy)

    assert (first, second) == (OTHER_VERSION, trained.version)


def test_promote_tampered_version_refused(
    trained: TrainingReport, models_copy: Path
) -> None:
    _copy_version(models_copy, trained.version, OTHER_VERSION)
    with (models_copy / OTHER_VERSION / "model.joblib").open("ab") as model_file:
        model_file.write(b"\x00")
    history_before = read_history(models_copy)

    with pytest.raises(ModelIntegrityError, match="SHA-256"):
        promote(models_copy, OTHER_VERSION)

    assert _current(models_copy) == trained.version
    assert read_history(models_copy) == history_before


@pytest.mark.parametrize(
    "version", ["../models", "20261204-170000-0badc0de/../x", "/etc", "CURRENT"]
)
def test_promote_version_name_outside_pattern_refused(
    models_copy: Path, version: str
) -> None:
    current = _current(models_copy)

    with pytest.raises(ModelNotFound, match="not a model version"):
        promote(models_copy, version)

    assert _current(models_copy) == current


def test_list_models_newest_first_current_marked(
    trained: TrainingReport, models_copy: Path
) -> None:
    _copy_version(models_copy, trained.version, OTHER_VERSION)
    (models_copy / ".staging-20261204-190000-0badc0de").mkdir()

    infos = list_models(models_copy)

    assert [info.version for info in infos] == [OTHER_VERSION, trained.version]
    assert [info.is_current for info in infos] == [False, True]
    assert infos[1].category_macro_f1 == trained.category_macro_f1
    assert infos[1].sensitivity_macro_f1 == trained.sensitivity_macro_f1
    assert infos[1].examples == trained.examples


def test_list_models_missing_folder_empty(tmp_path: Path) -> None:
    assert list_models(tmp_path / "absent") == []
