"""The chat client against a real HTTP server on 127.0.0.1, through the real openai SDK.

One test per case in docs/architecture.md, "What the wire really does": what the user
would see (text, usage, cost, model, finish reason, the error sentence) and what
went over the wire (text, detail, image pixels, stream_options). Failures before
the answer and retries are in test_chat_client_failures.py, cancel in
test_chat_client_cancel.py.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from desktop_app.core.chat_client import PLACEHOLDER_KEY, ChatClient
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import (
    ChatMessage,
    ChatRequest,
    Finished,
    ImagePart,
    ModelReported,
    RefusalDelta,
    ResponseStarted,
    TextDelta,
    Usage,
    UsageReported,
)
from tests.chat_client_helpers import (  # noqa: F401  (fixtures by name: server, client)
    KEY,
    MODEL,
    ask,
    chat_client,
    fake_server,
    png_url,
    run,
)
from tests.openai_server import FakeOpenAI, Scenario

# -- the request ----------------------------------------------------------------------


def test_request_carries_text_detail_and_image_pixels(
    server: FakeOpenAI, client: ChatClient
) -> None:
    request = ChatRequest(
        MODEL,
        (
            ChatMessage("system", "Answer briefly."),
            ChatMessage(
                "user",
                "Compare these two screenshots.",
                (ImagePart(png_url(640, 480), "low"), ImagePart(png_url(1365, 768), "high")),
            ),
        ),
    )
    events, answer, error = run(client, request)

    assert error is None
    sent = server.requests[-1]
    assert sent.path == "/v1/chat/completions"
    assert sent.authorization == f"Bearer {KEY}"
    assert sent.body["model"] == MODEL
    assert sent.body["stream"] is True
    assert sent.body["stream_options"] == {"include_usage": True}
    assert "max_tokens" not in sent.body
    assert sent.body["messages"][0] == {"role": "system", "content": "Answer briefly."}
    assert sent.user_text() == "Compare these two screenshots."
    assert sent.images() == [(640, 480, "low"), (1365, 768, "high")]
    # The server's answer describes what it received, so the text round-tripped.
    assert "**2 images**: 640×480 (low), 1365×768 (high)" in answer.text
    assert isinstance(events[0], ResponseStarted)
    assert events[0].request_id == sent.request_id
    assert events[-1] == Finished("stop", "stop")


def test_max_output_tokens_is_sent_and_length_finish_is_reported(
    server: FakeOpenAI, client: ChatClient
) -> None:
    _, answer, error = run(client, ask(max_output_tokens=3))

    assert error is None
    assert server.requests[-1].body["max_tokens"] == 3
    assert answer.text == "I received **no "  # three pieces, then the token limit
    assert answer.finish_reason == "length"


def test_length_finish_reason(server: FakeOpenAI, client: ChatClient) -> None:
    server.push("length")
    events, answer, error = run(client)
    assert error is None
    assert events[-1] == Finished("length", "length")
    assert answer.text.endswith("That is all I can see.")


def test_empty_first_delta_yields_no_empty_text(server: FakeOpenAI, client: ChatClient) -> None:
    events, answer, _ = run(client)
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert all(d.text for d in deltas)
    assert "".join(d.text for d in deltas) == answer.text
    assert answer.text.startswith("I received **no images**")


def test_usage_arrives_once_from_the_final_chunk(server: FakeOpenAI, client: ChatClient) -> None:
    server.default_usage = (1234, 56, 1000)
    events, _, _ = run(client)
    usages = [e for e in events if isinstance(e, UsageReported)]
    assert usages == [UsageReported(Usage(1234, 1000, 56, None))]
    assert isinstance(events[-1], Finished)
    assert events[-2] == usages[0]  # after the text, just before Finished


def test_openrouter_comments_cost_and_model(server: FakeOpenAI, client: ChatClient) -> None:
    server.push(Scenario(comments=True, cost=0.000412, model="openai/gpt-4o-mini"))
    events, answer, error = run(client)
    assert error is None
    assert answer.text.startswith("I received **no images**")
    assert answer.usage == Usage(100, 0, 20, 0.000412)
    assert [e for e in events if isinstance(e, ModelReported)] == [
        ModelReported("openai/gpt-4o-mini")
    ]


def test_dated_snapshot_is_reported_once(server: FakeOpenAI, client: ChatClient) -> None:
    events, answer, _ = run(client)
    assert [e for e in events if isinstance(e, ModelReported)] == [
        ModelReported("gpt-4o-mini-2024-07-18")
    ]
    assert answer.model == "gpt-4o-mini-2024-07-18"


def test_refusal_deltas(server: FakeOpenAI, client: ChatClient) -> None:
    server.push("refusal")
    events, answer, error = run(client)
    assert error is None
    assert answer.refusal == "I'm sorry, but I can't help with identifying people."
    assert not any(isinstance(e, TextDelta) for e in events)
    assert sum(isinstance(e, RefusalDelta) for e in events) > 3  # streamed in pieces
    assert answer.finish_reason == "stop"


def test_plain_json_reply_to_a_streamed_request(server: FakeOpenAI, client: ChatClient) -> None:
    server.push(Scenario(json_reply=True, usage=(300, 40, 128)))
    events, answer, error = run(client)
    assert error is None
    assert answer.text.startswith("I received **no images**")
    assert answer.usage == Usage(300, 128, 40, None)
    assert answer.model == "gpt-4o-mini-2024-07-18"
    assert events[-1] == Finished("stop", "stop")


def test_many_small_chunks_arrive_in_order(server: FakeOpenAI, client: ChatClient) -> None:
    text = "".join(f"w{i} " for i in range(2000))
    server.push(Scenario(text=text))
    events, answer, error = run(client)
    assert error is None
    assert answer.text == text
    assert sum(isinstance(e, TextDelta) for e in events) == 2000


# -- failures inside the stream -------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "error", "kind"),
    [
        (3, {"message": "Upstream provider returned an error", "code": 502}, ErrorKind.CUT_OFF),
        (0, {"message": "Upstream provider returned an error", "code": 502}, ErrorKind.NETWORK),
        (0, {"message": "Quota exceeded", "code": "insufficient_quota"}, ErrorKind.QUOTA),
    ],
)
def test_mid_stream_error(
    server: FakeOpenAI, client: ChatClient, after: int, error: dict, kind: ErrorKind
) -> None:
    server.push(Scenario(fault="mid_stream_error", after=after, error=error))
    events, answer, exc = run(client)
    assert exc is not None
    assert exc.kind is kind
    assert error["message"] in exc.message  # the server's own words, for support
    assert exc.request_id == server.requests[-1].request_id
    assert answer.text == ("I received **no " if after else "")
    assert not any(isinstance(e, Finished) for e in events)


@pytest.mark.parametrize(("after", "kind"), [(3, ErrorKind.CUT_OFF), (0, ErrorKind.NETWORK)])
def test_dropped_connection(
    server: FakeOpenAI, client: ChatClient, after: int, kind: ErrorKind
) -> None:
    server.push(Scenario(fault="drop", after=after))
    _, answer, exc = run(client)
    assert exc is not None
    assert exc.kind is kind
    assert "connection" in exc.message and "dropped" in exc.message
    assert exc.request_id == server.requests[-1].request_id
    assert answer.text == ("I received **no " if after else "")


def test_stream_ending_without_done_or_finish_reason_is_cut_off(
    server: FakeOpenAI, client: ChatClient
) -> None:
    server.push("cutoff")
    events, answer, exc = run(client)
    assert exc is not None
    assert exc.kind is ErrorKind.CUT_OFF
    assert "cut off" in exc.message
    assert answer.text == "I received **no "  # what arrived was yielded first
    assert not any(isinstance(e, Finished) for e in events)


@pytest.mark.parametrize(("after", "kind"), [(3, ErrorKind.CUT_OFF), (0, ErrorKind.NETWORK)])
def test_broken_json_line(
    server: FakeOpenAI, client: ChatClient, after: int, kind: ErrorKind
) -> None:
    server.push(Scenario(fault="bad_json", after=after))
    _, _, exc = run(client)
    assert exc is not None  # an AppError, not json.JSONDecodeError
    assert exc.kind is kind
    assert "JSON" in exc.message


@pytest.mark.parametrize(("after", "kind"), [(3, ErrorKind.CUT_OFF), (0, ErrorKind.NETWORK)])
def test_stall_ends_with_the_read_timeout(server: FakeOpenAI, after: int, kind: ErrorKind) -> None:
    client = ChatClient(base_url=server.base_url, api_key=KEY, read_timeout=0.5)
    server.push(Scenario(fault="stall", after=after))
    start = time.monotonic()
    _, answer, exc = run(client)
    elapsed = time.monotonic() - start
    assert exc is not None
    assert exc.kind is kind
    assert "stopped sending for 0.5 s" in exc.message
    assert elapsed < 2.0
    assert answer.text == ("I received **no " if after else "")
    client.close()


# -- keys ----------------------------------------------------------------------------------


def test_no_key_in_any_error_text(server: FakeOpenAI) -> None:
    key = "gw-0123456789abcdef-secret"  # not sk- shaped: scrubbed because it is the key
    client = ChatClient(base_url=server.base_url, api_key=key)
    server.push(
        Scenario(status=401, error={"message": f"Incorrect API key provided: {key}"}),
        Scenario(fault="mid_stream_error", after=0, error={"message": f"bad key {key}"}),
        Scenario(status=400, error={"message": f"Unknown token {KEY} in request"}),
    )
    errors = [run(client)[2] for _ in range(3)]
    for exc in errors:
        assert exc is not None
        for text in (exc.message, exc.text(), str(exc), repr(exc)):
            assert key not in text
            assert KEY not in text
    assert "[redacted key]" in errors[0].message
    assert key not in repr(client)
    client.close()


def test_missing_key_sends_a_placeholder(server: FakeOpenAI) -> None:
    client = ChatClient(base_url=server.base_url, api_key=None)
    _, _, exc = run(client)
    assert exc is None
    assert server.requests[-1].authorization == f"Bearer {PLACEHOLDER_KEY}"
    client.close()


def test_environment_does_not_override_the_caller(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    client = ChatClient(base_url=server.base_url, api_key=None)
    _, _, exc = run(client)
    assert exc is None
    assert server.requests[-1].authorization == f"Bearer {PLACEHOLDER_KEY}"
    client.close()


# -- connection check and start-up cost ---------------------------------------------------------


def test_test_connection(server: FakeOpenAI, client: ChatClient) -> None:
    sentence = client.test_connection(MODEL)
    assert (
        sentence
        == f"Connected to 127.0.0.1:{server.port}: gpt-4o-mini is one of the 3 models it offers."
    )
    assert [r.method for r in server.requests] == ["GET", "GET"]  # /models and /key: no tokens

    server.push("invalid_api_key")
    with pytest.raises(AppError) as caught:
        client.test_connection(MODEL)
    assert caught.value.kind is ErrorKind.AUTH
    assert caught.value.request_id == server.requests[-1].request_id


def test_importing_the_client_does_not_import_openai() -> None:
    code = (
        "import sys, desktop_app.core.chat_client, desktop_app.core.chat_errors; "
        "sys.exit('openai' in sys.modules or 'httpx2' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
