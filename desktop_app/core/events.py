"""App-level stream events and request types.

The chat client turns the wire into these; nothing outside the client sees an
`openai` type. All are immutable and cheap to pass across threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Detail = Literal["auto", "low", "high"]
DETAILS: tuple[Detail, ...] = ("auto", "low", "high")


@dataclass(frozen=True)
class ImagePart:
    """An image ready for the wire: a `data:` URL and the detail to ask for."""

    data_url: str
    detail: Detail = "auto"


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    text: str
    images: tuple[ImagePart, ...] = ()


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[ChatMessage, ...]
    max_output_tokens: int | None = None


@dataclass(frozen=True)
class Usage:
    """Token counts of one request; `reported_cost` is a gateway's own figure in USD."""

    input_tokens: int = 0
    cached_tokens: int = 0  # part of input_tokens that was served from the prompt cache
    output_tokens: int = 0
    reported_cost: float | None = None

    def __add__(self, other: Usage) -> Usage:
        cost: float | None
        if self.reported_cost is None and other.reported_cost is None:
            cost = None
        else:
            cost = (self.reported_cost or 0.0) + (other.reported_cost or 0.0)
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cached_tokens + other.cached_tokens,
            self.output_tokens + other.output_tokens,
            cost,
        )


@dataclass(frozen=True)
class ResponseStarted:
    """The server accepted the request (HTTP 200); the first event of a stream."""

    request_id: str | None = None


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class RefusalDelta:
    text: str


@dataclass(frozen=True)
class ModelReported:
    """The model that actually answered (may be a dated snapshot of the one asked for)."""

    model: str


@dataclass(frozen=True)
class UsageReported:
    usage: Usage


@dataclass(frozen=True)
class Retrying:
    """The client waits before trying again (429 with retry-after, or stream_options rejected)."""

    reason: str
    wait_seconds: float = 0.0


FinishReason = Literal["stop", "length", "content_filter", "tool_calls", "cancelled", "other"]


@dataclass(frozen=True)
class Finished:
    """The answer is complete (or was stopped by the user: reason "cancelled").

    A stream that ends without a finish reason is not `Finished`: the client
    raises `AppError(CUT_OFF)` instead, after yielding whatever text arrived.
    """

    reason: FinishReason
    raw_reason: str | None = None


StreamEvent = (
    ResponseStarted | TextDelta | RefusalDelta | ModelReported | UsageReported | Retrying | Finished
)


@dataclass
class Answer:
    """Everything a consumer collects from one stream (see `apply`).

    Text arrives in thousands of small deltas: they are kept as parts and
    joined on read, so each delta costs the same however long the answer is
    (`str +=` on an attribute copies the whole answer every time).
    """

    refusal: str = ""
    model: str | None = None
    usage: Usage | None = None
    finish_reason: FinishReason | None = None
    request_id: str | None = None
    retries: list[Retrying] = field(default_factory=list)
    _parts: list[str] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def apply(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self._parts.append(event.text)
        elif isinstance(event, RefusalDelta):
            self.refusal += event.text
        elif isinstance(event, ModelReported):
            self.model = event.model
        elif isinstance(event, UsageReported):
            self.usage = event.usage
        elif isinstance(event, Finished):
            self.finish_reason = event.reason
        elif isinstance(event, ResponseStarted):
            self.request_id = event.request_id
        elif isinstance(event, Retrying):
            self.retries.append(event)
