"""Background jobs of the API process (training), with progress to poll."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from search_api.database import utc_now
from search_api.errors import Conflict

logger = logging.getLogger(__name__)


@dataclass
class JobStatus:
    """What a caller polling a job sees."""

    name: str
    state: str = "idle"
    phase: str = ""
    done: int = 0
    total: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class BackgroundJob:
    """One job of a kind at a time, run on a thread."""

    def __init__(self, name: str) -> None:
        self.status = JobStatus(name=name)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(
        self, work: Callable[[Callable[[str, int, int], None]], dict[str, Any]]
    ) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise Conflict(f"a {self.status.name} job is already running")
            self.status = JobStatus(
                name=self.status.name, state="running", started_at=utc_now()
            )
            self._thread = threading.Thread(
                target=self._run, args=(work,), name=self.status.name, daemon=True
            )
            self._thread.start()

    def _run(
        self, work: Callable[[Callable[[str, int, int], None]], dict[str, Any]]
    ) -> None:
        try:
            self.status.result = work(self._progress)
            self.status.state = "done"
        except Exception as err:
            logger.exception("%s job failed", self.status.name)
            self.status.state = "failed"
            self.status.error = getattr(err, "message", None) or type(err).__name__
        finally:
            self.status.finished_at = utc_now()

    def _progress(self, phase: str, done: int, total: int) -> None:
        self.status.phase = phase
        self.status.done = done
        self.status.total = total

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
