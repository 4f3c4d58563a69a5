"""One typed settings object, read from FILEWARDEN_* variables and a settings file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "contract",
    "financial",
    "technical",
    "feedback",
    "identity",
    "correspondence",
    "other",
)
DEFAULT_SENSITIVITIES: tuple[str, ...] = (
    "public",
    "internal",
    "confidential",
    "personal",
)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _settings_file() -> Path | None:
    """The TOML settings file named by FILEWARDEN_SETTINGS_FILE, if any."""
    name = os.environ.get("FILEWARDEN_SETTINGS_FILE")
    return Path(name) if name else None


class Settings(BaseSettings):
    """Every setting and limit of Filewarden, with its default."""

    model_config = SettingsConfigDict(env_prefix="FILEWARDEN_", extra="ignore")

    data_dir: Path = Path("./data")
    corpus_dir: Path = PROJECT_ROOT.parent / "shared" / "corpus"
    models_dir: Path = PROJECT_ROOT / "models"
    seed_dir: Path = PROJECT_ROOT / "classifier" / "seed"

    host: str = "127.0.0.1"
    port: int = 8000

    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    sensitivities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SENSITIVITIES)
    )
    # PIPL treats each of these as personal information: a hit makes the
    # sensitivity "personal" whatever the model says. Measured on the corpus's
    # hand labels, "email" also turns mailing-list mail and author lines
    # personal; drop it here where that is not wanted.
    pii_override_kinds: list[str] = Field(
        default_factory=lambda: ["prc_id", "mobile", "bank_card", "email", "passport"]
    )
    classifier_max_text_chars: int = 20_000
    category_threshold: float = 0.45
    sensitivity_threshold: float = 0.45

    index_backend: Literal["embedded", "opensearch"] = "embedded"
    opensearch_urls: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:9200"]
    )
    opensearch_user: str | None = None
    opensearch_password: str | None = None
    opensearch_verify_certs: bool = True
    opensearch_ca_file: Path | None = None
    opensearch_index_prefix: str = "filewarden"

    max_file_size_bytes: int = 200 * 1024 * 1024
    max_upload_files: int = 100
    max_request_bytes: int = 1024 * 1024 * 1024
    extract_timeout_seconds: float = 120.0
    extract_memory_mb: int = 1024
    extract_workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    max_pages: int = 2000
    max_text_chars: int = 5_000_000
    ocr_languages: str = "chi_sim+eng"
    ocr_dpi: int = 300
    ocr_page_timeout_seconds: float = 60.0
    ocr_workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    max_image_pixels: int = 100_000_000
    ocr_max_page_pixels: int = 40_000_000
    max_archive_members: int = 1000
    max_archive_total_bytes: int = 500 * 1024 * 1024
    max_archive_ratio: int = 200
    max_archive_depth: int = 3

    search_page_size: int = 10
    search_max_page_size: int = 100
    facet_customer_size: int = 20
    snippet_chars: int = 200
    index_lock_wait_seconds: float = 30.0
    index_max_result_window: int = 10_000
    index_analysis_processes: int = 0

    @property
    def database_path(self) -> Path:
        return self.data_dir / "filewarden.sqlite3"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "originals"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments, then the environment, then the file.
        sources: list[Any] = [init_settings, env_settings]
        path = _settings_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
