"""A model trained once on the seed set, shared by the classifier tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classifier import TrainingReport, train_model
from search_api.settings import DEFAULT_CATEGORIES, DEFAULT_SENSITIVITIES, PROJECT_ROOT

SEED_DIR = PROJECT_ROOT / "classifier" / "seed"
TEST_RANDOM_SEED = 7


def train_on_seed(models_dir: Path, **options: object) -> TrainingReport:
    """Train the default labels on the seed set with the tests' random seed."""
    return train_model(
        SEED_DIR,
        models_dir,
        list(DEFAULT_CATEGORIES),
        list(DEFAULT_SENSITIVITIES),
        random_seed=TEST_RANDOM_SEED,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TrainingReport:
    """One version trained into an empty models folder, which made it CURRENT."""
    if not list(SEED_DIR.glob("*.jsonl")):
        pytest.skip(f"no seed set in {SEED_DIR}")
    return train_on_seed(tmp_path_factory.mktemp("models"))


@pytest.fixture
def models_copy(trained: TrainingReport, tmp_path: Path) -> Path:
    """A copy of the trained models folder (versions, CURRENT, HISTORY) to damage."""
    copy = tmp_path / "models"
    shutil.copytree(trained.model_dir.parent, copy)
    return copy
