"""Chat client failures before the answer starts (HTTP errors) and its retries."""

from __future__ import annotations

import socket
import time

import pytest

from desktop_app.core.chat_client import ChatClient
from desktop_app.core.errors import ErrorKind
from desktop_app.core.events import (
    Retrying,
)
from tests.chat_client_helpers import (  # noqa: F401  (fixtures by name: server, client)
    KEY,
    chat_client,
    fake_server,
    run,
)
from tests.openai_server import FakeOpenAI, Scenario


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("invalid_api_key", (ErrorKind.AUTH, 401, "askshot key set")),
        ("insufficient_credits", (ErrorKind.QUOTA, 402, "Add credits")),
        ("permission_denied", (ErrorKind.AUTH, 403, "choose another model")),
        ("model_not_found", (ErrorKind.BAD_INPUT, 404, "Choose another model")),
        ("context_length_exceeded", (ErrorKind.BAD_INPUT, 400, "Start a new conversation")),
        ("invalid_image", (ErrorKind.BAD_INPUT, 400, "PNG or JPEG")),
        ("insufficient_quota", (ErrorKind.QUOTA, 429, "billing")),
        ("server_error", (ErrorKind.NETWORK, 500, "Try again")),
        ("overloaded", (ErrorKind.NETWORK, 503, "Try again in a minute")),
    ],
)
def test_http_errors_become_one_app_error(
    server: FakeOpenAI,
    client: ChatClient,
    scenario: str,
    expected: tuple[ErrorKind, int, str],
) -> None:
    kind, status, hint = expected
    server.push(scenario)
    events, _, exc = run(client)
    assert exc is not None
    assert (exc.kind, exc.status) == (kind, status)
    assert hint in exc.message
    assert exc.message.endswith(("”", "."))
    chats = [r for r in server.requests if r.method == "POST"]  # a 402 also asks GET /key
    assert exc.request_id == chats[-1].request_id
    assert exc.text().endswith(f"(request id: {exc.request_id})")
    assert events == []  # nothing started, nothing retried
    assert len(chats) == 1  # insufficient_quota is not retried either


def test_404_without_a_model_error_points_at_the_base_url(
    server: FakeOpenAI, client: ChatClient
) -> None:
    server.push(Scenario(status=404, error={"message": "Not Found"}))
    _, _, exc = run(client)
    assert exc is not None
    assert exc.kind is ErrorKind.BAD_INPUT
    assert "base URL" in exc.message and "/v1" in exc.message


def test_a_web_page_instead_of_an_api(server: FakeOpenAI, client: ChatClient) -> None:
    server.push(Scenario(headers={"content-type": "text/html; charset=utf-8"}))
    _, _, exc = run(client)
    assert exc is not None
    assert exc.kind is ErrorKind.BAD_INPUT
    assert "web page" in exc.message and "base URL" in exc.message


def test_connection_refused_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ChatClient(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, connect_timeout=1)
    _, _, exc = run(client)
    assert exc is not None
    assert exc.kind is ErrorKind.NETWORK
    assert exc.message.startswith(f"Could not connect to 127.0.0.1:{port}")
    client.close()


# -- retries ---------------------------------------------------------------------------------


def test_stream_options_rejected_is_retried_once_and_remembered(server: FakeOpenAI) -> None:
    server.reject_stream_options = True
    remembered: list[bool] = []
    client = ChatClient(
        base_url=server.base_url,
        api_key=KEY,
        on_stream_options_rejected=lambda: remembered.append(True),
    )
    events, answer, exc = run(client)

    assert exc is None
    assert answer.text.startswith("I received")
    assert answer.usage is None  # no include_usage, no usage: fine
    assert [type(e) for e in events if isinstance(e, Retrying)] == [Retrying]
    assert remembered == [True]
    assert client.stream_options is False
    assert ["stream_options" in r.body for r in server.requests] == [True, False]

    # The next request does not send it again.
    _, _, exc = run(client)
    assert exc is None
    assert "stream_options" not in server.requests[-1].body
    assert remembered == [True]
    client.close()


def test_stream_options_off_are_not_sent(server: FakeOpenAI) -> None:
    client = ChatClient(base_url=server.base_url, api_key=KEY, stream_options=False)
    _, _, exc = run(client)
    assert exc is None
    assert "stream_options" not in server.requests[-1].body
    client.close()


def test_rate_limit_retry_after_is_honoured(server: FakeOpenAI, client: ChatClient) -> None:
    server.push("rate_limited", Scenario(status=429, headers={"retry-after-ms": "150"}))
    start = time.monotonic()
    _, answer, exc = run(client)
    elapsed = time.monotonic() - start

    assert exc is None
    assert answer.finish_reason == "stop"
    assert [e.wait_seconds for e in answer.retries] == [0.2, 0.15]
    assert "retry 1 of 2" in answer.retries[0].reason
    assert len(server.requests) == 3
    assert elapsed >= 0.35


def test_rate_limit_gives_up_after_the_bound(server: FakeOpenAI, client: ChatClient) -> None:
    server.push("rate_limited", "rate_limited", "rate_limited", "rate_limited")
    events, _, exc = run(client)
    assert exc is not None
    assert exc.kind is ErrorKind.QUOTA
    assert "still was after 2 more tries" in exc.message
    assert exc.request_id == server.requests[-1].request_id
    assert sum(isinstance(e, Retrying) for e in events) == 2
    assert len(server.requests) == 3
    assert server.pending() == 1


def test_rate_limit_asking_for_too_long_a_wait_is_not_retried(
    server: FakeOpenAI, client: ChatClient
) -> None:
    server.push(Scenario(status=429, headers={"retry-after": "60"}))
    events, _, exc = run(client)
    assert exc is not None
    assert exc.kind is ErrorKind.QUOTA
    assert "asks to wait 60 s" in exc.message
    assert events == []
    assert len(server.requests) == 1
