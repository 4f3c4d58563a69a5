"""Word 97-2003 (.doc) through catdoc, the one reader of the old binary format here."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from typing import Final

from extractors.types import Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

MIME_TYPE: Final = "application/msword"
# catdoc exits with 69 (EX_UNAVAILABLE) when the document is encrypted.
CATDOC_ENCRYPTED_EXIT: Final = 69


def extract_doc(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The text of a Word 97-2003 document, as catdoc reads it."""
    catdoc = shutil.which("catdoc")
    if catdoc is None:
        raise ExtractionFailed(
            "Word 97-2003 files need catdoc, which is not installed",
            mime_type=MIME_TYPE,
        )

    # catdoc needs a seekable file; a private temporary file in the isolated
    # child, removed on exit, never a name derived from the document.
    with tempfile.NamedTemporaryFile(suffix=".doc") as source:
        source.write(data)
        source.flush()
        result = run_catdoc(catdoc, source.name, limits)

    if result.returncode == CATDOC_ENCRYPTED_EXIT:
        raise ExtractionFailed(
            "the Word document is password-protected; it cannot be read here",
            state="encrypted",
            mime_type=MIME_TYPE,
        )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        raise ExtractionFailed(f"damaged Word document: {message}", mime_type=MIME_TYPE)

    text = result.stdout.decode("utf-8", errors="replace")
    return Extraction(mime_type=MIME_TYPE, text=text.strip()[: limits.max_text_chars])


def run_catdoc(
    catdoc: str, path: str, limits: ExtractionLimits
) -> subprocess.CompletedProcess[bytes]:
    """catdoc's output for one file, converted to UTF-8."""
    try:
        return subprocess.run(
            [catdoc, "-d", "utf-8", "-w", path],
            capture_output=True,
            timeout=limits.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise ExtractionFailed(
            f"reading the Word document took longer than {limits.timeout_seconds:g} s",
            mime_type=MIME_TYPE,
        ) from err
