"""The worker thread under one streamed request: blocking SDK calls, handed over a queue.

Kept apart from chat_client.py (the only `openai` importer) because it only
drives the SDK client it is given.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from desktop_app.core import chat_errors
from desktop_app.core.chat_errors import ErrorContext

POLL_SECONDS = 0.02  # how often a waiting consumer looks at its cancel event


class Pump:
    """Runs the blocking SDK calls on a worker thread, handing results over a queue.

    The consumer waits on the queue in short slices so it notices `cancel` at
    once; `stop()` shuts down the socket of a stream still in flight, which wakes
    a worker blocked in `recv` (closing a socket from another thread does not).
    Items carry the moment they arrived, so a slow consumer is never blamed on
    the server.
    """

    def __init__(
        self,
        client: Any,
        params: dict[str, Any],
        ctx: ErrorContext,
        parse_completion: Callable[[Any], Any],
    ) -> None:
        self._queue: queue.SimpleQueue[tuple[str, Any, float]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._done = False
        self._response: Any = None
        self._ctx = ctx
        self._parse_completion = parse_completion  # a plain JSON reply (chat_client's)
        self._thread = threading.Thread(
            target=self._run, args=(client, params), name="askshot-chat-stream", daemon=True
        )
        self._thread.start()

    def get(self, cancel: threading.Event, deadline: float) -> tuple[str, Any, float] | None:
        """The next (kind, value, arrived) item; ("no_content", …) once nothing is queued
        past `deadline`; None once `cancel` is set."""
        while not cancel.is_set():
            try:
                return self._queue.get_nowait()
            except queue.Empty:
                pass
            now = time.monotonic()
            if now >= deadline:
                return ("no_content", None, now)
            try:
                return self._queue.get(timeout=min(POLL_SECONDS, deadline - now))
            except queue.Empty:
                continue
        return None

    def _put(self, kind: str, value: Any) -> None:
        self._queue.put((kind, value, time.monotonic()))

    def stop(self, *, abort: bool) -> None:
        """Tell the worker to stop; with `abort`, also cut a stream still in flight."""
        self._stop.set()
        with self._lock:
            if not abort or self._done or self._response is None:
                return
            stream = self._response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _run(self, client: Any, params: dict[str, Any]) -> None:
        response = None
        try:
            raw = client.chat.completions.with_raw_response.create(**params)
            response = self._response = raw.http_response
            if self._stop.is_set():
                return
            # LiteLLM sends its own id instead of x-request-id; support desks ask for either.
            request_id = raw.request_id or response.headers.get("x-litellm-call-id")
            self._put("started", request_id)
            content_type = response.headers.get("content-type", "").lower()
            if "html" in content_type:
                raise chat_errors.not_a_chat_api(
                    self._ctx, what="a web page", request_id=request_id
                )
            if "json" in content_type:
                self._put("completion", self._parse_completion(response))
            else:
                for chunk in raw.parse():
                    if self._stop.is_set():
                        return
                    self._put("chunk", chunk)
            self._put("end", None)
        except BaseException as exc:
            if not self._stop.is_set():
                self._put("error", exc)
        finally:
            with self._lock:
                self._done = True
            if response is not None:
                response.close()
