"""Cancel: the stream stops promptly wherever it is, and the HTTP stream is closed."""

from __future__ import annotations

import threading
import time

from desktop_app.core.chat_client import ChatClient
from desktop_app.core.events import (
    Finished,
    Retrying,
    StreamEvent,
    TextDelta,
)
from tests.chat_client_helpers import (  # noqa: F401  (fixtures by name: server, client)
    KEY,
    ask,
    cancel_later,
    chat_client,
    fake_server,
    stream_threads_end,
)
from tests.openai_server import FakeOpenAI, Scenario


def test_cancel_while_the_server_stalls_is_prompt(server: FakeOpenAI, client: ChatClient) -> None:
    server.push(Scenario(fault="stall", after=3))
    cancel = threading.Event()
    events: list[StreamEvent] = []
    set_at: list[float] = []
    for event in client.stream(ask(), cancel):
        events.append(event)
        if sum(isinstance(e, TextDelta) for e in events) == 3 and not set_at:
            set_at = cancel_later(cancel, 0.1)  # by then the worker is blocked reading
    finished_at = time.monotonic()

    latency = finished_at - set_at[0]
    print(f"cancel latency while stalled: {latency * 1000:.1f} ms")
    assert latency <= 0.5
    assert events[-1] == Finished("cancelled")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "I received **no "
    # The HTTP stream was closed: the server saw the client leave, the worker ended.
    assert server.requests[-1].client_left.wait(2.0)
    assert stream_threads_end()


def test_cancel_before_the_server_sends_headers(server: FakeOpenAI) -> None:
    client = ChatClient(base_url=server.base_url, api_key=KEY, read_timeout=0.5)
    server.push("stall_headers")
    cancel = threading.Event()
    set_at = cancel_later(cancel, 0.1)
    events = list(client.stream(ask(), cancel))
    assert time.monotonic() - set_at[0] <= 0.5
    assert events == [Finished("cancelled")]
    # The worker cannot be woken before it has a response; the read timeout ends it.
    assert stream_threads_end(timeout=3.0)
    client.close()


def test_cancel_already_set_sends_nothing(server: FakeOpenAI, client: ChatClient) -> None:
    cancel = threading.Event()
    cancel.set()
    assert list(client.stream(ask(), cancel)) == [Finished("cancelled")]
    assert server.requests == []


def test_cancel_during_a_retry_wait(server: FakeOpenAI) -> None:
    client = ChatClient(base_url=server.base_url, api_key=KEY, max_retry_wait=30)
    server.push(Scenario(status=429, headers={"retry-after": "10"}))
    cancel = threading.Event()
    events: list[StreamEvent] = []
    set_at: list[float] = []
    for event in client.stream(ask(), cancel):
        events.append(event)
        if isinstance(event, Retrying):
            set_at = cancel_later(cancel, 0.05)
    assert time.monotonic() - set_at[0] <= 0.5
    assert events[-1] == Finished("cancelled")
    assert len(server.requests) == 1
    client.close()


def test_abandoning_the_generator_closes_the_stream(server: FakeOpenAI, client: ChatClient) -> None:
    server.push(Scenario(fault="stall", after=3))
    stream = client.stream(ask())
    for event in stream:
        if isinstance(event, TextDelta):
            break
    stream.close()  # what a consumer's `finally` does
    assert server.requests[-1].client_left.wait(2.0)
    assert stream_threads_end()
