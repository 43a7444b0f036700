"""A conversation as Markdown (to read or share) or JSON (to process).

Neither embeds image bytes: Markdown names each image by content hash and
size, JSON lists its metadata; `History.attachment_bytes` gives the bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.history_models import Attachment, Conversation, Message

FORMAT_NAME = "askshot-conversation"
FORMAT_VERSION = 1

_STATUS_NOTES = {
    "partial": "The answer was cut off before it finished; this is the part that arrived.",
    "stopped": "Stopped by the user; this is the part that arrived.",
    "length": "Cut short by the token limit.",
    "pending": "The answer was still being written.",
}


def export(
    conv: Conversation | None, messages: Sequence[Message], fmt: Literal["md", "json"], conv_id: int
) -> str:
    """`History.export`: the conversation in `fmt`, or a sentence when there is none."""
    if conv is None:
        raise AppError(
            ErrorKind.BAD_INPUT,
            f"There is no conversation {conv_id} in the history; "
            "`askshot history list` shows the ids.",
        )
    if fmt == "md":
        return to_markdown(conv, messages)
    if fmt == "json":
        return to_json(conv, messages)
    raise AppError(ErrorKind.BAD_INPUT, f"Unknown export format {fmt!r}; use md or json.")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:.1f} MB"


def _image_line(index: int, att: Attachment) -> str:
    facts = [att.mime, f"{att.width}×{att.height}", _size(att.size), f"detail {att.detail}"]
    if att.tokens is not None:
        facts.append(f"{att.tokens} tokens")
    return f"![Image {index}: {', '.join(facts)}](sha256:{att.sha256})"


def _usage_line(msg: Message) -> str | None:
    facts = []
    if msg.usage is not None:
        u = msg.usage
        cached = f" ({u.cached_tokens:,} cached)" if u.cached_tokens else ""
        facts.append(f"{u.input_tokens:,} tokens in{cached}, {u.output_tokens:,} out")
    if msg.estimated_cost is not None:
        facts.append(f"est. ${msg.estimated_cost:.6f}")
    if msg.cost_usd is not None:
        facts.append(
            f"billed ${msg.cost_usd:.6f}" if msg.estimated_cost else f"${msg.cost_usd:.6f}"
        )
    if msg.request_id:
        facts.append(f"request id {msg.request_id}")
    return f"*{' · '.join(facts)}*" if facts else None


def to_markdown(conv: Conversation, messages: Sequence[Message]) -> str:
    lines = [
        f"# {conv.title or 'Untitled conversation'}",
        "",
        f"*Conversation {conv.id}, started {_when(conv.created_at)}, "
        f"last updated {_when(conv.updated_at)}.*",
    ]
    for msg in messages:
        who = "You" if msg.role == "user" else msg.role.capitalize()
        if msg.role == "assistant" and msg.model:
            who += f" ({msg.model})"
        lines += ["", f"## {who} — {_when(msg.created_at)}", ""]
        if msg.text:
            lines += [msg.text, ""]
        lines += [_image_line(i, att) for i, att in enumerate(msg.attachments, 1)]
        if msg.attachments:
            lines.append("")
        if msg.status == "error":
            lines.append(f"*Failed: {msg.error or 'no answer arrived'}*")
        elif msg.status in _STATUS_NOTES:
            lines.append(f"*{_STATUS_NOTES[msg.status]}*")
        usage = _usage_line(msg)
        if usage:
            lines.append(usage)
        while lines and lines[-1] == "":
            lines.pop()
    return "\n".join(lines) + "\n"


def _message_json(msg: Message) -> dict[str, Any]:
    return {
        "id": msg.id,
        "role": msg.role,
        "text": msg.text,
        "status": msg.status,
        "model": msg.model,
        "created_at": msg.created_at.isoformat(),
        "usage": None
        if msg.usage is None
        else {
            "input_tokens": msg.usage.input_tokens,
            "cached_tokens": msg.usage.cached_tokens,
            "output_tokens": msg.usage.output_tokens,
        },
        "cost_usd": msg.cost_usd,
        "provider": msg.provider,
        "estimate": None
        if msg.estimated_cost is None and msg.estimated_tokens is None
        else {"input_tokens": msg.estimated_tokens, "cost_usd": msg.estimated_cost},
        "request_id": msg.request_id,
        "error": msg.error,
        "detail": msg.detail,
        "attachments": [
            {
                "sha256": a.sha256,
                "mime": a.mime,
                "width": a.width,
                "height": a.height,
                "size": a.size,
                "detail": a.detail,
                "tokens": a.tokens,
            }
            for a in msg.attachments
        ],
    }


def to_json(conv: Conversation, messages: Sequence[Message]) -> str:
    priced = [m.cost_usd for m in messages if m.cost_usd is not None]
    used = [m.usage for m in messages if m.usage is not None]
    doc = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "conversation": {
            "id": conv.id,
            "title": conv.title,
            "created_at": conv.created_at.isoformat(),
            "updated_at": conv.updated_at.isoformat(),
        },
        "messages": [_message_json(m) for m in messages],
        "totals": {
            "input_tokens": sum(u.input_tokens for u in used),
            "cached_tokens": sum(u.cached_tokens for u in used),
            "output_tokens": sum(u.output_tokens for u in used),
            "cost_usd": sum(priced) if priced else None,
        },
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
