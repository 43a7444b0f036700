"""The pieces of a turn the engine (`core/conversation.py`) is built from.

Statuses and their labels, the conversation so far as request messages (with
the conversation's choice of earlier images), the token estimate of what a
follow-up carries, and the usage and footer lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Answer, ChatMessage, ChatRequest, Detail, ImagePart, Usage
from desktop_app.core.history_models import (
    EARLIER_IMAGES,
    EarlierImages,
    Status,
    status_for_finish,
)
from desktop_app.core.pricing import Price, estimate_text_tokens, format_usd

if TYPE_CHECKING:
    from desktop_app.core.history import History, Message

# Statuses a saved answer can have (history stores them; the UI marks them).
STATUS_COMPLETE: Status = "complete"
STATUS_PARTIAL: Status = "partial"  # the stream was cut off: the text is kept and marked
STATUS_STOPPED: Status = "stopped"  # the user stopped it
STATUS_LENGTH: Status = "length"  # cut by the token limit
STATUS_ERROR: Status = "error"  # failed before any text arrived

# What a person is told about how a turn ended.
Outcome = Literal["complete", "cut_off", "stopped", "length", "refused", "empty", "error"]

STATUS_LABELS = {
    STATUS_PARTIAL: "Cut off: the answer stopped before it was complete.",
    STATUS_STOPPED: "Stopped.",
    STATUS_LENGTH: "Cut by the token limit: the answer is incomplete.",
}


def check_text(text: str) -> str:
    """The question as typed, or BAD_INPUT when it is not valid Unicode (a terminal's bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AppError(
            ErrorKind.BAD_INPUT,
            f"The question has bytes that are not valid UTF-8 (at character {exc.start + 1}). "
            "Set the terminal to UTF-8 (for example LANG=C.UTF-8) and type it again.",
        ) from None
    return text


def history_to_messages(
    messages: Sequence[Message], history: History, policy: EarlierImages = "all"
) -> list[ChatMessage]:
    """Earlier turns of a conversation as request messages (images resent at their detail).

    A question whose answer failed before any text arrived is left out with its
    error: it went back to the composer, and resending it must not send it twice.
    `policy` says which earlier images go along (see `images_kept`).
    """
    kept = images_kept(messages, policy)
    return [
        ChatMessage(
            message.role, message.text, message_images(message, history) if kept(message) else ()
        )
        for message in _included(messages)
    ]


def images_kept(messages: Sequence[Message], policy: EarlierImages) -> Callable[[Message], bool]:
    """Whether a stored message's images are resent under `policy`.

    "all": every one; "latest": only those of the latest message that had images;
    "none": no earlier image (the new question's own images are not earlier ones).
    """
    if policy == "none":
        return lambda _message: False
    if policy == "latest":
        latest = next((m.id for m in reversed(list(_included(messages))) if m.attachments), None)
        return lambda message: message.id == latest
    return lambda _message: True


def earlier_image_tokens(messages: Sequence[Message], policy: EarlierImages = "all") -> int:
    """Input tokens the earlier images that `policy` resends add to the next request."""
    kept = images_kept(messages, policy)
    return sum(a.tokens or 0 for m in _included(messages) if kept(m) for a in m.attachments)


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


def context_tokens(
    messages: Sequence[Message], system: str | None = None, policy: EarlierImages = "all"
) -> int:
    """Input tokens the conversation so far adds to its next request (an estimate)."""
    head = estimate_text_tokens(system) + 4 if system and system.strip() else 0
    text = sum(estimate_text_tokens(m.text) + 4 for m in _included(messages))
    return head + text + earlier_image_tokens(messages, policy)


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


def footer_line(
    model: str | None,
    usage: Usage | None,
    cost: float | None,
    estimate: float | None,
    *,
    failed: bool = False,
    cost_estimated: bool = False,
) -> str:
    """An answer's footer: tokens, then the estimate before sending beside the billed cost.

    `… 57 output tokens · est. $0.0055 · billed $0.0056`; without an estimate (an
    answer from before estimates were kept) the cost alone. Empty for an answer
    refused before anything was billed.
    """
    if model is None or (failed and usage is None):
        return ""
    est = f"est. {format_usd(estimate)} · " if estimate is not None else ""
    if cost_estimated and usage is None:
        return f"{model} · no usage reported · {est}about {format_usd(cost)} (estimated)"
    if usage is None:
        return f"{model} · the server reported no usage · {est}cost unknown"
    billed = f"billed {format_usd(cost)}" if estimate is not None else format_usd(cost)
    return (
        f"{model} · {usage.input_tokens:,} input ({usage.cached_tokens:,} cached)"
        f" + {usage.output_tokens:,} output tokens · {est}{billed}"
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


@dataclass(frozen=True)
class ImageChoice:
    """What a request costs under one choice of earlier images (None: unknown)."""

    policy: EarlierImages
    earlier_image_tokens: int
    input_tokens: int | None
    cost: float | None


def image_choices(
    earlier: Sequence[Message],
    without_images: int | None,
    price: Callable[[int], float | None],
) -> dict[EarlierImages, ImageChoice]:
    """Each choice of earlier images, priced: `without_images` is the request's input
    tokens with no earlier image (None: unknown), `price` turns tokens into dollars."""
    choices: dict[EarlierImages, ImageChoice] = {}
    for policy in EARLIER_IMAGES:
        extra = earlier_image_tokens(earlier, policy)
        tokens = None if without_images is None else without_images + extra
        choices[policy] = ImageChoice(
            policy, extra, tokens, None if tokens is None else price(tokens)
        )
    return choices


def outcome_of(status: Status, answer: Answer, error: AppError | None, empty: bool) -> Outcome:
    """What a person is told about how a turn ended."""
    if empty:
        return "empty"
    if error is not None and status == STATUS_ERROR:
        return "error"
    if answer.refusal and not answer.text:
        return "refused"
    return {
        "partial": "cut_off",
        "stopped": "stopped",
        "length": "length",
    }.get(status, "complete")  # type: ignore[return-value]
