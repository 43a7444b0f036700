"""What gateways do that a plain server does not: keep a stream busy without an answer,
say "stop" after nothing, and carry credentials in the base URL.

Against the fake server on 127.0.0.1 through the real openai SDK, with small limits.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from desktop_app.core.chat_client import ChatClient
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Finished, TextDelta, Usage, UsageReported
from desktop_app.core.urls import host_of, mask_url
from tests.chat_client_helpers import (  # noqa: F401  (fixtures by name: server, client)
    KEY,
    ask,
    cancel_later,
    chat_client,
    fake_server,
    run,
    stream_threads_end,
)
from tests.cli_helpers import askshot
from tests.openai_scenarios import PRESETS
from tests.openai_server import FakeOpenAI, Scenario

LIMIT = 0.5  # the no-content limit under test
SLACK = 1.0  # scheduling slack on a busy 2-core machine


def _client(
    server: FakeOpenAI, *, read_timeout: float = 3.0, first_content_timeout: float = LIMIT
) -> ChatClient:
    return ChatClient(
        base_url=server.base_url,
        api_key=KEY,
        read_timeout=read_timeout,
        first_content_timeout=first_content_timeout,
    )


# -- a stream kept busy without content ----------------------------------------------------


@pytest.mark.parametrize("keepalive", ["comments_forever", "empty_deltas_forever"])
def test_a_busy_stream_without_content_ends_by_itself(server: FakeOpenAI, keepalive: str) -> None:
    client = _client(server)
    assert run(client)[2] is None  # warm up: the SDK import is not the server's time
    server.push(keepalive)
    start = time.monotonic()
    events, answer, exc = run(client)
    elapsed = time.monotonic() - start

    assert exc is not None
    assert exc.kind is ErrorKind.NETWORK
    assert exc.message == (
        f"The server at {host_of(server.base_url)} sent no answer for 0.5 s (it kept the "
        "connection open without sending any text). Try again in a moment, or choose "
        "another model."
    )
    assert exc.request_id == server.requests[-1].request_id
    assert LIMIT <= elapsed < LIMIT + SLACK
    assert answer.text == ""
    assert not any(isinstance(e, Finished) for e in events)
    # The stream was closed, not left running in the background.
    assert server.requests[-1].client_left.wait(2.0)
    assert stream_threads_end()
    client.close()


@pytest.mark.parametrize("fault", ["comments_forever", "empty_deltas_forever"])
def test_a_gap_after_the_first_text_keeps_the_text_and_cuts_off(
    server: FakeOpenAI, fault: str
) -> None:
    # The first text arrives within the first-content limit; then the read timeout bounds gaps.
    client = _client(server, read_timeout=LIMIT, first_content_timeout=5.0)
    assert run(client)[2] is None  # warm up: the SDK import is not the server's time
    server.push(Scenario(fault=fault, after=3))  # type: ignore[arg-type]
    start = time.monotonic()
    events, answer, exc = run(client)
    elapsed = time.monotonic() - start

    assert exc is not None
    assert exc.kind is ErrorKind.CUT_OFF
    assert exc.message == (
        "The server stopped sending for 0.5 s, so the answer is cut off. Try again."
    )
    assert answer.text == "I received **no "  # yielded before the error
    assert elapsed < LIMIT + SLACK
    assert not any(isinstance(e, Finished) for e in events)
    client.close()


def test_a_slow_steady_answer_is_not_cut(server: FakeOpenAI) -> None:
    # 20 deltas 0.1 s apart with comments between: 2 s in all, far over each limit, never a gap.
    client = _client(server, read_timeout=LIMIT)
    server.push(Scenario(text="word " * 20, chunks=20, delay=0.1, comments=True))
    _, answer, exc = run(client)
    assert exc is None
    assert answer.finish_reason == "stop"
    assert answer.text == "word " * 20


def test_cancel_while_a_stream_is_kept_busy_is_prompt(server: FakeOpenAI) -> None:
    client = _client(server, first_content_timeout=30.0)
    server.push("comments_forever")
    cancel = threading.Event()
    set_at = cancel_later(cancel, 0.3)
    events = list(client.stream(ask(), cancel))
    assert time.monotonic() - set_at[0] <= 0.5
    assert events[-1] == Finished("cancelled")
    assert server.requests[-1].client_left.wait(2.0)
    assert stream_threads_end()
    client.close()


# -- "stop" with nothing in it --------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["empty_answer", "empty_json_answer"])
def test_stop_without_any_text_is_an_error_not_an_answer(
    server: FakeOpenAI, client: ChatClient, scenario: str
) -> None:
    server.push(scenario)
    events, answer, exc = run(client)

    assert exc is not None
    assert (exc.kind, exc.reason, exc.exit_code) == (ErrorKind.NETWORK, "empty_answer", 5)
    assert exc.message.startswith(
        f"The server at {host_of(server.base_url)} sent no answer: it said the answer was "
        "complete but sent no text."
    )
    assert "Try again" in exc.message
    assert exc.request_id == server.requests[-1].request_id
    assert not any(isinstance(e, (TextDelta, Finished)) for e in events)
    # The usage still arrives first: a gateway may have charged for it.
    assert [e for e in events if isinstance(e, UsageReported)] == [UsageReported(Usage(100, 0, 20))]
    assert answer.text == ""


def test_a_refusal_alone_is_an_answer(server: FakeOpenAI, client: ChatClient) -> None:
    server.push("refusal")
    _, answer, exc = run(client)
    assert exc is None
    assert answer.refusal and answer.finish_reason == "stop"


# -- credentials in the base URL --------------------------------------------------------------

USER, PASSWORD = "alice.w", "S3cr3t-pa55word"


def test_mask_url_and_host_of() -> None:
    url = f"https://{USER}:{PASSWORD}@gw.example.com:8443/openai/v1"
    assert mask_url(url) == "https://…@gw.example.com:8443/openai/v1"
    assert host_of(url) == "gw.example.com:8443"
    assert mask_url("https://api.openai.com/v1") == "https://api.openai.com/v1"
    assert host_of("http://[::1]:8080/v1") == "[::1]:8080"
    assert mask_url("http://token@localhost/v1?key=abc#x") == "http://…@localhost/v1?…"
    assert host_of("user:p%40ss@host:1/v1") == "host:1"
    assert mask_url("https://u:p@ss@host/v1") == "https://…@host/v1"  # an unencoded @


def _error_scenarios() -> list[tuple[str, Scenario]]:
    """Every preset that ends in an error, plus a server that echoes the credentials back."""
    cases = [
        (name, scenario)
        for name, scenario in PRESETS.items()
        if not name.isdigit()
        and (scenario.status != 200 or scenario.fault is not None or scenario.text == "")
    ]
    echo = f"no access for http://{USER}:{PASSWORD}@gw/v1 (user {USER}, password {PASSWORD})"
    cases.append(("echo_400", Scenario(status=400, error={"message": echo})))
    cases.append(("echo_404", Scenario(status=404, error={"message": echo})))
    cases.append(("echo_mid_stream", Scenario(fault="mid_stream_error", error={"message": echo})))
    cases.append(("web_page", Scenario(headers={"content-type": "text/html"})))
    return cases


def test_no_credentials_from_the_base_url_in_any_error(server: FakeOpenAI) -> None:
    url = server.base_url.replace("http://", f"http://{USER}:{PASSWORD}@")
    client = ChatClient(
        base_url=url,
        api_key=KEY,
        read_timeout=0.5,
        first_content_timeout=0.5,
        max_rate_limit_retries=0,
    )
    seen: list[AppError] = []
    for name, scenario in _error_scenarios():
        server.push(scenario)
        _, _, exc = run(client)
        assert exc is not None, name
        seen.append(exc)
        for text in (exc.text(), str(exc), repr(exc)):
            assert USER not in text and PASSWORD not in text, (name, text)
    with socket.socket() as probe:  # nothing listens there: the "could not connect" sentence
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = ChatClient(base_url=f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/v1", api_key=KEY)
    exc = run(refused)[2]
    assert exc is not None and f"127.0.0.1:{port}" in exc.text()
    seen.append(exc)
    for exc in seen:
        assert USER not in exc.text() and PASSWORD not in exc.text()
    assert any("http://…@127.0.0.1" in e.text() for e in seen)  # the 404 names the masked URL
    assert USER not in repr(client) and PASSWORD not in repr(client)
    client.close()
    refused.close()


def test_the_command_line_exits_5_on_an_empty_answer(server: FakeOpenAI) -> None:
    server.push("empty_answer")
    done = askshot("ask", "--base-url", server.base_url, "hello?")
    assert (done.code, done.out) == (5, "")
    assert "sent no answer" in done.err and "Traceback" not in done.err
