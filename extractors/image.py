"""Scans and photos: every frame read by OCR, upright and within a pixel budget."""

from __future__ import annotations

import io
import logging
import math
import warnings
from collections.abc import Iterator

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from extractors.ocr import recognize
from extractors.types import Extraction, ExtractionFailed, ExtractionLimits

logger = logging.getLogger(__name__)

# Our own guard below runs on the header before any pixel is decoded; Pillow's
# guard would raise later with a message meant for developers.
Image.MAX_IMAGE_PIXELS = None


def extract_image(data: bytes, mime_type: str, limits: ExtractionLimits) -> Extraction:
    """The OCR text of every frame of an image."""
    image = open_image(data, mime_type)
    check_pixels(image.width, image.height, limits)

    texts: list[str] = []
    for number, frame in enumerate(frames(image, limits), start=1):
        texts.append(recognize(frame, limits, number))

    pages = list(range(1, len(texts) + 1))
    return Extraction(
        mime_type=mime_type,
        text="\n\n".join(texts)[: limits.max_text_chars],
        page_count=len(texts),
        ocr_pages=pages,
    )


def open_image(data: bytes, mime_type: str) -> Image.Image:
    """The image Pillow reads from the bytes, or a reason it cannot."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Image.open(io.BytesIO(data))
    except UnidentifiedImageError as err:
        raise ExtractionFailed(
            f"images of type {mime_type} cannot be decoded here (no decoder installed)",
            mime_type=mime_type,
        ) from err


def check_pixels(width: int, height: int, limits: ExtractionLimits) -> None:
    """Raise when an image would decode to more pixels than allowed."""
    if width * height > limits.max_image_pixels:
        raise ExtractionFailed(
            f"the image is {width} x {height} pixels, more than the limit of "
            f"{limits.max_image_pixels:,} pixels (a possible decompression bomb)"
        )


def frames(image: Image.Image, limits: ExtractionLimits) -> Iterator[Image.Image]:
    """Each frame of the image, upright as its EXIF orientation says."""
    for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
        if number > limits.max_pages:
            logger.warning(
                "image has more than %d frames; rest skipped", limits.max_pages
            )
            return
        check_pixels(frame.width, frame.height, limits)
        try:
            frame.load()
        except (OSError, ValueError) as err:
            raise ExtractionFailed(
                f"frame {number} of the image is damaged: {err}"
            ) from err
        upright = ImageOps.exif_transpose(frame) or frame
        yield shrink_for_ocr(upright, limits)


def shrink_for_ocr(image: Image.Image, limits: ExtractionLimits) -> Image.Image:
    """The image scaled down to the OCR pixel budget when it is larger."""
    pixels = image.width * image.height
    if pixels <= limits.ocr_max_page_pixels:
        return image
    factor = math.sqrt(limits.ocr_max_page_pixels / pixels)
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    logger.info("image of %dx%d px scaled to %dx%d for OCR", *image.size, *size)
    return image.resize(size)
