"""Turn a received file into text: type detection and isolated extraction."""

from extractors.detect import detect_type
from extractors.extract import extract_bytes, extract_in_process
from extractors.isolation import extract_file
from extractors.types import ChildFile, Extraction, ExtractionFailed, ExtractionLimits

__all__ = [
    "ChildFile",
    "Extraction",
    "ExtractionFailed",
    "ExtractionLimits",
    "detect_type",
    "extract_bytes",
    "extract_file",
    "extract_in_process",
]
