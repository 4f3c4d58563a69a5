"""Versions of the embedded index, so a rebuild can be switched to atomically.

Layout under the index folder: ``v1/``, ``v2/``, ... each a tantivy index, and
``CURRENT`` naming the one searched. A rebuild fills the next version while the
current one serves; writing ``CURRENT`` (a rename) switches every process over,
since each call checks it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any, Final

from indexer.embedded import EmbeddedIndex
from indexer.types import (
    IndexDocument,
    IndexOutdated,
    SearchRequest,
    SearchResult,
    Suggestion,
)

logger = logging.getLogger(__name__)

CURRENT_FILE: Final = "CURRENT"
VERSION_PATTERN: Final = re.compile(r"^v(\d+)$")


class VersionedEmbeddedIndex:
    """The embedded index of one data folder, with atomic rebuilds."""

    def __init__(self, root: Path, **options: Any) -> None:
        self.root = Path(root)
        self.options = options
        self.root.mkdir(parents=True, exist_ok=True)
        if not (self.root / CURRENT_FILE).is_file():
            self._write_current("v1")
        self._name = self._read_current()
        self._index: EmbeddedIndex | None = None
        self._outdated: IndexOutdated | None = None
        self._open_current()

    def add(self, documents: list[IndexDocument]) -> None:
        self._active().add(documents)

    def delete(self, ids: list[int]) -> None:
        self._active().delete(ids)

    def search(self, request: SearchRequest) -> SearchResult:
        return self._active().search(request)

    def count(self, request: SearchRequest) -> int:
        return self._active().count(request)

    def similar(
        self, text: str, exclude_id: int, request: SearchRequest, limit: int = 10
    ) -> SearchResult:
        return self._active().similar(text, exclude_id, request, limit)

    def suggest(
        self, prefix: str, request: SearchRequest, limit: int = 10
    ) -> list[Suggestion]:
        return self._active().suggest(prefix, request, limit)

    def indexed_ids(self) -> set[int]:
        return self._active().indexed_ids()

    def rebuild_in_progress(self) -> bool:
        return self._next_name() is not None

    def begin_rebuild(self) -> EmbeddedIndex:
        """The unfinished next version if there is one, else a new empty one."""
        name = self._next_name() or f"v{self._number(self._read_current()) + 1}"
        logger.info("rebuilding the index into %s", self.root / name)
        return EmbeddedIndex(self.root / name, **self.options)

    def finish_rebuild(self) -> None:
        name = self._next_name()
        if name is None:
            return
        old = self._read_current()
        self._write_current(name)
        self._active()
        shutil.rmtree(self.root / old, ignore_errors=True)
        logger.info("switched the index from %s to %s", old, name)

    def close(self) -> None:
        if self._index is not None:
            self._index.close()

    def _open_current(self) -> None:
        # An index of an older schema cannot serve, but a rebuild into the next
        # version can still be made (and must be, to get out of this state).
        try:
            self._index = EmbeddedIndex(self.root / self._name, **self.options)
            self._outdated = None
        except IndexOutdated as err:
            logger.warning("index %s is outdated; it must be rebuilt", self._name)
            self._index = None
            self._outdated = err

    def _active(self) -> EmbeddedIndex:
        # Another process may have finished a rebuild since the last call.
        name = self._read_current()
        if name != self._name:
            self.close()
            self._name = name
            self._open_current()
        if self._index is None:
            raise self._outdated or IndexOutdated(f"index {name} cannot be opened")
        return self._index

    def _next_name(self) -> str | None:
        current = self._number(self._read_current())
        newer = [
            self._number(path.name)
            for path in self.root.iterdir()
            if VERSION_PATTERN.match(path.name) and self._number(path.name) > current
        ]
        return f"v{max(newer)}" if newer else None

    @staticmethod
    def _number(name: str) -> int:
        match = VERSION_PATTERN.match(name)
        return int(match.group(1)) if match else 0

    def _read_current(self) -> str:
        return (self.root / CURRENT_FILE).read_text(encoding="ascii").strip()

    def _write_current(self, name: str) -> None:
        tmp = self.root / f".{CURRENT_FILE}.tmp"
        with tmp.open("w", encoding="ascii") as out:
            out.write(name)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(self.root / CURRENT_FILE)
