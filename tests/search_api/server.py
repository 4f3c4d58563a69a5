"""A real Filewarden server process on a free loopback port, for API tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

START_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def filewarden_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["FILEWARDEN_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def run_cli(
    data_dir: Path, *args: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``filewarden ARGS`` in a child process and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "search_api", *args],
        env=filewarden_env(data_dir, **extra_env),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@contextmanager
def running_server(data_dir: Path, **extra_env: str) -> Iterator[str]:
    """Start ``filewarden serve`` and yield its base URL; stop it afterwards."""
    port = free_port()
    log = (data_dir.parent / f"server-{port}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "search_api",
            "--log-level",
            "INFO",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=filewarden_env(data_dir, **extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} at start")
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(
        f"server at {base_url} did not answer within {START_TIMEOUT_SECONDS} s"
    )
