"""The metadata database with more ids than SQLite binds in one statement."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from search_api.database import Database
from tests.search_api.seeding import seed_documents


def test_get_many_and_texts_of_take_more_ids_than_one_statement_binds(
    tmp_path: Path,
) -> None:
    seed_documents(tmp_path / "data", 5)
    db = Database(tmp_path / "data" / "filewarden.sqlite3")
    with sqlite3.connect(":memory:") as conn:
        limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    ids = list(range(1, limit + 2))

    records = db.get_many(ids)
    texts = db.texts_of(ids)

    assert sorted(records) == [1, 2, 3, 4, 5]
    assert sorted(texts) == [1, 2, 3, 4, 5]
