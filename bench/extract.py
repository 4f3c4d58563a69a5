"""Extraction speed: text-PDF pages/s (pdfium vs pdfminer), OCR s/page, peak memory.

Run: python bench/extract.py [corpus_dir]
"""

from __future__ import annotations

import io
import logging
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final

import pypdfium2 as pdfium
import pytesseract
from pdfminer.high_level import extract_text
from PIL import Image

from extractors.ocr import recognize
from extractors.pdf import is_blank
from extractors.types import ExtractionLimits
from search_api.settings import Settings

logger = logging.getLogger(__name__)

OCR_SAMPLE: Final = "pdf/tika__testPDF_jpeg2000.pdf"  # A4, dense text
OCR_DPI: Final = 300
POINTS_PER_INCH: Final = 72


def pdfium_pages(data: bytes) -> int:
    """Pages whose text pdfium read; raises on any failure."""
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            page.get_textpage().get_text_range()
        return len(document)
    finally:
        document.close()


def pdfminer_reads(data: bytes) -> bool:
    """Whether pdfminer opens the file at all (damaged files are left out)."""
    try:
        extract_text(io.BytesIO(data), maxpages=1)
    # pdfminer raises many unrelated types on damaged files.
    except Exception:
        return False
    return True


def text_pdfs(corpus: Path) -> list[tuple[str, bytes, int]]:
    """Corpus PDFs both readers open whose first page has a text layer."""
    chosen = []
    for path in sorted((corpus / "pdf").glob("*.pdf")):
        data = path.read_bytes()
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            continue
        first = document[0].get_textpage().get_text_range() if len(document) else ""
        if not is_blank(first) and pdfminer_reads(data):
            chosen.append((path.name, data, len(document)))
        document.close()
    return chosen


def time_reader(name: str, files: list[tuple[str, bytes, int]]) -> tuple[int, float]:
    """Pages read and seconds spent by one reader over all files."""
    pages = 0
    started = time.perf_counter()
    for _, data, page_count in files:
        if name == "pypdfium2":
            pdfium_pages(data)
        else:
            extract_text(io.BytesIO(data))
        pages += page_count
    return pages, time.perf_counter() - started


def time_ocr(corpus: Path) -> tuple[float, tuple[int, int]]:
    """Seconds to OCR one page rendered at 300 dpi, and its pixel size."""
    document = pdfium.PdfDocument((corpus / OCR_SAMPLE).read_bytes())
    image = document[0].render(scale=OCR_DPI / POINTS_PER_INCH, grayscale=True).to_pil()
    limits = ExtractionLimits()
    started = time.perf_counter()
    recognize(image, limits, 1)
    return time.perf_counter() - started, image.size


def sample_page(corpus: Path) -> Image.Image:
    document = pdfium.PdfDocument((corpus / OCR_SAMPLE).read_bytes())
    return document[0].render(scale=OCR_DPI / POINTS_PER_INCH, grayscale=True).to_pil()


def _recognize_sample(corpus: Path) -> int:
    return len(recognize(sample_page(corpus), ExtractionLimits(), 1))


def time_ocr_workers(corpus: Path, workers: int, pages: int) -> float:
    """Effective seconds per page when ``workers`` processes OCR ``pages`` pages."""
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_recognize_sample, [corpus] * pages))
    return (time.perf_counter() - started) / pages


def time_ocr_without_orientation(corpus: Path) -> float:
    """Seconds for tesseract alone on the sample page (no orientation check)."""
    image = sample_page(corpus)
    started = time.perf_counter()
    pytesseract.image_to_string(image, lang="chi_sim+eng")
    return time.perf_counter() - started


def peak_memory_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> None:
    """Print the figures."""
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else Settings().corpus_dir
    files = text_pdfs(corpus)
    print(f"text PDFs: {len(files)} files, {sum(f[2] for f in files)} pages")

    for reader in ("pypdfium2", "pdfminer.six"):
        pages, seconds = time_reader(reader, files)
        print(f"{reader:13s} {pages / seconds:8.1f} pages/s ({seconds:.2f} s)")

    seconds, size = time_ocr(corpus)
    print(f"OCR chi_sim+eng, {size[0]}x{size[1]} px (300 dpi): {seconds:.2f} s/page")

    alone = time_ocr_without_orientation(corpus)
    print(f"tesseract alone, no orientation check: {alone:.2f} s/page")
    for workers in (1, 2):
        effective = time_ocr_workers(corpus, workers, pages=4)
        print(f"OCR with {workers} worker(s): {effective:.2f} s/page effective")

    own, children = peak_memory_mb()
    print(f"peak RSS: this process {own:.0f} MB, tesseract children {children:.0f} MB")


if __name__ == "__main__":
    main()
