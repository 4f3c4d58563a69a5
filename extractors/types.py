"""What an extractor returns, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from search_api.errors import FilewardenError

FailureState = Literal["failed", "encrypted"]


@dataclass(frozen=True)
class ExtractionLimits:
    """Limits for extracting one untrusted file; every one is a setting."""

    timeout_seconds: float = 120.0
    memory_mb: int = 1024
    max_pages: int = 2000
    max_text_chars: int = 5_000_000
    ocr_languages: str = "chi_sim+eng"
    ocr_dpi: int = 300
    ocr_page_timeout_seconds: float = 60.0
    # Pages of one document OCRed at once (one tesseract process each).
    ocr_workers: int = 2
    max_image_pixels: int = 100_000_000
    # Tesseract needs several bytes per pixel; larger pages are scaled down first.
    ocr_max_page_pixels: int = 40_000_000
    max_archive_members: int = 1000
    max_archive_total_bytes: int = 500 * 1024 * 1024
    max_archive_ratio: int = 200


@dataclass
class ChildFile:
    """A file found inside another one (e-mail attachment, archive member)."""

    name: str
    data: bytes


@dataclass
class Extraction:
    """The text of one file and what the file says about itself."""

    mime_type: str
    text: str
    page_count: int | None = None
    ocr_pages: list[int] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    created: str | None = None
    modified: str | None = None
    language: str | None = None
    children: list[ChildFile] = field(default_factory=list)

    @property
    def char_count(self) -> int:
        """How many characters of text were extracted (after the text limit)."""
        return len(self.text)


class ExtractionFailed(FilewardenError):
    """A file could not be turned into text; ``reason`` is for a person to read.

    ``state`` is ``encrypted`` when a password would help, else ``failed``.
    """

    status_code = 422

    def __init__(
        self, reason: str, state: FailureState = "failed", mime_type: str | None = None
    ) -> None:
        super().__init__(reason, state=state, mime_type=mime_type)
        self.reason = reason
        self.state: FailureState = state
        self.mime_type = mime_type
