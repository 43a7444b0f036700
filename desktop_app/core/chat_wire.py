"""The shape of the wire, without the SDK: request messages, chunk reading, headers.

Plain functions over duck-typed SDK objects, so `chat_client` (the only module
importing `openai`) stays about transport, retries and cancel.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from typing import Any

from desktop_app.core.events import (
    ChatRequest,
    FinishReason,
    ModelReported,
    RefusalDelta,
    ResponseStarted,
    StreamEvent,
    TextDelta,
    Usage,
)

FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "eos": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "length": "length",
    "max_tokens": "length",
    "content_filter": "content_filter",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
}


def build_messages(request: ChatRequest) -> list[dict[str, Any]]:
    """The `messages` array: plain strings, or text + `image_url` parts with their detail."""
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        if not message.images:
            messages.append({"role": message.role, "content": message.text})
            continue
        parts: list[dict[str, Any]] = []
        if message.text:
            parts.append({"type": "text", "text": message.text})
        for image in message.images:
            parts.append(
                {"type": "image_url", "image_url": {"url": image.data_url, "detail": image.detail}}
            )
        messages.append({"role": message.role, "content": parts})
    return messages


class Reader:
    """Turns SDK chunks into app events and remembers what error messages need."""

    def __init__(self) -> None:
        self.started = False
        self.request_id: str | None = None
        self.model: str | None = None
        self.finish: str | None = None
        self.usage: Usage | None = None
        self.got_text = False

    def chunk(self, chunk: Any) -> Iterator[StreamEvent]:
        yield from self._completion_id(chunk)
        yield from self._model(getattr(chunk, "model", None))
        for choice in getattr(chunk, "choices", None) or ():
            if getattr(choice, "index", 0) not in (0, None):
                continue
            delta = getattr(choice, "delta", None)
            if delta is not None:
                yield from self._text(
                    getattr(delta, "content", None), getattr(delta, "refusal", None)
                )
            if getattr(choice, "finish_reason", None):
                self.finish = choice.finish_reason
        usage = getattr(chunk, "usage", None)
        if usage is not None:  # kept until the end: one UsageReported per answer
            self.usage = usage_from(usage)

    def completion(self, completion: Any) -> Iterator[StreamEvent]:
        """A plain chat.completion answering a streamed request."""
        yield from self._completion_id(completion)
        yield from self._model(getattr(completion, "model", None))
        choices = [
            c
            for c in getattr(completion, "choices", None) or ()
            if getattr(c, "index", 0) in (0, None)
        ]
        if choices:
            message = getattr(choices[0], "message", None)
            if message is not None:
                yield from self._text(
                    getattr(message, "content", None), getattr(message, "refusal", None)
                )
            self.finish = getattr(choices[0], "finish_reason", None) or "stop"
        usage = getattr(completion, "usage", None)
        if usage is not None:
            self.usage = usage_from(usage)

    def _completion_id(self, reply: Any) -> Iterator[StreamEvent]:
        """Without an `x-request-id` or gateway id header, the completion's `id` is the one
        to quote to a support desk."""
        reply_id = getattr(reply, "id", None)
        if self.request_id is None and isinstance(reply_id, str) and reply_id:
            self.request_id = reply_id
            yield ResponseStarted(reply_id)

    def _model(self, model: str | None) -> Iterator[StreamEvent]:
        if model and model != self.model:
            self.model = model
            yield ModelReported(model)

    def _text(self, content: str | None, refusal: str | None) -> Iterator[StreamEvent]:
        if content:
            self.got_text = True
            yield TextDelta(content)
        if refusal:
            self.got_text = True
            yield RefusalDelta(refusal)


def usage_from(usage: Any) -> Usage:
    """App usage from an SDK `CompletionUsage`; OpenRouter's `cost` is an extra field."""
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    extra = getattr(usage, "model_extra", None) or {}
    cost = extra.get("cost")
    return Usage(
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        cached_tokens=int(cached or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        reported_cost=float(cost)
        if isinstance(cost, (int, float)) and not isinstance(cost, bool)
        else None,
    )


def retry_after(headers: Any) -> float | None:
    """Seconds the server asks us to wait (retry-after-ms, retry-after seconds or date)."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            return None
    return None
