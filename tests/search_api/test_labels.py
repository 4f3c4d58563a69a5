"""People's label decisions: recorded in order, even when they race."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indexer.types import SearchRequest
from search_api.errors import InvalidInput
from search_api.labels import correct_labels, decisions_of
from search_api.service import Filewarden
from search_api.settings import Settings
from tests.search_api.seeding import seed_documents

CATEGORIES = ["contract", "financial", "technical", "feedback", "identity"]


@pytest.fixture
def filewarden(tmp_path: Path) -> Filewarden:
    seed_documents(tmp_path / "data", 3)
    return Filewarden(Settings(data_dir=tmp_path / "data"))


def test_concurrent_corrections_form_one_unbroken_history(
    filewarden: Filewarden,
) -> None:
    def correct(n: int) -> None:
        category = CATEGORIES[n % len(CATEGORIES)]
        correct_labels(filewarden, 1, f"clerk-{n}", category=category)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(correct, range(24)))

    history = decisions_of(filewarden, 1)
    assert len(history) == 24
    for before, after in itertools.pairwise(history):
        assert after.old_value == before.new_value
        expected = (
            "confirmation" if after.old_value == after.new_value else "correction"
        )
        assert after.kind == expected
    assert filewarden.db.get(1).category == history[-1].new_value


def test_correction_is_searchable_under_new_category(filewarden: Filewarden) -> None:
    correct_labels(filewarden, 2, "王芳", category="identity", reason="身份证复印件")
    found = filewarden.index.search(SearchRequest(filters={"category": ["identity"]}))
    assert [hit.id for hit in found.hits] == [2]


def test_correction_without_person_is_refused(filewarden: Filewarden) -> None:
    with pytest.raises(InvalidInput, match="who made the decision"):
        correct_labels(filewarden, 1, "  ", category="contract")
