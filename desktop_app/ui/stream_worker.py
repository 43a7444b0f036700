"""Runs the chat client's generator on a QThread and reports each event as a signal.

The GUI thread never waits on the network. Cancel sets a `threading.Event`
directly from the GUI thread (a queued slot would not run while the worker's
loop is blocked on a read); the client then closes the HTTP stream itself.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

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


class StreamingClient(Protocol):
    def stream(
        self, request: ChatRequest, cancel: threading.Event | None = None
    ) -> Generator[StreamEvent, None, None]: ...


class StreamWorker(QObject):
    """Streams one request.

    Signals:
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

    def __init__(self, client: StreamingClient, request: ChatRequest) -> None:
        super().__init__()
        self._client = client
        self._request = request
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Safe to call from any thread; the stream stops within ~100 ms."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @Slot()
    def run(self) -> None:
        try:
            stream = self._client.stream(self._request, self._cancel)
            try:
                for event in stream:
                    self._emit(event)
            finally:
                stream.close()
        except AppError as error:
            self.failed.emit(error)
        except Exception as exc:  # a bug: still end the turn cleanly and keep the text
            self.failed.emit(
                AppError(ErrorKind.BUG, f"Something went wrong inside AskShot: {exc!r}")
            )
        finally:
            self.done.emit()

    def _emit(self, event: StreamEvent) -> None:
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
    """Owns a QThread running one StreamWorker; `stop()` cancels and waits."""

    def __init__(self, worker: StreamWorker) -> None:
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName("askshot-stream")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        # quit() is thread-safe; calling it directly from the worker ends the
        # thread's loop at once instead of waiting for the GUI thread to relay it.
        worker.done.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        self.thread.start()

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the thread to end (never terminate it)."""
        self.worker.cancel()
        if self.thread.isRunning():
            return self.thread.wait(timeout_ms)
        return True
