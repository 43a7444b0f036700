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

# Which earlier images a follow-up resends: every one, those of the latest message that
# had any, or none (the new question's own images always go).
EarlierImages = Literal["all", "latest", "none"]
EARLIER_IMAGES: tuple[EarlierImages, ...] = ("all", "latest", "none")

# How `History.spend_by` groups answers (day and month in local time).
SpendGrouping = Literal["day", "month", "model", "provider"]
SPEND_GROUPINGS: tuple[SpendGrouping, ...] = ("day", "month", "model", "provider")


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
    name: str = ""  # what the composer called it (drafts keep it)


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
    earlier_images: EarlierImages = "all"


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
    reply_to: int | None = None  # an answer: the question it answers
    edit_of: int | None = None  # an edited question: the one it replaces
    active: bool = True  # the version shown in the conversation
    cost_estimated: bool = False  # no usage came: the cost is estimated from the text
    version: int = 1  # this message's place among its versions (1-based)
    versions: int = 1  # how many versions there are (answers to one question, or edits)
    provider: str | None = None  # the provider profile that answered (None: before v4)
    estimated_cost: float | None = None  # an answer: the estimate made before sending
    estimated_tokens: int | None = None  # ... and its input tokens


@dataclass(frozen=True)
class DraftImage:
    """An image waiting in the composer (stored once, by hash, like sent ones)."""

    sha256: str
    mime: str
    width: int
    height: int
    detail: str
    tokens: int | None
    name: str


@dataclass(frozen=True)
class Draft:
    """What the composer held for a conversation: text, images, the question being edited."""

    text: str
    images: tuple[DraftImage, ...] = ()
    edit_of: int | None = None

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.images


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


@dataclass(frozen=True)
class SpendGroup:
    """What one day, month, model or provider (`key`) cost; `unpriced` answers had no cost."""

    key: str
    requests: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost_usd: float
    unpriced: int
