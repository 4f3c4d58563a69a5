"""Every file in the corpus MANIFEST gives its expected text, type and language."""

from __future__ import annotations

import csv
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from extractors import Extraction, ExtractionFailed, ExtractionLimits, extract_file
from search_api.settings import Settings

EXPECTATIONS_FILE = Path(__file__).with_name("expectations.tsv")
# 150 dpi halves OCR time against 300 and still reads the corpus scans; the
# 300 dpi path is measured by bench/extract.py.
LIMITS = ExtractionLimits(timeout_seconds=300, ocr_dpi=150)
PASSWORDS = {"pdf/pdfminer.six__aes-256.pdf": "foo"}


@dataclass(frozen=True)
class Expectation:
    """What one corpus file must give: a state and strings its text contains."""

    state: str
    mime_type: str
    contains: tuple[str, ...]
    language: str


def load_expectations() -> dict[str, Expectation]:
    """The expectations table, keyed by corpus path."""
    with EXPECTATIONS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(
            (line for line in handle if not line.startswith("#")), delimiter="\t"
        )
        return {
            row["path"]: Expectation(
                state=row["state"],
                mime_type=row["type"],
                contains=tuple(text for text in row["contains"].split("|") if text),
                language=row["language"],
            )
            for row in rows
        }


def corpus_files() -> list[str]:
    """Corpus paths of every file the MANIFEST lists (empty without corpus)."""
    manifest = Settings().corpus_dir / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as handle:
        return sorted(
            row["local_path"] for row in csv.DictReader(handle, delimiter="\t")
        )


EXPECTATIONS = load_expectations()
FILES = corpus_files()


def extract(path: Path, password: str | None) -> Extraction | ExtractionFailed:
    """The outcome of extracting one file, failure included."""
    try:
        return extract_file(path, LIMITS, password)
    except ExtractionFailed as err:
        return err


@pytest.fixture(scope="session")
def outcomes(corpus_dir: Path) -> dict[str, Extraction | ExtractionFailed]:
    """Every corpus file extracted once, two children at a time (2 cores)."""
    workers = min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(
            lambda name: extract(corpus_dir / name, PASSWORDS.get(name)), FILES
        )
        return dict(zip(FILES, results, strict=True))


def test_expectations_table_names_only_existing_files(corpus_dir: Path) -> None:
    missing = [name for name in EXPECTATIONS if not (corpus_dir / name).is_file()]
    assert not missing, f"expectations.tsv names files not in the corpus: {missing}"


def test_expectations_table_covers_every_manifest_file(corpus_dir: Path) -> None:
    missing = sorted(set(FILES) - set(EXPECTATIONS))
    assert not missing, f"corpus files without a row in expectations.tsv: {missing}"


@pytest.mark.parametrize("name", FILES)
def test_extract_file_corpus_file_gives_text_or_clear_failure(
    name: str, outcomes: dict[str, Extraction | ExtractionFailed]
) -> None:
    outcome = outcomes[name]
    if isinstance(outcome, ExtractionFailed):
        assert outcome.reason.strip(), f"{name}: failure without a reason"
        assert outcome.state in {"failed", "encrypted"}, (
            f"{name}: state {outcome.state}"
        )
        assert "Traceback" not in outcome.reason, f"{name}: stack trace as reason"
    else:
        assert isinstance(outcome.text, str), f"{name}: text is not a string"
        assert outcome.language, f"{name}: no language set"
        assert outcome.mime_type != "application/octet-stream", f"{name}: no type"


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_extract_file_recorded_file_matches_expectation(
    name: str, outcomes: dict[str, Extraction | ExtractionFailed]
) -> None:
    expected = EXPECTATIONS[name]
    outcome = outcomes[name]
    detected = outcome.mime_type or ""
    assert detected == expected.mime_type, f"{name}: detected {detected!r}"
    if isinstance(outcome, ExtractionFailed):
        assert outcome.state == expected.state, f"{name}: {outcome.reason}"
        for text in expected.contains:
            assert text in outcome.reason, f"{name}: reason {outcome.reason!r}"
        return

    assert expected.state == "ok", f"{name}: expected {expected.state}, got text"
    for text in expected.contains:
        assert text in outcome.text, f"{name}: {text!r} not in {outcome.text[:300]!r}"
    if expected.language:
        assert outcome.language == expected.language, f"{name}: {outcome.language}"


def test_extract_file_png_named_jpg_reports_png(
    outcomes: dict[str, Extraction | ExtractionFailed],
) -> None:
    outcome = outcomes["image/invoice__vat_ordinary_invoice_screenshot_zh.jpg"]
    assert isinstance(outcome, Extraction)
    assert outcome.mime_type == "image/png"
    assert outcome.ocr_pages == [1]
