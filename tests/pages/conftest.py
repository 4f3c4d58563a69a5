"""A real server with a trained model, and Debian's headless Chromium to drive it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search_api.settings import Settings
from tests.pages.browser import CHROMIUM_PATH, DESKTOP_VIEWPORT, open_browser
from tests.search_api.server import run_cli, running_server


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's trained model, or one trained now from the seed set."""
    project_models = Settings().models_dir
    if (project_models / "CURRENT").is_file():
        return project_models
    models = tmp_path_factory.mktemp("models")
    data = tmp_path_factory.mktemp("train") / "data"
    trained = run_cli(data, "train", FILEWARDEN_MODELS_DIR=str(models))
    assert trained.returncode == 0, trained.stderr[-2000:]
    return models


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[str]:
    """Base URL of a real Filewarden server on a loopback port, empty at start."""
    data_dir = tmp_path_factory.mktemp("pages") / "data"
    # Every label is below a threshold of 1.01, so the review queue is never empty.
    with running_server(
        data_dir,
        FILEWARDEN_MODELS_DIR=str(models_dir),
        FILEWARDEN_CATEGORY_THRESHOLD="1.01",
    ) as url:
        yield url


@pytest.fixture(scope="module")
def playwright_api() -> Iterator[Any]:
    if not CHROMIUM_PATH.is_file():
        pytest.skip(
            f"{CHROMIUM_PATH} not found; install Debian's chromium and "
            "chromium-driver (apt-get install -y chromium chromium-driver)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="pip install playwright to run browser tests"
    )
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def chinese_browser(
    playwright_api: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A desktop browser whose language is Chinese (zh-CN)."""
    profile = tmp_path_factory.mktemp("chromium-zh")
    context = open_browser(playwright_api, profile, "zh-CN", DESKTOP_VIEWPORT)
    yield context
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(chinese_browser: Any) -> Iterator[Any]:
    tab = chinese_browser.new_page()
    yield tab
    tab.close()
