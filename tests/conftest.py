"""Fixtures shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_api.settings import Settings


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus of real customer-like files (FILEWARDEN_CORPUS_DIR)."""
    path = Settings().corpus_dir
    if not (path / "MANIFEST.tsv").is_file():
        pytest.skip(f"corpus not found at {path}; set FILEWARDEN_CORPUS_DIR")
    return path
