"""A small OpenAI-compatible chat server on 127.0.0.1 for tests and manual runs.

It streams Server-Sent Events exactly like the real API (HTTP/1.1, chunked) and
can replay every case in docs/architecture.md, "What the wire really does", one scripted
`Scenario` per request. It records every request so tests can check what the
client really sent (text, detail, image pixel sizes, stream_options).

    with FakeOpenAI() as server:
        server.push("stall")            # or Scenario(fault="drop", after=5)
        ... point the client at server.base_url ...
        server.requests[-1].images()    # [(width, height, detail), ...]

Standalone: `python -m tests.openai_server --port 8765` serves until Ctrl+C.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import select
import socket
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.openai_records import RecordedRequest, decode_data_url, describe
from tests.openai_scenarios import (
    OPENROUTER_KEY,
    OPENROUTER_MODELS,
    SNAPSHOTS,
    STREAM_OPTIONS_REJECTED,
    CatalogueShape,
    Scenario,
    catalogue_body,
    filler_pieces,
    preset,
    split_pieces,
)

__all__ = ["DEFAULT_USAGE", "FakeOpenAI", "RecordedRequest", "Scenario", "decode_data_url"]

DEFAULT_USAGE = (100, 20, 0)  # prompt, completion, cached tokens reported by default


class FakeOpenAI:
    """The server; use as a context manager or call `close()`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        reject_stream_options: bool = False,
        catalogue: CatalogueShape = "openai",
        credits: dict[str, Any] | None = None,
        verbose: bool = False,
    ) -> None:
        self.api_key = api_key  # when set, other keys get a 401
        # The shape of GET /models, and the model list it serves (ids for "openai"/"bare").
        self.catalogue: CatalogueShape = catalogue
        self.model_ids: list[str] = list(SNAPSHOTS)
        self.router_models: list[dict[str, Any]] = [dict(m) for m in OPENROUTER_MODELS]
        # GET …/key (OpenRouter's credit) answers this body; None: 404, as most servers do.
        router = catalogue == "openrouter"
        self.credits = credits if credits is not None else (OPENROUTER_KEY if router else None)
        self.reject_stream_options = reject_stream_options  # every time, like Azure
        self.default = Scenario()  # used when the queue is empty
        self.default_usage = DEFAULT_USAGE
        self.verbose = verbose
        self.requests: list[RecordedRequest] = []
        self.stopped = threading.Event()  # releases stalls and delays on close()
        self._queue: deque[Scenario] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._conns: dict[socket.socket, threading.Thread] = {}
        # Every connection thread not yet joined: one that has just left `_conns` may still
        # be finishing, and close() must not return before it has.
        self._threads: list[threading.Thread] = []
        self._httpd = _Server((host, port), _Handler)
        self._httpd.fake = self
        self.host, self.port = host, int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def push(self, *scenarios: Scenario | str) -> None:
        """Queue scenarios (or preset names), consumed one per request."""
        items = [preset(s) if isinstance(s, str) else s for s in scenarios]
        with self._lock:
            self._queue.extend(items)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def next_scenario(self) -> Scenario:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def close(self) -> None:
        """Stop serving, release stalled streams and end every connection thread."""
        self.stopped.set()
        self._httpd.shutdown()
        with self._lock:
            conns = list(self._conns.items())
        for sock, _ in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=5)
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(rec)

    def _new_request_id(self) -> str:
        return f"req_fake{next(self._ids):06d}"


