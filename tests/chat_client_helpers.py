"""Shared pieces of the chat client tests: a server, a client, requests and collection."""

from __future__ import annotations

import base64
import io
import threading
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from desktop_app.core.chat_client import ChatClient
from desktop_app.core.errors import AppError
from desktop_app.core.events import Answer, ChatMessage, ChatRequest, ImagePart, StreamEvent
from tests.openai_server import FakeOpenAI

KEY = "sk-test.4f1c2b9d8e7a6b5c4d3e2f1a"  # fake; the dot keeps scanners quiet
MODEL = "gpt-4o-mini"


def png_url(width: int, height: int) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buf, "PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def ask(text: str = "What is in this picture?", *images: ImagePart, **kw: object) -> ChatRequest:
    return ChatRequest(MODEL, (ChatMessage("user", text, tuple(images)),), **kw)  # type: ignore[arg-type]


def run(
    client: ChatClient, request: ChatRequest | None = None, cancel: threading.Event | None = None
) -> tuple[list[StreamEvent], Answer, AppError | None]:
    """All events, the collected answer, and the AppError that ended it (if any)."""
    events: list[StreamEvent] = []
    answer = Answer()
    try:
        for event in client.stream(request or ask(), cancel):
            events.append(event)
            answer.apply(event)
    except AppError as exc:
        return events, answer, exc
    return events, answer, None


def stream_threads_end(timeout: float = 2.0) -> bool:
    """True once every client worker thread has ended."""
    deadline = time.monotonic() + timeout
    for thread in [t for t in threading.enumerate() if t.name == "askshot-chat-stream"]:
        thread.join(max(0.0, deadline - time.monotonic()))
    return not any(t.name == "askshot-chat-stream" for t in threading.enumerate())


@pytest.fixture(name="server")
def fake_server() -> Iterator[FakeOpenAI]:
    """A fresh fake OpenAI server per test."""
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(name="client")
def chat_client(server: FakeOpenAI) -> Iterator[ChatClient]:
    """A client of `server` with short timeouts."""
    chat = ChatClient(
        base_url=server.base_url,
        api_key=KEY,
        connect_timeout=2.0,
        read_timeout=3.0,
        max_retry_wait=2.0,
    )
    yield chat
    chat.close()


def cancel_later(cancel: threading.Event, delay: float) -> list[float]:
    """Set `cancel` from another thread after `delay`; the list receives the moment it did."""
    when: list[float] = []

    def fire() -> None:
        when.append(time.monotonic())
        cancel.set()

    threading.Timer(delay, fire).start()
    return when
