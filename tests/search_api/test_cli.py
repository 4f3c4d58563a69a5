"""The ``filewarden ingest`` command on real files, including a crash mid-way."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.search_api.server import filewarden_env, run_cli

BATCH = [
    "pdf/pdfminer.six__simple1.pdf",
    "pdf/invoice__cn_e_invoice_sf_express_2025.pdf",
    "docx/contract__cn_cooperation_agreement_filled.docx",
    "docx/python-docx__tbl-having-tables.docx",
    "text/cuad__agape_supply_agreement.txt",
    "image/invoice__vat_special_invoice_zh.jpg",
    "image/invoice__vat_e_invoice_tianjin_zh.png",
]


def copy_batch(corpus_dir: Path, target: Path) -> Path:
    folder = target / "inbox"
    (folder / "sub").mkdir(parents=True)
    for index, name in enumerate(BATCH):
        where = folder / "sub" if index % 2 else folder
        shutil.copy(corpus_dir / name, where / Path(name).name)
    return folder


def rows(data_dir: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data_dir / "filewarden.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def test_ingest_folder_prints_summary_and_indexes_all(
    corpus_dir: Path, tmp_path: Path
) -> None:
    folder = copy_batch(corpus_dir, tmp_path)
    data_dir = tmp_path / "data"

    result = run_cli(data_dir, "ingest", str(folder), "--customer", "测试客户")

    assert result.returncode == 0, result.stderr
    assert "received" in result.stdout and "indexed" in result.stdout
    states = rows(data_dir, "SELECT state FROM documents WHERE parent_id IS NULL")
    assert len(states) == len(BATCH)
    assert {state for (state,) in states} == {"indexed"}
    search = run_cli(data_dir, "search", "发票", "--json")
    assert '"total"' in search.stdout and "<mark>发票</mark>" in search.stdout


def test_ingest_again_records_nothing_twice(corpus_dir: Path, tmp_path: Path) -> None:
    folder = copy_batch(corpus_dir, tmp_path)
    data_dir = tmp_path / "data"
    run_cli(data_dir, "ingest", str(folder))

    again = run_cli(data_dir, "ingest", str(folder))

    assert again.returncode == 0, again.stderr
    assert rows(data_dir, "SELECT count(*) FROM deliveries") == [(len(BATCH),)]
    line = next(
        x for x in again.stdout.splitlines() if x.startswith("already received")
    )
    assert line.split()[-1] == str(len(BATCH))


def test_ingest_killed_midway_finishes_on_rerun_without_duplicates(
    corpus_dir: Path, tmp_path: Path
) -> None:
    folder = copy_batch(corpus_dir, tmp_path)
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, "-m", "search_api", "ingest", str(folder)],
        env=filewarden_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_some_received(data_dir, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    unfinished = rows(
        data_dir,
        "SELECT count(*) FROM documents WHERE state NOT IN "
        "('indexed', 'failed', 'encrypted')",
    )[0][0]

    rerun = run_cli(data_dir, "ingest", str(folder))

    assert rerun.returncode == 0, rerun.stderr
    assert unfinished > 0, "the kill came too late to test recovery"
    top = rows(data_dir, "SELECT state FROM documents WHERE parent_id IS NULL")
    assert len(top) == len(BATCH)
    assert {state for (state,) in top} == {"indexed"}
    assert rows(data_dir, "SELECT count(*) FROM deliveries") == [(len(BATCH),)]
    search = run_cli(data_dir, "search", "", "--json")
    assert f'"total": {len(BATCH)}' in search.stdout


def _wait_for_some_received(data_dir: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if rows(data_dir, "SELECT count(*) FROM documents")[0][0] >= 3:
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    pytest.fail("ingest never recorded documents before it ended")


def test_ingest_missing_path_reports_it_and_goes_on(
    corpus_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    good = corpus_dir / "pdf/pdfminer.six__simple1.pdf"

    result = run_cli(data_dir, "ingest", str(tmp_path / "missing.pdf"), str(good))

    assert result.returncode == 1, result.stderr
    assert "missing.pdf: no such file or folder" in result.stdout
    assert rows(data_dir, "SELECT state FROM documents") == [("indexed",)]


def test_ingest_skips_fifo_and_symlink_inside_folder(
    corpus_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(corpus_dir / "pdf/pdfminer.six__simple1.pdf", folder / "a.pdf")
    os.mkfifo(folder / "pipe.txt")
    secret = tmp_path / "outside.txt"
    secret.write_text("not for ingest")
    (folder / "link.txt").symlink_to(secret)
    (folder / "elsewhere").symlink_to(tmp_path)

    result = run_cli(tmp_path / "data", "ingest", str(folder))

    assert result.returncode == 1
    assert "pipe.txt: not a regular file" in result.stdout
    assert "link.txt: a symbolic link" in result.stdout
    assert "elsewhere: a symbolic link" in result.stdout
    assert rows(tmp_path / "data", "SELECT original_filename FROM documents") == [
        ("a.pdf",)
    ]
