"""The parts of one Filewarden installation, opened once per process."""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import TYPE_CHECKING

from extractors.types import ExtractionLimits
from search_api.blobs import BlobStore
from search_api.database import Database
from search_api.errors import NotFound
from search_api.settings import Settings

if TYPE_CHECKING:
    from classifier import Classifier
    from indexer.types import Index

logger = logging.getLogger(__name__)


def open_index(settings: Settings) -> Index:
    """The index backend the settings choose."""
    if settings.index_backend == "opensearch":
        from indexer.opensearch import OpenSearchIndex

        return OpenSearchIndex.from_settings(settings)
    from indexer.versions import VersionedEmbeddedIndex

    return VersionedEmbeddedIndex(
        settings.index_dir, lock_wait_seconds=settings.index_lock_wait_seconds
    )


class Filewarden:
    """Settings, database, originals, index and classifier of one data folder."""

    def __init__(self, settings: Settings, create: bool = True) -> None:
        self.settings = settings
        if not create and not settings.database_path.is_file():
            # A mistyped --data-dir must not look like an empty installation.
            raise NotFound(
                f"no Filewarden data in {settings.data_dir.resolve()}; check "
                "--data-dir or FILEWARDEN_DATA_DIR, or ingest files first",
                data_dir=str(settings.data_dir),
            )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.database_path)
        self.blobs = BlobStore(settings.blobs_dir)
        self._lock = threading.Lock()
        self._classifier: Classifier | None = None

    @cached_property
    def index(self) -> Index:
        index = open_index(self.settings)
        logger.info("index opened (%s backend)", self.settings.index_backend)
        return index

    @property
    def classifier(self) -> Classifier:
        """The current model, loaded on first use and after a promotion."""
        with self._lock:
            if self._classifier is None:
                from classifier import load_classifier

                self._classifier = load_classifier(
                    self.settings.models_dir,
                    override_kinds=frozenset(self.settings.pii_override_kinds),
                )
                logger.info("model %s loaded", self._classifier.version)
            return self._classifier

    def forget_classifier(self) -> None:
        with self._lock:
            self._classifier = None

    @property
    def extraction_limits(self) -> ExtractionLimits:
        s = self.settings
        return ExtractionLimits(
            timeout_seconds=s.extract_timeout_seconds,
            memory_mb=s.extract_memory_mb,
            max_pages=s.max_pages,
            max_text_chars=s.max_text_chars,
            ocr_languages=s.ocr_languages,
            ocr_dpi=s.ocr_dpi,
            ocr_page_timeout_seconds=s.ocr_page_timeout_seconds,
            ocr_workers=s.ocr_workers,
            max_image_pixels=s.max_image_pixels,
            ocr_max_page_pixels=s.ocr_max_page_pixels,
            max_archive_members=s.max_archive_members,
            max_archive_total_bytes=s.max_archive_total_bytes,
            max_archive_ratio=s.max_archive_ratio,
        )

    def close(self) -> None:
        if "index" in self.__dict__:
            self.index.close()
