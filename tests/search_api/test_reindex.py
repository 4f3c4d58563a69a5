"""Rebuilding the index: atomic switch, searches during it, a crash mid-way."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import tantivy

from tests.search_api.seeding import seed_documents
from tests.search_api.server import filewarden_env, run_cli, running_server

DOCUMENTS = 6000


def index_versions(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "index").iterdir() if p.is_dir())


def job_row(data_dir: Path) -> tuple | None:
    with sqlite3.connect(data_dir / "filewarden.sqlite3") as conn:
        return conn.execute(
            "SELECT state, done, total FROM reindex_jobs ORDER BY id DESC LIMIT 1"
        ).fetchone()


def test_reindex_while_searching_never_fails_or_shows_half_index(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    seed_documents(data_dir, DOCUMENTS)
    with running_server(data_dir) as base_url:
        _wait_for_total(base_url, DOCUMENTS)
        started = httpx.post(f"{base_url}/index/reindex")
        assert started.status_code == 202, started.text

        totals = []
        while httpx.get(f"{base_url}/index/reindex").json()["state"] == "running":
            answer = httpx.get(f"{base_url}/search", params={"q": "合同"})
            assert answer.status_code == 200
            totals.append(answer.json()["total"])

        final = httpx.get(f"{base_url}/index/reindex").json()
        assert final["state"] == "done", final
        assert final["done"] == DOCUMENTS
        after = httpx.get(f"{base_url}/search", params={"q": "合同"}).json()["total"]
    assert set(totals) <= {DOCUMENTS // 4}
    assert after == DOCUMENTS // 4
    assert index_versions(data_dir) == ["v2"]


def _wait_for_total(base_url: str, expected: int) -> None:
    # At start-up the server indexes documents whose index entry lags.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if httpx.get(f"{base_url}/search").json()["total"] == expected:
            return
        time.sleep(0.2)
    pytest.fail(f"the server never indexed the {expected} seeded documents")


def test_reindex_killed_midway_resumes_and_switches(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seed_documents(data_dir, DOCUMENTS)
    assert run_cli(data_dir, "reindex").returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "search_api", "reindex"],
        env=filewarden_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_progress(data_dir, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    state, done, total = job_row(data_dir) or ("none", 0, 0)
    assert state == "running" and 0 < done < total

    rerun = run_cli(data_dir, "reindex")

    assert rerun.returncode == 0, rerun.stderr
    assert job_row(data_dir) == ("done", DOCUMENTS, DOCUMENTS)
    assert index_versions(data_dir) == ["v3"]
    search = run_cli(data_dir, "search", "", "--json")
    assert f'"total": {DOCUMENTS}' in search.stdout


def _wait_for_progress(data_dir: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        row = job_row(data_dir)
        if row and row[0] == "running" and row[1] > 0:
            return
        time.sleep(0.01)
    pytest.fail("the reindex ended before it could be interrupted")


def test_server_rebuilds_index_of_an_older_schema_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seed_documents(data_dir, 40)
    old = data_dir / "index" / "v1"
    old.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=True)
    tantivy.Index(builder.build(), str(old))
    (data_dir / "index" / "CURRENT").write_text("v1")
    refused = run_cli(data_dir, "search", "合同")
    assert refused.returncode == 2
    assert "filewarden reindex" in refused.stderr

    with running_server(data_dir) as base_url:
        deadline = time.monotonic() + 60
        total = -1
        while total != 40 and time.monotonic() < deadline:
            answer = httpx.get(f"{base_url}/search")
            total = answer.json().get("total", -1) if answer.status_code == 200 else -1
            time.sleep(0.2)

    assert total == 40
    assert index_versions(data_dir) == ["v2"]
