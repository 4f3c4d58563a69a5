"""RTF: the text of the document body, control words and groups removed."""

from __future__ import annotations

import logging
import re
from typing import Final

from extractors.types import Extraction, ExtractionLimits

logger = logging.getLogger(__name__)

TOKEN_PATTERN: Final = re.compile(
    r"\\([a-z]{1,32})(-?\d{1,10})? ?"
    r"|\\'([0-9a-f]{2})|\\([^a-z])|([{}])|[\r\n]+|([^\\{}\r\n]+)",
    re.IGNORECASE,
)
# Groups that hold no body text (fonts, styles, pictures, metadata).
SKIPPED_DESTINATIONS: Final = frozenset(
    {
        "fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header",
        "footer", "listtable", "listoverridetable", "rsidtbl", "generator",
        "xmlnstbl", "themedata", "colorschememapping", "datastore", "latentstyles",
        "fldinst", "bkmkstart", "bkmkend",
    }
)  # fmt: skip
BREAKS: Final = {"par": "\n", "line": "\n", "tab": "\t", "cell": "\t", "row": "\n"}
FONT_CHARSET_ENCODINGS: Final = {
    128: "cp932",
    129: "cp949",
    134: "gb18030",
    136: "big5",
    161: "cp1253",
    162: "cp1254",
    177: "cp1255",
    178: "cp1256",
    186: "cp1257",
    204: "cp1251",
    238: "cp1250",
}
CODEPAGE_ENCODINGS: Final = {936: "gb18030", 950: "big5", 932: "cp932", 949: "cp949"}


class RtfReader:
    """A small RTF tokenizer that keeps body text and decodes \\' and \\u escapes."""

    def __init__(self) -> None:
        self.encoding = "cp1252"
        self.stack: list[tuple[bool, int]] = []
        self.skipping = False
        self.unicode_skip = 1
        self.pending_skip = 0
        self.out: list[str] = []
        self.hex_bytes = bytearray()
        self.font_encodings: dict[str, str] = {}
        self.defining_font: str | None = None
        self.in_font_table = False
        self.font_encoding: str | None = None

    def read(self, source: str) -> str:
        """The plain text of an RTF document given as Latin-1 decoded text."""
        for match in TOKEN_PATTERN.finditer(source):
            word, argument, hex_code, symbol, brace, text = match.groups()
            if hex_code is None:
                self.flush_hex()
            if brace:
                self.on_brace(brace)
            elif word:
                self.on_control(word.lower(), argument)
            elif hex_code:
                self.on_hex(hex_code)
            elif symbol:
                self.on_symbol(symbol)
            elif text:
                self.on_text(text)
        self.flush_hex()
        return "".join(self.out)

    def on_brace(self, brace: str) -> None:
        """Open or close a group, restoring skip state on close."""
        if brace == "{":
            self.stack.append((self.skipping, self.unicode_skip))
        elif self.stack:
            self.skipping, self.unicode_skip = self.stack.pop()
            if self.in_font_table and not self.skipping:
                self.in_font_table = False

    def on_control(self, word: str, argument: str | None) -> None:
        """Apply one control word."""
        if word == "fonttbl":
            self.in_font_table = True
        if word == "f" and argument is not None:
            self.on_font(argument)
        elif word == "fcharset" and argument and self.defining_font is not None:
            encoding = FONT_CHARSET_ENCODINGS.get(int(argument))
            if encoding:
                self.font_encodings[self.defining_font] = encoding
        elif word in SKIPPED_DESTINATIONS:
            self.skipping = True
        elif word == "ansicpg" and argument:
            self.encoding = CODEPAGE_ENCODINGS.get(int(argument), f"cp{argument}")
        elif word == "uc" and argument:
            self.unicode_skip = int(argument)
        elif word == "u" and argument:
            self.emit(chr(int(argument) % 0x10000))
            self.pending_skip = self.unicode_skip
        elif word in BREAKS:
            self.emit(BREAKS[word])

    def on_font(self, number: str) -> None:
        """Define a font in the font table, or switch to its code page in the body."""
        if self.in_font_table:
            self.defining_font = number
        else:
            self.font_encoding = self.font_encodings.get(number)

    def on_symbol(self, symbol: str) -> None:
        """An escaped character or the \\* ignorable-destination mark."""
        if symbol == "*":
            self.skipping = True
        elif symbol in "\\{}":
            self.emit(symbol)
        elif symbol == "~":
            self.emit("\u00a0")

    def on_hex(self, code: str) -> None:
        """Collect a \\'hh byte; multibyte characters span several of them."""
        if self.pending_skip:
            self.pending_skip -= 1
            return
        self.hex_bytes.append(int(code, 16))

    def on_text(self, text: str) -> None:
        """Plain characters, minus those standing in for a preceding \\u."""
        skip = min(self.pending_skip, len(text))
        self.pending_skip -= skip
        self.emit(text[skip:])

    def flush_hex(self) -> None:
        """Decode collected \\'hh bytes in the document's code page."""
        if self.hex_bytes:
            try:
                encoding = self.font_encoding or self.encoding
                decoded = bytes(self.hex_bytes).decode(encoding, errors="replace")
            except LookupError:
                decoded = bytes(self.hex_bytes).decode("cp1252", errors="replace")
            self.emit(decoded)
            self.hex_bytes.clear()

    def emit(self, text: str) -> None:
        """Append text unless inside a skipped group."""
        if not self.skipping:
            self.out.append(text)


def extract_rtf(data: bytes, limits: ExtractionLimits) -> Extraction:
    """The body text of an RTF document."""
    text = RtfReader().read(data.decode("latin-1"))
    return Extraction(
        mime_type="application/rtf", text=text.strip()[: limits.max_text_chars]
    )
