"""Running Settings' "Test connection" on a QThread, so the dialog never freezes.

A connection check is one blocking HTTP request (up to the client's connect and
read timeouts) that `ChatClient.test_connection` cannot interrupt. Cancelling
therefore *detaches* the check: its result is dropped, and its thread lives on
in a module registry until the request returns, then cleans itself up. The
dialog can close at once; nothing is ever `terminate()`d. At application quit
the remaining threads are waited for (a QThread destroyed while running aborts
the process), and tests call `wait_for_pending()` so no thread outlives them.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from desktop_app.core.errors import AppError

log = logging.getLogger(__name__)

Job = Callable[[], str]  # returns a sentence on success, raises AppError on failure
_NUMBERS = itertools.count(1)


class _Worker(QObject):
    """Runs the job once on its thread.

    Signals:
        finished_with(int, bool, str): the run's number, success, the sentence to show.
    """

    finished_with = Signal(int, bool, str)

    def __init__(self, number: int, job: Job) -> None:
        super().__init__()
        self.number = number
        self._job = job

    @Slot()
    def run(self) -> None:
        try:
            ok, text = True, self._job()
        except AppError as error:
            ok, text = False, error.text()
        except Exception as exc:  # a bug: still report, never leave the dialog busy
            log.exception("connection test failed unexpectedly")
            ok, text = False, f"The connection test failed inside AskShot ({type(exc).__name__})."
        self.finished_with.emit(self.number, ok, text)


class _Run(QObject):
    """One check's thread and worker, kept alive (in `_RUNS`) until the thread ends."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.number = next(_NUMBERS)
        self.worker = _Worker(self.number, job)
        self.thread = QThread()
        self.thread.setObjectName("askshot-connection-test")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished_with.connect(self.thread.quit)
        self.thread.finished.connect(self.worker.deleteLater)  # runs as the thread ends
        self.thread.finished.connect(self._on_thread_finished)  # queued to the GUI thread

    def start(self) -> None:
        _RUNS.add(self)
        _watch_quit()
        self.thread.start()

    @Slot()
    def _on_thread_finished(self) -> None:
        self.thread.wait()  # `finished` is emitted just before run() returns
        _RUNS.discard(self)
        self.thread.deleteLater()


_RUNS: set[_Run] = set()
_WATCH_PROPERTY = "askshotWaitsForConnectionTests"


def _watch_quit() -> None:
    """Wait for running checks when the application quits (once per application)."""
    app = QCoreApplication.instance()
    if app is not None and not app.property(_WATCH_PROPERTY):
        app.setProperty(_WATCH_PROPERTY, True)
        app.aboutToQuit.connect(wait_for_pending)


def pending() -> int:
    """How many checks have not finished and been cleaned up (detached ones included)."""
    return len(_RUNS)


def wait_for_pending(timeout_ms: int | None = None) -> bool:
    """Block until every check's thread has ended; False if `timeout_ms` ran out first.

    Without a timeout it waits as long as the requests may take (their own
    timeouts bound that); used at quit, where the window is already gone.
    """
    finished = True
    for run in list(_RUNS):
        done = run.thread.wait() if timeout_ms is None else run.thread.wait(timeout_ms)
        finished = finished and done
    return finished


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
        self._run: _Run | None = None

    @property
    def running(self) -> bool:
        return self._run is not None

    def start(self, job: Job) -> None:
        """Run `job` on a new thread; a check still running is cancelled first."""
        self.cancel()
        run = _Run(job)
        run.worker.finished_with.connect(self._on_worker_finished_with)
        self._run = run
        run.start()

    def cancel(self) -> None:
        """Forget the running check: its result will not be reported."""
        run, self._run = self._run, None
        if run is not None:
            run.worker.finished_with.disconnect(self._on_worker_finished_with)

    @Slot(int, bool, str)
    def _on_worker_finished_with(self, number: int, ok: bool, text: str) -> None:
        if self._run is None or self._run.number != number:
            return  # a result queued just before its check was cancelled
        self._run = None
        (self.succeeded if ok else self.failed).emit(text)
