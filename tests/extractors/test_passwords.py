"""Password-protected Office files open with the right password only."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors import ExtractionFailed, ExtractionLimits, extract_file

PROTECTED = [
    ("docx/tika__testWORD_protected_passtika.docx", "encrypted Word 2007 File"),
    ("xlsx/tika__testEXCEL_protected_passtika.xlsx", "Encrypted Excel spreadsheet"),
]


@pytest.mark.parametrize(("name", "text"), PROTECTED)
def test_protected_office_opens_only_with_its_password(
    corpus_dir: Path, name: str, text: str
) -> None:
    path = corpus_dir / name
    for password, reason in ((None, "give its password"), ("wrong", "does not open")):
        with pytest.raises(ExtractionFailed, match=reason) as failure:
            extract_file(path, ExtractionLimits(), password=password)
        assert failure.value.state == "encrypted"

    extraction = extract_file(path, ExtractionLimits(), password="tika")

    assert text in extraction.text
    assert "openxmlformats" in extraction.mime_type
