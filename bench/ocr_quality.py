"""Character error rate of Filewarden's OCR on clean rendered pages.

    python bench/ocr_quality.py

Renders a known Chinese and an English passage onto A4 pages at 300 dpi with the
Noto CJK font (Debian's fonts-noto-cjk), runs them through the same OCR step as
scanned pages, and prints the character error rate (edit distance over the
characters of the passage, whitespace ignored) and the seconds per page.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from extractors.ocr import recognize
from extractors.types import ExtractionLimits

FONT: Final = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
A4_300_DPI: Final = (2480, 3508)
MARGIN_PX: Final = 200
FONT_PX: Final = 50
LINE_PX: Final = 80

PASSAGES: Final = {
    "zh": [
        "采购合同编号：HT2024-0815",
        "甲方：华东精密机械有限公司",
        "乙方：苏州宏达电子科技有限公司",
        "一、甲方向乙方采购伺服电机二百台，",
        "单价人民币三千五百元，总价七十万元。",
        "二、乙方应于二〇二四年九月三十日前",
        "将货物送至甲方指定仓库，并提供增值税",
        "专用发票。逾期交货的，每日按合同总价",
        "千分之一支付违约金。",
        "三、本合同一式两份，双方各执一份，",
        "自双方签字盖章之日起生效。",
    ],
    "en": [
        "SUPPLY AGREEMENT No. SA-2024-117",
        "This agreement is made between Northwind",
        "Components Ltd and Harbor Valve Inc.",
        "1. The supplier shall deliver 240 valve",
        "assemblies at a unit price of 85.50 USD.",
        "2. Payment is due within thirty days of",
        "receipt of a correct invoice.",
        "3. Late delivery incurs a penalty of one",
        "percent of the order value per week.",
    ],
}


def render(lines: list[str]) -> Image.Image:
    page = Image.new("L", A4_300_DPI, color=255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), FONT_PX)
    for number, line in enumerate(lines):
        draw.text((MARGIN_PX, MARGIN_PX + number * LINE_PX), line, font=font, fill=0)
    return page


def edit_distance(expected: str, found: str) -> int:
    previous = list(range(len(found) + 1))
    for i, want in enumerate(expected, 1):
        current = [i]
        for j, got in enumerate(found, 1):
            current.append(
                min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (want != got)
                )
            )
        previous = current
    return previous[-1]


def compact(text: str) -> str:
    return "".join(text.split())


def main() -> None:
    limits = ExtractionLimits()
    for language, lines in PASSAGES.items():
        started = time.perf_counter()
        text = recognize(render(lines), limits, 1)
        seconds = time.perf_counter() - started
        expected = compact("".join(lines))
        errors = edit_distance(expected, compact(text))
        rate = errors / len(expected)
        print(
            f"{language}: CER {rate:.2%} ({errors} of {len(expected)} characters), "
            f"{seconds:.1f} s/page"
        )


if __name__ == "__main__":
    main()
