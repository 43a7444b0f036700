"""The pieces of a turn the engine (`core/conversation.py`) is built from.

Statuses and their labels, the conversation so far as request messages, the
token estimate of what a follow-up carries, and the usage line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, cast

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Answer, ChatMessage, ChatRequest, Detail, ImagePart
from desktop_app.core.history_models import Status, status_for_finish
from desktop_app.core.pricing import Price, estimate_text_tokens, format_usd

if TYPE_CHECKING:
    from desktop_app.core.history import History, Message

# Statuses a saved answer can have (history stores them; the UI marks them).
STATUS_COMPLETE: Status = "complete"
STATUS_PARTIAL: Status = "partial"  # the stream was cut off: the text is kept and marked
STATUS_STOPPED: Status = "stopped"  # the user stopped it
STATUS_LENGTH: Status = "length"  # cut by the token limit
STATUS_ERROR: Status = "error"  # failed before any text arrived

STATUS_LABELS = {
    STATUS_PARTIAL: "Cut off: the answer stopped before it was complete.",
    STATUS_STOPPED: "Stopped.",
    STATUS_LENGTH: "Cut by the token limit: the answer is incomplete.",
}


def history_to_messages(messages: Sequence[Message], history: History) -> list[ChatMessage]:
    """Earlier turns of a conversation as request messages (images resent at their detail).

    A question whose answer failed before any text arrived is left out with its
    error: it went back to the composer, and resending it must not send it twice.
    """
    return [
        ChatMessage(message.role, message.text, message_images(message, history))
        for message in _included(messages)
    ]


def message_images(message: Message, history: History) -> tuple[ImagePart, ...]:
    """A stored message's images as they were sent (same bytes, same detail)."""
    import base64

    return tuple(
        ImagePart(
            f"data:{a.mime};base64,"
            + base64.b64encode(history.attachment_bytes(a.sha256)).decode("ascii"),
            cast(Detail, a.detail),
        )
        for a in message.attachments
    )


def _included(messages: Sequence[Message]) -> Iterator[Message]:
    """The stored messages a follow-up request carries (see history_to_messages)."""
    for index, message in enumerate(messages):
        if message.role not in ("user", "assistant") or not (message.text or message.attachments):
            continue
        if message.status == STATUS_ERROR and message.role == "assistant":
            continue
        after = messages[index + 1 : index + 2]
        if message.role == "user" and any(
            m.role == "assistant" and m.status == STATUS_ERROR for m in after
        ):
            continue
        yield message


def context_tokens(messages: Sequence[Message], system: str | None = None) -> int:
    """Input tokens the conversation so far adds to its next request (an estimate)."""
    head = estimate_text_tokens(system) + 4 if system and system.strip() else 0
    return head + sum(
        estimate_text_tokens(m.text) + 4 + sum(a.tokens or 0 for a in m.attachments)
        for m in _included(messages)
    )


def request_from_messages(
    model: str,
    messages: Sequence[ChatMessage],
    *,
    system: str | None = None,
    max_output_tokens: int | None = None,
) -> ChatRequest:
    """A request for the conversation so far (the system prompt first)."""
    head = [ChatMessage("system", system.strip())] if system and system.strip() else []
    return ChatRequest(
        model=model, messages=(*head, *messages), max_output_tokens=max_output_tokens
    )


def status_of(answer: Answer, error: AppError | None) -> Status:
    if error is not None:
        if error.kind is ErrorKind.CANCELLED:
            return STATUS_STOPPED
        return STATUS_PARTIAL if answer.text else STATUS_ERROR
    return status_for_finish(answer.finish_reason)


def usage_line(model: str, answer: Answer, cost: float | None) -> str:
    """`gpt-4o-mini-2024-07-18 · 36,862 input (0 cached) + 57 output tokens · $0.0055`."""
    usage = answer.usage
    if usage is None:
        return f"{model} · the server reported no usage · cost unknown"
    return (
        f"{model} · {usage.input_tokens:,} input ({usage.cached_tokens:,} cached)"
        f" + {usage.output_tokens:,} output tokens · {format_usd(cost)}"
    )


def price_overrides(raw: dict[str, dict[str, float]] | None) -> dict[str, Price]:
    """Settings keep overrides as plain dicts; pricing wants `Price`s."""
    result: dict[str, Price] = {}
    for model, values in (raw or {}).items():
        try:
            result[model] = Price(
                input=float(values["input"]),
                cached_input=float(values.get("cached_input", values["input"])),
                output=float(values["output"]),
            )
        except (KeyError, TypeError, ValueError):
            continue  # a malformed override is ignored, the table price applies
    return result
