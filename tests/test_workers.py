"""The one background-work abstraction: signals in order, cancel by Event, wait, never terminate."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from PySide6.QtCore import QObject, Slot

from desktop_app.ui.common import workers
from desktop_app.ui.common.workers import Worker

TIMEOUT_MS = 5000


class Recorder(QObject):
    """Lives on the GUI thread and records what a worker reported, in order."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.seen: list[tuple[str, object]] = []
        self.threads: set[int] = set()
        worker.started.connect(self._on_worker_started)
        worker.yielded.connect(self._on_worker_yielded)
        worker.returned.connect(self._on_worker_returned)
        worker.errored.connect(self._on_worker_errored)
        worker.finished.connect(self._on_worker_finished)

    def _add(self, name: str, value: object = None) -> None:
        self.threads.add(threading.get_ident())
        self.seen.append((name, value))

    @Slot()
    def _on_worker_started(self) -> None:
        self._add("started")

    @Slot(object)
    def _on_worker_yielded(self, item: object) -> None:
        self._add("yielded", item)

    @Slot(object)
    def _on_worker_returned(self, value: object) -> None:
        self._add("returned", value)

    @Slot(object)
    def _on_worker_errored(self, error: object) -> None:
        self._add("errored", type(error).__name__)

    @Slot()
    def _on_worker_finished(self) -> None:
        self._add("finished")


def run(qtbot, worker: Worker) -> Recorder:
    recorder = Recorder(worker)
    worker.start()  # (qtbot.waitSignal would run its slot on the worker's thread)
    qtbot.waitUntil(lambda: ("finished", None) in recorder.seen, timeout=TIMEOUT_MS)
    assert worker.wait(TIMEOUT_MS)
    return recorder


def test_a_job_runs_off_the_gui_thread_and_reports_on_it(qtbot) -> None:
    ran_on: list[int] = []

    def job() -> str:
        ran_on.append(threading.get_ident())
        return "answer"

    worker = Worker(job, name="test-job")
    recorder = run(qtbot, worker)
    assert recorder.seen == [("started", None), ("returned", "answer"), ("finished", None)]
    assert ran_on and ran_on[0] != threading.get_ident()
    assert recorder.threads == {threading.get_ident()}  # slots ran on the GUI thread


def test_an_exception_is_reported_not_raised_and_finished_still_comes(qtbot) -> None:
    def job() -> None:
        raise ValueError("broken")

    recorder = run(qtbot, Worker(job, name="test-job"))
    assert recorder.seen == [("started", None), ("errored", "ValueError"), ("finished", None)]


def test_a_generator_reports_each_item_then_its_return_value(qtbot) -> None:
    def job() -> Iterator[int]:
        yield 1
        yield 2
        return 3

    recorder = run(qtbot, Worker(job, name="test-job"))
    assert recorder.seen == [
        ("started", None),
        ("yielded", 1),
        ("yielded", 2),
        ("returned", 3),
        ("finished", None),
    ]


def test_cancel_from_the_gui_thread_stops_a_busy_generator_and_closes_it(qtbot) -> None:
    first_sent = threading.Event()
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                n += 1
                first_sent.set()
                yield n
        finally:
            closed.set()

    worker = Worker(endless, name="test-job")
    worker.start()
    assert first_sent.wait(5)
    assert worker.stop(TIMEOUT_MS)  # sets the Event directly, then quit() + wait()
    assert closed.is_set() and not worker.is_running()


def test_wait_for_workers_cancels_and_joins_every_running_worker(qtbot) -> None:

    def waits_for_cancel(cancel: threading.Event) -> bool:
        return cancel.wait(10)

    started = [Worker(name="test-job") for _ in range(3)]
    for worker in started:
        worker._job = lambda w=worker: waits_for_cancel(w.cancel_event)  # type: ignore[misc]
        worker.start()
    qtbot.waitUntil(lambda: len(workers.running("test-job")) == 3, timeout=TIMEOUT_MS)
    assert workers.wait_for_workers(TIMEOUT_MS)
    assert not any(worker.is_running() for worker in started)
    assert workers.running("test-job") == []
