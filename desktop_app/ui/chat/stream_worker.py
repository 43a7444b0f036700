"""Runs the chat client's generator on a worker thread and reports each event as a signal.

The GUI thread never waits on the network. Cancel sets a `threading.Event`
directly from the GUI thread (a queued slot would not run while the worker's
loop is blocked on a read); the client then closes the HTTP stream itself.
A `Worker` (ui.common.workers) underneath, like every background job.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Protocol

from PySide6.QtCore import Qt, Signal, Slot

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import (
    ChatRequest,
    Finished,
    ModelReported,
    RefusalDelta,
    ResponseStarted,
    Retrying,
    StreamEvent,
    TextDelta,
    UsageReported,
)
from desktop_app.ui.common.workers import Worker


class StreamingClient(Protocol):
    def stream(
        self, request: ChatRequest, cancel: threading.Event | None = None
    ) -> Iterator[StreamEvent]: ...


class StreamWorker(Worker):
    """Streams one request.

    Signals (besides Worker's; `yielded(object)` carries every event, these the common ones):
        response_started(str): the server accepted it; the request id or "".
        text_received(str): a piece of the answer.
        refusal_received(str): a piece of a refusal.
        model_reported(str): the model that answered.
        usage_reported(object): a `Usage`.
        retrying(str, float): waiting before another try; reason, seconds.
        answer_finished(str): the answer ended; the finish reason ("cancelled" when stopped).
        failed(object): an `AppError`; whatever text arrived before it stays.
        done(): always last, after answer_finished or failed.
    """

    response_started = Signal(str)
    text_received = Signal(str)
    refusal_received = Signal(str)
    model_reported = Signal(str)
    usage_reported = Signal(object)
    retrying = Signal(str, float)
    answer_finished = Signal(str)
    failed = Signal(object)
    done = Signal()

    stop_on_cancel = False  # the client sees the cancel itself and reports how it ended

    def __init__(self, client: StreamingClient, request: ChatRequest) -> None:
        super().__init__(name="stream")
        self._client = client
        self._request = request
        # Relayed on the worker's thread, so the order of events is kept for receivers.
        self.errored.connect(self._relay_error, Qt.ConnectionType.DirectConnection)
        self.finished.connect(self.done, Qt.ConnectionType.DirectConnection)

    def work(self) -> Iterator[StreamEvent]:
        return self._client.stream(self._request, self.cancel_event)

    @Slot(object)
    def _relay_error(self, error: object) -> None:
        if not isinstance(error, AppError):  # a bug: still end the turn, keep the text
            error = AppError(ErrorKind.BUG, f"Something went wrong inside AskShot: {error!r}")
        self.failed.emit(error)

    def report(self, item: object) -> None:
        super().report(item)
        event = item
        if isinstance(event, TextDelta):
            self.text_received.emit(event.text)
        elif isinstance(event, RefusalDelta):
            self.refusal_received.emit(event.text)
        elif isinstance(event, UsageReported):
            self.usage_reported.emit(event.usage)
        elif isinstance(event, ModelReported):
            self.model_reported.emit(event.model)
        elif isinstance(event, ResponseStarted):
            self.response_started.emit(event.request_id or "")
        elif isinstance(event, Retrying):
            self.retrying.emit(event.reason, event.wait_seconds)
        elif isinstance(event, Finished):
            self.answer_finished.emit(event.reason)


class StreamThread:
    """Starts one StreamWorker on its thread; `stop()` cancels and waits (never terminates)."""

    def __init__(self, worker: StreamWorker) -> None:
        self.worker = worker

    def start(self) -> None:
        self.worker.start()

    def is_running(self) -> bool:
        return self.worker.is_running()

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the thread to end (never terminate it)."""
        return self.worker.stop(timeout_ms)
