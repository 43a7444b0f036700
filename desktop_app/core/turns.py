"""One question and its answer, from saving the question to recording the cost.

Both the CLI and the window run a turn the same way: `begin_turn` saves the
question and its images before anything goes out, the chat client streams the
answer (in a worker thread in the window), and `finish_turn` saves whatever
arrived with the status a person should see, and adds the usage to the
session's spend.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Answer, ChatMessage, ChatRequest, Detail, ImagePart
from desktop_app.core.history_models import Status, status_for_finish
from desktop_app.core.pricing import Price, estimate_text_tokens, format_usd
from desktop_app.core.spend import SessionSpend

if TYPE_CHECKING:
    from desktop_app.core.history import History, Message
    from desktop_app.core.images import PreparedImage

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


@dataclass
class Turn:
    """A question on its way: what was saved and what will be sent."""

    request: ChatRequest
    model: str
    conversation_id: int | None = None
    answer_id: int | None = None


@dataclass(frozen=True)
class TurnResult:
    status: Status
    cost: float | None
    answer: Answer
    error: AppError | None


def history_to_messages(messages: Sequence[Message], history: History) -> list[ChatMessage]:
    """Earlier turns of a conversation as request messages (images resent at their detail).

    A question whose answer failed before any text arrived is left out with its
    error: it went back to the composer, and resending it must not send it twice.
    """
    import base64

    result: list[ChatMessage] = []
    for message in _included(messages):
        parts = tuple(
            ImagePart(
                f"data:{a.mime};base64,"
                + base64.b64encode(history.attachment_bytes(a.sha256)).decode("ascii"),
                cast(Detail, a.detail),
            )
            for a in message.attachments
        )
        result.append(ChatMessage(message.role, message.text, parts))
    return result


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


def build_request(
    model: str,
    question: str,
    images: Sequence[PreparedImage] = (),
    *,
    system: str | None = None,
    earlier: Sequence[ChatMessage] = (),
    max_output_tokens: int | None = None,
) -> ChatRequest:
    question_message = ChatMessage("user", question, tuple(image.part() for image in images))
    return request_from_messages(
        model, [*earlier, question_message], system=system, max_output_tokens=max_output_tokens
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


def estimate_input_tokens(request: ChatRequest, image_tokens: Sequence[int | None]) -> int | None:
    """Tokens the request will bill as input: text estimate plus each image's cost.

    None when any image's cost is unknown (an unknown model).
    """
    if any(t is None for t in image_tokens):
        return None
    text = sum(estimate_text_tokens(m.text) + 4 for m in request.messages)
    return text + sum(t or 0 for t in image_tokens)


def begin_turn(
    request: ChatRequest,
    question: str,
    images: Sequence[PreparedImage],
    *,
    history: History | None,
    conversation_id: int | None,
) -> Turn:
    """Save the question and its images (before sending) and open the answer."""
    turn = Turn(request=request, model=request.model)
    if history is None:
        return turn
    from desktop_app.core.history import NewAttachment

    if conversation_id is None:
        conversation_id = history.create_conversation()
    history.add_user_message(
        conversation_id,
        question,
        [
            NewAttachment(
                data=image.data,
                mime=image.mime,
                width=image.sent_size[0],
                height=image.sent_size[1],
                detail=image.detail,
                tokens=image.tokens,
            )
            for image in images
        ],
    )
    turn.conversation_id = conversation_id
    turn.answer_id = history.start_answer(conversation_id, request.model)
    return turn


def status_of(answer: Answer, error: AppError | None) -> Status:
    if error is not None:
        if error.kind is ErrorKind.CANCELLED:
            return STATUS_STOPPED
        return STATUS_PARTIAL if answer.text else STATUS_ERROR
    return status_for_finish(answer.finish_reason)


def finish_turn(
    turn: Turn,
    answer: Answer,
    error: AppError | None,
    *,
    history: History | None,
    spend: SessionSpend,
) -> TurnResult:
    """Record usage and cost, and save whatever part of the answer arrived."""
    status = status_of(answer, error)
    model = answer.model or turn.model
    cost = spend.record(model, answer.usage) if answer.usage is not None else None
    if history is not None and turn.answer_id is not None:
        history.finish_answer(
            turn.answer_id,
            text=answer.text or answer.refusal,
            status=status,
            model=model,
            usage=answer.usage,
            cost_usd=cost,
            request_id=answer.request_id or (error.request_id if error else None),
            error=error.text() if error else None,
        )
    return TurnResult(status=status, cost=cost, answer=answer, error=error)


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
