"""Optical character recognition of one page image with tesseract."""

from __future__ import annotations

import logging
import os
import time
from typing import Final

import pytesseract
from PIL import Image

from extractors.language import join_cjk_spaces
from extractors.types import ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

# Measured: tesseract's OpenMP threads on 2 shared cores run 6x slower than one
# thread per process; parallelism comes from extracting several files at once.
os.environ["OMP_THREAD_LIMIT"] = "1"

TESSERACT_TIMEOUT_MESSAGE: Final = "Tesseract process timeout"
# Below this OSD confidence the orientation guess is noise (blank or tiny text).
MIN_ORIENTATION_CONFIDENCE: Final = 2.0


def recognize(image: Image.Image, limits: ExtractionLimits, page: int) -> str:
    """The text tesseract reads on one page image, Chinese spacing repaired."""
    started = time.monotonic()
    try:
        text = pytesseract.image_to_string(
            upright(prepare(image), limits),
            lang=limits.ocr_languages,
            timeout=limits.ocr_page_timeout_seconds,
        )
    except RuntimeError as err:
        if TESSERACT_TIMEOUT_MESSAGE not in str(err):
            raise
        raise ExtractionFailed(
            f"OCR of page {page} took longer than "
            f"{limits.ocr_page_timeout_seconds:g} s and was stopped"
        ) from err
    except pytesseract.TesseractError as err:
        raise ExtractionFailed(f"OCR of page {page} failed: {err.message}") from err

    logger.debug(
        "OCR page %d, %dx%d px, %.1f s",
        page,
        image.width,
        image.height,
        time.monotonic() - started,
    )
    return join_cjk_spaces(text).strip()


def upright(image: Image.Image, limits: ExtractionLimits) -> Image.Image:
    """The image turned the right way up, as tesseract's orientation check says.

    Phone photos and scans arrive sideways or upside down without EXIF; OCR of
    such a page gives confident nonsense, so the quarter turn is found first.
    """
    try:
        osd = pytesseract.image_to_osd(
            image,
            output_type=pytesseract.Output.DICT,
            timeout=limits.ocr_page_timeout_seconds,
        )
    except (pytesseract.TesseractError, RuntimeError):
        # Too few characters to judge (blank page, a single word): keep as is.
        return image

    rotation = int(osd.get("rotate", 0))
    if (
        rotation == 0
        or float(osd.get("orientation_conf", 0)) < MIN_ORIENTATION_CONFIDENCE
    ):
        return image
    logger.debug("page turned by %d degrees before OCR", rotation)
    return image.rotate(-rotation, expand=True)


def prepare(image: Image.Image) -> Image.Image:
    """An image tesseract can read: no alpha, no palette, 8 bits per channel."""
    if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
        return flatten_alpha(image.convert("RGBA"))
    if image.mode not in {"1", "L", "RGB"}:
        return image.convert("RGB")
    return image


def flatten_alpha(image: Image.Image) -> Image.Image:
    """The image on a background that contrasts with its visible pixels.

    White text on a transparent background vanishes on white, so the
    background is black when what is drawn is mostly light.
    """
    alpha = image.getchannel("A")
    visible = Image.eval(alpha, lambda value: 255 if value > 127 else 0)
    if visible.getbbox() is None:
        return image.convert("RGB")

    grey = image.convert("L")
    histogram = grey.histogram(mask=visible)
    drawn = sum(histogram)
    light = sum(histogram[160:])
    background = (0, 0, 0) if light > 0.5 * drawn else (255, 255, 255)

    canvas = Image.new("RGB", image.size, background)
    canvas.paste(image.convert("RGB"), mask=alpha)
    return canvas
