"""Row types of the conversation history.

Kept apart from `history.py` so the exporter and the UI can name them without
pulling in the SQLite code. All are immutable snapshots of what was stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from desktop_app.core.events import FinishReason, Usage

Role = Literal["user", "assistant", "system"]

# "pending": the answer is still streaming (a crash leaves it; it reads back as "partial").
# "partial": the stream was cut off; the text that arrived is kept.
# "stopped": the user cancelled; the text that arrived is kept.
# "length": cut by the token limit. "error": failed with no text; `error` says why.
Status = Literal["pending", "complete", "partial", "stopped", "length", "error"]
STATUSES: tuple[Status, ...] = ("pending", "complete", "partial", "stopped", "length", "error")
FINAL_STATUSES: tuple[Status, ...] = STATUSES[1:]


def status_for_finish(reason: FinishReason | None) -> Status:
    """The status to store for a stream's finish reason (None: the stream ended without one)."""
    if reason == "length":
        return "length"
    if reason == "cancelled":
        return "stopped"
    if reason is None or reason == "content_filter":
        return "partial"
    return "complete"


@dataclass(frozen=True)
class NewAttachment:
    """An encoded image to save with a user message (the bytes that went on the wire)."""

    data: bytes
    mime: str
    width: int
    height: int
    detail: str = "auto"
    tokens: int | None = None


@dataclass(frozen=True)
class Attachment:
    """A stored image as a message refers to it; fetch the bytes with `attachment_bytes`."""

    sha256: str
    mime: str
    width: int
    height: int
    size: int  # bytes
    detail: str
    tokens: int | None


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    role: Role
    text: str
    status: Status
    created_at: datetime
    model: str | None = None
    usage: Usage | None = None
    cost_usd: float | None = None
    request_id: str | None = None
    error: str | None = None
    detail: str | None = None  # the image detail the user asked for with this message
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    """One match: a message (`message_id` set) or a conversation title (`message_id` None)."""

    conversation_id: int
    title: str
    message_id: int | None
    snippet: str  # matched words wrapped in the caller's markers


@dataclass(frozen=True)
class ModelSpend:
    """What one model cost over a period; `unpriced` answers had no known cost."""

    model: str
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost_usd: float
    unpriced: int