class _Server(ThreadingHTTPServer):
    """Tracks connection sockets and threads so `close()` can end them all."""

    daemon_threads = True
    fake: FakeOpenAI

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="fake-openai-conn",
            daemon=True,
        )
        with self.fake._lock:
            self.fake._conns[request] = thread
            self.fake._threads = [t for t in self.fake._threads if t.is_alive()] + [thread]
        thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client hanging up is normal here
            super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.fake._lock:
            self.fake._conns.pop(request, None)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate small writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            sys.stderr.write("fake-openai: " + (format % args) + "\n")

    # -- routing -----------------------------------------------------------------

    def do_GET(self) -> None:
        rec = self._receive(None)
        fake = self.server.fake
        path = self.path.split("?", 1)[0].rstrip("/")
        if not path.endswith(("/models", "/key")):
            self._send_json(404, {"error": {"message": f"Unknown path {self.path}"}}, rec)
            return
        if fake.api_key is not None and rec.authorization != f"Bearer {fake.api_key}":
            self._send_error(preset("invalid_api_key"), rec)
            return
        if path.endswith("/key"):
            if fake.credits is None:
                self._send_json(404, {"detail": "Not Found"}, rec)
            else:
                self._send_json(200, fake.credits, rec)
            return
        if fake.catalogue == "missing":
            self._send_json(404, {"error": {"message": f"Unknown path {self.path}"}}, rec)
            return
        scenario = fake.next_scenario()  # a test may make /models fail or stall, too
        if scenario.fault == "stall_headers":
            self._wait(None, rec)
            self.close_connection = True
            return
        if scenario.status != 200:
            self._send_error(scenario, rec)
            return
        self._send_json(
            200,
            catalogue_body(fake.catalogue, fake.model_ids, fake.router_models),
            rec,
            scenario.headers,
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        rec = self._receive(body)
        fake = self.server.fake
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"Unknown path {self.path}"}}, rec)
            return
        if fake.api_key is not None and rec.authorization != f"Bearer {fake.api_key}":
            self._send_error(preset("invalid_api_key"), rec)
            return
        if not isinstance(body, dict) or "model" not in body:
            self._send_error(Scenario(status=400, error={"message": "Invalid body"}), rec)
            return
        if fake.reject_stream_options and "stream_options" in body:
            error = {
                "message": STREAM_OPTIONS_REJECTED,
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
            self._send_error(Scenario(status=400, error=error), rec)
            return
        scenario = fake.next_scenario()
        if scenario.fault == "stall_headers":
            self._wait(None, rec)
            self.close_connection = True
        elif scenario.status != 200:
            self._send_error(scenario, rec)
        elif body.get("stream") and not scenario.json_reply:
            self._stream(scenario, body, rec)
        else:
            self._send_json(200, self._completion(scenario, body), rec, scenario.headers)

    def _receive(self, body: Any) -> RecordedRequest:
        fake = self.server.fake
        headers = {k.lower(): v for k, v in self.headers.items()}
        rec = RecordedRequest(self.command, self.path, headers, body, fake._new_request_id())
        fake._record(rec)
        return rec

    # -- plain responses -----------------------------------------------------------

    def _send_json(
        self,
        status: int,
        obj: Any,
        rec: RecordedRequest,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(obj).encode()
        self._send_headers(
            status,
            {"content-type": "application/json", "content-length": str(len(data))},
            rec,
            headers or {},
        )
        self.wfile.write(data)

    def _send_headers(
        self, status: int, base: dict[str, str], rec: RecordedRequest, extra: dict[str, str]
    ) -> None:
        """Status line and headers; a scenario's headers add to or replace the defaults."""
        self.send_response(status)
        merged = {
            **base,
            "x-request-id": rec.request_id,
            **{k.lower(): v for k, v in extra.items()},
        }
        for name, value in merged.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_error(self, scenario: Scenario, rec: RecordedRequest) -> None:
        error = scenario.error or {"message": f"HTTP {scenario.status}", "type": None, "code": None}
        self._send_json(scenario.status, {"error": error}, rec, scenario.headers)

    # -- answers -------------------------------------------------------------------

    def _answer(self, scenario: Scenario, body: dict[str, Any]) -> tuple[list[str], str]:
        """The pieces to send and the finish reason, honouring max_tokens."""
        if scenario.refusal is not None:
            pieces = split_pieces(scenario.refusal, None)
        elif scenario.text is None and scenario.chunks is not None:
            pieces = filler_pieces(scenario.chunks)
        else:
            text = scenario.text if scenario.text is not None else describe(body)
            pieces = split_pieces(text, scenario.chunks)
        finish = scenario.finish_reason
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and 0 < limit < len(pieces):
            pieces, finish = pieces[:limit], "length"
        return pieces, finish

    def _usage(self, scenario: Scenario) -> dict[str, Any]:
        prompt, completion, cached = scenario.usage or self.server.fake.default_usage
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        }
        if scenario.cost is not None:
            usage["cost"] = scenario.cost
        return usage

    def _completion(self, scenario: Scenario, body: dict[str, Any]) -> dict[str, Any]:
        pieces, finish = self._answer(scenario, body)
        text = "".join(pieces)
        refused = scenario.refusal is not None
        message = {
            "role": "assistant",
            "content": None if refused else text,
            "refusal": text if refused else None,
        }
        return {
            "id": f"chatcmpl-fake{len(self.server.fake.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": scenario.model or SNAPSHOTS.get(body["model"], body["model"]),
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
            "usage": self._usage(scenario),
            "system_fingerprint": "fp_fake",
        }

    def _stream(self, scenario: Scenario, body: dict[str, Any], rec: RecordedRequest) -> None:
        base = {
            "content-type": "text/event-stream; charset=utf-8",
            "transfer-encoding": "chunked",
            "cache-control": "no-cache",
        }
        self._send_headers(200, base, rec, scenario.headers)
        try:
            self._stream_body(scenario, body, rec)
        except OSError:  # the client hung up
            rec.client_left.set()
            self.close_connection = True

    def _stream_body(self, scenario: Scenario, body: dict[str, Any], rec: RecordedRequest) -> None:
        pieces, finish = self._answer(scenario, body)
        key = "refusal" if scenario.refusal is not None else "content"
        base = {
            "id": f"chatcmpl-fake{len(self.server.fake.requests)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": scenario.model or SNAPSHOTS.get(body["model"], body["model"]),
            "system_fingerprint": "fp_fake",
        }

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> None:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            self._event({**base, "choices": [choice]})

        if scenario.comments:
            self._write(b": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n")
        first = {"role": "assistant", "content": "", "refusal": None}
        if key == "refusal":
            first = {"role": "assistant", "content": None, "refusal": ""}
        chunk(first)
        for index, piece in enumerate(pieces):
            if scenario.fault is not None and index == scenario.after:
                self._fault(scenario, rec, base)
                return
            if scenario.delay and self._wait(scenario.delay, rec):
                return
            if scenario.comments:
                self._write(b": OPENROUTER PROCESSING\n\n")
            chunk({key: piece})
        if scenario.fault is not None:  # the answer was shorter than `after`
            self._fault(scenario, rec, base)
            return
        chunk({}, finish)
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({**base, "choices": [], "usage": self._usage(scenario)})
        self._write(b"data: [DONE]\n\n")
        self._end()

    def _fault(self, scenario: Scenario, rec: RecordedRequest, base: dict[str, Any]) -> None:
        if scenario.fault == "mid_stream_error":
            self._event({"error": scenario.error or {"message": "Internal error", "code": 500}})
            self._end()
        elif scenario.fault == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif scenario.fault == "cutoff":
            self._end()
        elif scenario.fault == "bad_json":
            self._write(
                b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": "x"\n\n'
            )
            self._end()
        elif scenario.fault == "stall":
            self._wait(None, rec)
            self.close_connection = True
        elif scenario.fault in ("comments_forever", "empty_deltas_forever"):
            self._keep_alive(scenario, base, rec)

    def _keep_alive(self, scenario: Scenario, base: dict[str, Any], rec: RecordedRequest) -> None:
        """Keep the connection busy without content until `forever` s pass, then hang up."""
        empty = {"index": 0, "delta": {}, "logprobs": None, "finish_reason": None}
        deadline = time.monotonic() + scenario.forever
        while time.monotonic() < deadline:
            if scenario.fault == "comments_forever":
                self._write(b": OPENROUTER PROCESSING\n\n")
            else:
                self._event({**base, "choices": [empty]})
            if self._wait(scenario.keepalive, rec):
                return
        self._end()  # no finish reason: a client that waited this long sees a cut-off

    # -- low-level writing ---------------------------------------------------------------

    def _event(self, obj: Any) -> None:
        self._write(b"data: " + json.dumps(obj).encode() + b"\n\n")

    def _write(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _end(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def _wait(self, seconds: float | None, rec: RecordedRequest) -> bool:
        """Wait (forever if None) until done, the server stops or the client leaves.

        Returns True when the stream should end now.
        """
        stopped = self.server.fake.stopped
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            remaining = 0.02 if deadline is None else min(0.02, deadline - time.monotonic())
            if remaining <= 0:
                return False
            if stopped.wait(remaining):
                self.close_connection = True
                return True
            if _peer_closed(self.connection):
                rec.client_left.set()
                self.close_connection = True
                return True


def _peer_closed(sock: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", default="default", help="preset used for every request")
    parser.add_argument("--api-key", help="answer 401 to any other key")
    parser.add_argument("--reject-stream-options", action="store_true")
    args = parser.parse_args(argv)
    server = FakeOpenAI(
        args.host,
        args.port,
        api_key=args.api_key,
        reject_stream_options=args.reject_stream_options,
        verbose=True,
    )
    server.default = preset(args.scenario)
    print(f"Fake OpenAI server at {server.base_url} (scenario {args.scenario}); Ctrl+C stops it.")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
