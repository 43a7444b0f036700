"""Running Settings' "Test connection" on a worker, so the dialog never freezes.

A connection check is one blocking HTTP request (up to the client's connect and
read timeouts) that `ChatClient.test_connection` cannot interrupt. Cancelling
therefore *detaches* the check: its result is dropped, and its worker lives on
(the worker registry holds it) until the request returns. The dialog can close
at once; nothing is ever `terminate()`d. At quit every worker is waited for (a
QThread destroyed while running aborts the process); tests call
`wait_for_pending()` so no thread outlives them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from desktop_app.core.errors import AppError
from desktop_app.ui.common import workers
from desktop_app.ui.common.workers import Worker

log = logging.getLogger(__name__)

Job = Callable[[], str]  # returns a sentence on success, raises AppError on failure
WORKER_NAME = "connection-test"


def pending() -> int:
    """How many checks are still running (detached ones included)."""
    return len(workers.running(WORKER_NAME))


def wait_for_pending(timeout_ms: int | None = None) -> bool:
    """Block until every check's thread has ended; False if `timeout_ms` ran out first."""
    return all(worker.wait(timeout_ms) for worker in workers.running(WORKER_NAME))


class ConnectionTest(QObject):
    """Starts one check at a time and reports its outcome on the GUI thread.

    Signals:
        succeeded(str): the server answered; a sentence naming the model.
        failed(str): the check failed; the error sentence (never holds a key).
    """

    succeeded = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: Worker | None = None

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self, job: Job) -> None:
        """Run `job` on a new worker; a check still running is cancelled first."""
        self.cancel()
        worker = Worker(job, name=WORKER_NAME)
        worker.returned.connect(self._on_worker_returned)
        worker.errored.connect(self._on_worker_errored)
        self._worker = worker
        worker.start()

    def cancel(self) -> None:
        """Forget the running check: its result will not be reported."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            worker.returned.disconnect(self._on_worker_returned)
            worker.errored.disconnect(self._on_worker_errored)

    def _is_current(self) -> bool:
        """False for a result queued just before its check was cancelled."""
        current = self._worker is not None and self.sender() is self._worker
        if current:
            self._worker = None
        return current

    @Slot(object)
    def _on_worker_returned(self, text: object) -> None:
        if self._is_current():
            self.succeeded.emit(str(text))

    @Slot(object)
    def _on_worker_errored(self, error: object) -> None:
        if not self._is_current():
            return
        if isinstance(error, AppError):
            self.failed.emit(error.text())
        else:  # a bug: still report, never leave the dialog busy
            log.error("connection test failed unexpectedly", exc_info=error)  # type: ignore[arg-type]
            name = type(error).__name__
            self.failed.emit(f"The connection test failed inside AskShot ({name}).")
