"""Originals stored content-addressed by sha256, written atomically."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from search_api.errors import NotFound, TooLarge

logger = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024


class BlobStore:
    """Files under ``root/ab/cdef...`` named by the sha256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def put_stream(self, stream: BinaryIO, max_bytes: int) -> tuple[str, int]:
        """Store a stream; returns its sha256 and size. Nothing is left on failure."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(COPY_CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(
                            f"file is larger than the limit of {max_bytes} bytes",
                            max_bytes=max_bytes,
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            self._settle(tmp, sha256)
            return sha256, size
        finally:
            tmp.unlink(missing_ok=True)

    def put_bytes(self, data: bytes) -> str:
        """Store bytes held in memory (archive members, attachments)."""
        sha256 = hashlib.sha256(data).hexdigest()
        if self.has(sha256):
            return sha256
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                os.fsync(out.fileno())
            self._settle(tmp, sha256)
        finally:
            tmp.unlink(missing_ok=True)
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        path = self.path_of(sha256)
        if not path.is_file():
            raise NotFound(
                f"original {sha256} is missing from the store", sha256=sha256
            )
        return path.open("rb")

    def _settle(self, tmp: Path, sha256: str) -> None:
        # Same name means same bytes, so an existing file is already right;
        # rename is atomic, so a crash leaves either nothing or the whole file.
        final = self.path_of(sha256)
        if final.is_file():
            return
        final.parent.mkdir(exist_ok=True)
        tmp.replace(final)
        logger.debug("stored original %s", sha256)
