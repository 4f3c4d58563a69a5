"""Extraction in a child process, so a hostile file costs at most a child.

The child gets its own process group (tesseract runs as its grandchild), an
address-space limit and a wall-clock deadline; whatever happens, the caller
gets an Extraction or an ExtractionFailed with a reason a person can read.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Final

from extractors.extract import extract_in_process
from extractors.types import (
    Extraction,
    ExtractionFailed,
    ExtractionLimits,
    FailureState,
)

logger = logging.getLogger(__name__)

BYTES_PER_MB: Final = 1024 * 1024
CHILD_EXIT_WAIT_SECONDS: Final = 5.0
# forkserver forks each child from a small clean process that has already
# imported the readers: cheap to start, and no threads or locks of the caller
# (web server, index writer) are copied into the child.
CONTEXT: Final = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["extractors.extract"])

Outcome = tuple[Extraction | None, str, FailureState, str | None]


def extract_file(
    path: Path, limits: ExtractionLimits, password: str | None = None
) -> Extraction:
    """The file's text, extracted in a child under the time and memory limits."""
    receiver, sender = CONTEXT.Pipe(duplex=False)
    child = CONTEXT.Process(
        target=run_child, args=(path, limits, password, sender), daemon=True
    )
    child.start()
    sender.close()

    try:
        extraction, reason, state, mime_type = await_outcome(receiver, child, limits)
    finally:
        stop(child)
        receiver.close()

    if extraction is None:
        raise ExtractionFailed(reason, state=state, mime_type=mime_type)
    return extraction


def await_outcome(
    receiver: Connection,
    child: multiprocessing.process.BaseProcess,
    limits: ExtractionLimits,
) -> Outcome:
    """The child's answer, or a failure saying why it gave none."""
    if not receiver.poll(limits.timeout_seconds):
        logger.warning("extraction child %s timed out", child.pid)
        return None, timeout_reason(limits), "failed", None

    try:
        outcome: Outcome = receiver.recv()
    except EOFError:
        child.join(CHILD_EXIT_WAIT_SECONDS)
        logger.warning(
            "extraction child %s died with exit code %s", child.pid, child.exitcode
        )
        return None, death_reason(child.exitcode, limits), "failed", None
    return outcome


def timeout_reason(limits: ExtractionLimits) -> str:
    """The reason given when the deadline passes."""
    return f"extraction took longer than {limits.timeout_seconds:g} s and was stopped"


def death_reason(exitcode: int | None, limits: ExtractionLimits) -> str:
    """A reason for a child that died without answering."""
    memory = f"extraction needed more than {limits.memory_mb} MB of memory"
    if exitcode == -signal.SIGKILL:
        return f"{memory} (the process was killed)"
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        return f"the reader crashed ({name}) on this file; it is damaged or {memory}"
    return f"the extraction process ended unexpectedly (exit code {exitcode})"


def stop(child: multiprocessing.process.BaseProcess) -> None:
    """Kill the child and its process group (OCR subprocesses) if still running."""
    if child.is_alive() and child.pid is not None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            # The child had not yet made its own group; it alone is killed.
            child.kill()
    child.join(CHILD_EXIT_WAIT_SECONDS)
    child.close()


def run_child(
    path: Path, limits: ExtractionLimits, password: str | None, sender: Connection
) -> None:
    """Child entry: isolate, extract, send back one outcome."""
    os.setsid()
    limit_memory(limits.memory_mb)

    outcome: Outcome
    try:
        outcome = (extract_in_process(path, limits, password), "", "failed", None)
    except ExtractionFailed as err:
        outcome = (None, err.reason, err.state, err.mime_type)
    except MemoryError:
        outcome = (
            None,
            f"extraction needed more than {limits.memory_mb} MB of memory",
            "failed",
            None,
        )
    # The boundary of untrusted input: a reader bug must become a reason, and the
    # trace goes to the log, never to the person reading the reason.
    except Exception as err:
        logger.exception("extraction of %s failed unexpectedly", path.name)
        outcome = (
            None,
            f"the file could not be read ({type(err).__name__})",
            "failed",
            None,
        )

    sender.send(outcome)
    sender.close()


def limit_memory(memory_mb: int) -> None:
    """Cap the child's address space; tesseract, its child, inherits the cap."""
    limit_bytes = memory_mb * BYTES_PER_MB
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
