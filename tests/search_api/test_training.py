"""Retraining from people's corrections, promotion and rollback, through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from search_api.settings import Settings
from tests.search_api.server import run_cli

DOCUMENTS = [
    "docx/contract__cn_cooperation_agreement_filled.docx",
    "pdf/pdfminer.six__simple1.pdf",
]


@pytest.fixture
def workspace(tmp_path: Path, corpus_dir: Path) -> tuple[Path, dict[str, str]]:
    models = tmp_path / "models"
    shutil.copytree(Settings().models_dir, models)
    env = {"FILEWARDEN_MODELS_DIR": str(models)}
    data_dir = tmp_path / "data"
    paths = [str(corpus_dir / name) for name in DOCUMENTS]
    assert run_cli(data_dir, "ingest", *paths, **env).returncode == 0
    return data_dir, env


def test_train_uses_corrections_and_records_versions(
    workspace: tuple[Path, dict[str, str]],
) -> None:
    data_dir, env = workspace
    labelled = run_cli(
        data_dir, "label", "1", "--category", "contract", "--by", "李雷", **env
    )
    assert labelled.returncode == 0, labelled.stderr

    trained = run_cli(data_dir, "train", "--force", **env)

    assert trained.returncode == 0, trained.stderr
    report = json.loads(trained.stdout)
    assert report["promoted"] is True
    assert 0.0 < report["category_macro_f1"] <= 1.0
    listing = run_cli(data_dir, "model", "list", **env).stdout.splitlines()
    assert len(listing) == 2
    assert listing[0].startswith(f"* {report['version']}")
    shown = json.loads(run_cli(data_dir, "show", "2", "--no-text", **env).stdout)
    assert shown["model_version"] == report["version"]
    person = json.loads(run_cli(data_dir, "show", "1", "--no-text", **env).stdout)
    assert person["category_source"] == "person"


def test_rollback_returns_to_previous_model_and_relabels(
    workspace: tuple[Path, dict[str, str]],
) -> None:
    data_dir, env = workspace
    before = json.loads(run_cli(data_dir, "show", "2", "--no-text", **env).stdout)
    run_cli(data_dir, "train", "--force", "--seed", "1", **env)

    rolled = run_cli(data_dir, "model", "rollback", **env)

    assert rolled.returncode == 0, rolled.stderr
    assert before["model_version"] in rolled.stdout
    after = json.loads(run_cli(data_dir, "show", "2", "--no-text", **env).stdout)
    assert after["model_version"] == before["model_version"]


def test_promote_unknown_version_fails_with_reason(
    workspace: tuple[Path, dict[str, str]],
) -> None:
    data_dir, env = workspace
    result = run_cli(data_dir, "model", "promote", "../../etc", **env)
    assert result.returncode == 2
    assert "error:" in result.stderr
