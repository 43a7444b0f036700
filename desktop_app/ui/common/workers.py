"""AskShot's one way to run work off the GUI thread: a worker QObject on its own QThread.

Modelled on napari's `_qt/qthreading.py` (superqt's workers), much smaller. A
`Worker` runs `work()` once on a fresh QThread and reports through signals that
Qt queues to the receivers' threads: connect them to bound methods of
GUI-thread objects. When `work()` returns a generator, each item it yields is
reported as it comes, and the loop stops at the next item once cancelled.

Cancelling sets a `threading.Event` straight from the GUI thread (a queued slot
would not run while the worker's loop is busy); `work()` may pass
`cancel_event` on to code that checks it. A thread is never terminated: it is
asked to quit and waited for. Every started worker stays referenced here until
its thread has ended, so a worker its owner forgot cannot be destroyed while
running (that aborts the process); `wait_for_workers()` runs at quit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

log = logging.getLogger(__name__)

THREAD_PREFIX = "askshot-"  # every worker thread's name starts with it (tests look for it)


class Worker(QObject):
    """Runs `job()` (or an overridden `work()`) once on its own QThread.

    Signals:
        started(): the work began, on the worker's thread.
        yielded(object): a generator job yielded an item.
        returned(object): the job returned this value (a generator: its return value).
        errored(object): the job raised this exception; `returned` is not emitted.
        finished(): always last, whether it returned, failed or was cancelled.
    """

    # False when the job watches `cancel_event` itself and has last items to report after
    # a cancel (the chat stream ends with a "cancelled" finish); it then runs to its end.
    stop_on_cancel = True

    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()

    def __init__(self, job: Callable[[], Any] | None = None, *, name: str = "worker") -> None:
        super().__init__()
        self._job = job
        self.name = name
        self.cancel_event = threading.Event()
        self._runner = _Runner(self, THREAD_PREFIX + name)

    # -- the GUI thread's side ----------------------------------------------------------
    def start(self) -> None:
        self._runner.start()

    def cancel(self) -> None:
        """Ask the work to stop; safe from any thread, returns at once."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def is_running(self) -> bool:
        return self._runner.qthread.isRunning()

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Block until the thread has ended; False if `timeout_ms` ran out first."""
        return self._runner.wait(timeout_ms)

    def stop(self, timeout_ms: int | None = 5000) -> bool:
        """Cancel, then wait for the thread to end (never terminate it)."""
        self.cancel()
        return self.wait(timeout_ms)

    # -- the worker thread's side -------------------------------------------------------
    def work(self) -> Any:
        """What runs on the thread; subclasses override it, or pass `job`."""
        if self._job is None:
            raise NotImplementedError("a Worker needs a job or a work() override")
        return self._job()

    def report(self, item: object) -> None:
        """Called on the worker's thread for each yielded item; emits `yielded`."""
        self.yielded.emit(item)

    @Slot()
    def _run(self) -> None:
        self.started.emit()
        try:
            result = self.work()
            if isinstance(result, Generator):
                result = self._drain(result)
            elif isinstance(result, Iterator):
                result = self._drain(_as_generator(result))
        except Exception as exc:  # reported, never raised into Qt's event loop
            self.errored.emit(exc)
        else:
            self.returned.emit(result)
        finally:
            self.finished.emit()

    def _drain(self, items: Generator[Any, None, Any]) -> Any:
        try:
            while not (self.stop_on_cancel and self.cancelled):
                try:
                    item = next(items)
                except StopIteration as stop:
                    return stop.value
                self.report(item)
            return None
        finally:
            items.close()  # runs the generator's own cleanup (closes an HTTP stream)


def _as_generator(items: Iterator[Any]) -> Generator[Any, None, None]:
    yield from items


class _Runner(QObject):
    """The GUI-thread half of a worker: owns its QThread, keeps it alive until it ends."""

    def __init__(self, worker: Worker, thread_name: str) -> None:
        super().__init__()
        self.worker = worker
        self.qthread = QThread()
        self.qthread.setObjectName(thread_name)
        worker.moveToThread(self.qthread)
        self.qthread.started.connect(worker._run)  # queued: runs on the worker's thread
        # quit() is thread-safe; called directly from the worker, the thread's loop ends
        # at once instead of waiting for the GUI thread to relay it.
        worker.finished.connect(self.qthread.quit, Qt.ConnectionType.DirectConnection)
        self.qthread.finished.connect(self._on_thread_finished)  # queued to the GUI thread

    def start(self) -> None:
        _RUNNING.add(self)
        _wait_at_quit()
        self.qthread.start()

    def wait(self, timeout_ms: int | None) -> bool:
        if not self.qthread.isRunning():
            return True
        ended = self.qthread.wait() if timeout_ms is None else self.qthread.wait(timeout_ms)
        if ended:
            _RUNNING.discard(self)
        return ended

    @Slot()
    def _on_thread_finished(self) -> None:
        self.qthread.wait()  # `finished` is emitted just before the thread's run() returns
        _RUNNING.discard(self)


_RUNNING: set[_Runner] = set()
_QUIT_PROPERTY = "askshotWaitsForWorkers"


def _wait_at_quit() -> None:
    """Wait for running workers when the application quits (connected once per app)."""
    app = QCoreApplication.instance()
    if app is not None and not app.property(_QUIT_PROPERTY):
        app.setProperty(_QUIT_PROPERTY, True)
        app.aboutToQuit.connect(wait_for_workers)


def running(name: str | None = None) -> list[Worker]:
    """Workers whose thread has not ended (or not been cleaned up), optionally by name."""
    return [
        r.worker
        for r in list(_RUNNING)
        if r.qthread.isRunning() and (name is None or r.worker.name == name)
    ]


def wait_for_workers(timeout_ms: int | None = None, *, cancel: bool = True) -> bool:
    """Cancel (unless told not to) and wait for every running worker; False on a timeout.

    Without a timeout it waits as long as the work takes (network timeouts bound
    it); used at quit, where the window is already gone.
    """
    runners = list(_RUNNING)
    if cancel:
        for runner in runners:
            runner.worker.cancel()
    ended = True
    for runner in runners:
        ended = runner.wait(timeout_ms) and ended
    return ended
