"""Turning stored rows into the history's types, and the time and title helpers."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Any

from desktop_app.core.events import Usage
from desktop_app.core.history_models import Attachment, Conversation, Message

TITLE_MAX = 60


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with a fixed width, so text order is time order. Naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def derive_title(text: str) -> str:
    """The first non-empty line of `text`, at most TITLE_MAX characters."""
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line:
            if len(line) <= TITLE_MAX:
                return line
            cut = line[: TITLE_MAX - 1]
            if " " in cut[TITLE_MAX // 2 :]:
                cut = cut.rsplit(" ", 1)[0]
            return cut.rstrip() + "…"
    return ""


def message_from_row(
    row: sqlite3.Row,
    attachments: tuple[Attachment, ...],
    place: tuple[int, int] | None = None,
    *,
    pending_is_ours: bool = False,
) -> Message:
    """A stored message; a "pending" answer nobody here is writing was cut off (a crash)."""
    status = row["status"]
    if status == "pending" and not pending_is_ours:
        status = "partial"
    usage = None
    if row["input_tokens"] is not None or row["output_tokens"] is not None:
        usage = Usage(
            row["input_tokens"] or 0, row["cached_tokens"] or 0, row["output_tokens"] or 0
        )
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        role=row["role"],
        text=row["text"],
        status=status,
        created_at=datetime.fromisoformat(row["created_at"]),
        model=row["model"],
        usage=usage,
        cost_usd=row["cost_usd"],
        request_id=row["request_id"],
        error=row["error"],
        detail=row["detail"],
        attachments=attachments,
        reply_to=row["reply_to"],
        edit_of=row["edit_of"],
        active=bool(row["active"]),
        cost_estimated=bool(row["cost_estimated"]),
        version=place[0] if place else 1,
        versions=place[1] if place else 1,
        provider=row["provider"],
        estimated_cost=row["estimated_cost"],
        estimated_tokens=row["estimated_tokens"],
    )


def conversation_from_row(row: Any) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        deleted_at=parse(row["deleted_at"]),
        earlier_images=row["earlier_images"],
    )


def attachments_by_message(
    conn: sqlite3.Connection, conv_id: int
) -> dict[int, tuple[Attachment, ...]]:
    """Image metadata (not bytes) of every message in a conversation, in sent order."""
    found: dict[int, list[Attachment]] = {}
    for row in conn.execute(
        "SELECT ma.message_id, a.sha256, a.mime, a.width, a.height, a.size, ma.detail, "
        "ma.tokens FROM message_attachments ma JOIN attachments a USING (sha256) "
        "JOIN messages m ON m.id = ma.message_id WHERE m.conversation_id = ? "
        "ORDER BY ma.message_id, ma.position",
        (conv_id,),
    ):
        found.setdefault(row[0], []).append(Attachment(*row[1:]))
    return {message_id: tuple(items) for message_id, items in found.items()}
