"""Driving Debian's headless Chromium: launch flags, profiles, screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM_PATH = Path("/usr/bin/chromium")
SCREENSHOTS_DIR = Path(__file__).resolve().parent.parent / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
PHONE_VIEWPORT = {"width": 390, "height": 844}
WAIT_MS = 60_000


def open_browser(
    playwright: Any, profile_dir: Path, locale: str, viewport: dict[str, int]
) -> Any:
    """A fresh Chromium profile speaking that language (its Accept-Language)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=str(CHROMIUM_PATH),
        headless=True,
        args=CHROMIUM_ARGS,
        locale=locale,
        viewport=viewport,
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(WAIT_MS)
    return context


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as tests/screenshots/NAME.png (for people to look at)."""
    SCREENSHOTS_DIR.mkdir(exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
