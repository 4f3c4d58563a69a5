"""Password-protected Office files (OOXML in an encrypted OLE container)."""

from __future__ import annotations

import io
import logging
from typing import Final

import msoffcrypto  # type: ignore[import-untyped]

from extractors.types import ExtractionFailed

logger = logging.getLogger(__name__)

PROTECTED_OOXML: Final = "application/x-tika-ooxml-protected"


def decrypt_office(data: bytes, password: str | None) -> bytes:
    """The plain OOXML package inside, or ``encrypted`` with a reason."""
    if password is None:
        raise ExtractionFailed(
            "the Office document is password-protected; give its password to read it",
            state="encrypted",
            mime_type=PROTECTED_OOXML,
        )
    plain = io.BytesIO()
    try:
        document = msoffcrypto.OfficeFile(io.BytesIO(data))
        document.load_key(password=password)
        document.decrypt(plain)
    # msoffcrypto raises its own InvalidKeyError for a wrong password and
    # assorted errors for damaged containers; both leave the file unread.
    except Exception as err:
        logger.debug("Office decryption failed: %s", type(err).__name__)
        raise ExtractionFailed(
            "the password given does not open this Office document",
            state="encrypted",
            mime_type=PROTECTED_OOXML,
        ) from err
    return plain.getvalue()
