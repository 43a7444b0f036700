"""Putting stored and sent messages into the chat view, and opening their images."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from desktop_app.core.errors import ErrorKind
from desktop_app.core.turns import STATUS_ERROR, STATUS_LABELS, footer_line
from desktop_app.ui.common.qt_images import thumbnail_from_bytes

if TYPE_CHECKING:
    from desktop_app.core.conversation import TurnPlan, TurnResult
    from desktop_app.core.history import History, Message
    from desktop_app.ui.chat.view import AnswerWidget, ChatView

# On a user message widget: (sha256, mime, width, height) per image, to open them full size.
IMAGES_PROPERTY = "askshot_images"


def image_caption(width: int, height: int, tokens: int | None) -> str:
    cost = f"{tokens:,} tokens" if tokens is not None else "cost unknown"
    return f"{width}×{height} · {cost}"


def show_question(view: ChatView, history: History, message: Message) -> None:
    images = [
        (
            thumbnail_from_bytes(history.attachment_bytes(a.sha256)),
            image_caption(a.width, a.height, a.tokens),
        )
        for a in message.attachments
    ]
    shown = view.add_user_message(message.text, images)
    shown.setProperty(
        IMAGES_PROPERTY, [(a.sha256, a.mime, a.width, a.height) for a in message.attachments]
    )


def show_sent_question(view: ChatView, plan: TurnPlan) -> None:
    shown = view.add_user_message(
        plan.question,
        [
            (thumbnail_from_bytes(image.data), image_caption(*image.sent_size, image.tokens))
            for image in plan.images
        ],
    )
    shown.setProperty(
        IMAGES_PROPERTY, [(image.sha256, image.mime, *image.sent_size) for image in plan.images]
    )


def show_stored_answer(view: ChatView, message: Message) -> None:
    widget = view.add_answer(
        message.text,
        footer=footer_line(
            message.model,
            message.usage,
            message.cost_usd,
            message.estimated_cost,
            failed=message.status == STATUS_ERROR,
            cost_estimated=message.cost_estimated,
        ),
        status=STATUS_LABELS.get(message.status),
    )
    widget.message_id = message.id
    widget.set_version(message.version, message.versions)
    if message.status == STATUS_ERROR and message.error:
        widget.show_error(message.error, offer_settings=False)


def finish_answer(widget: AnswerWidget, plan: TurnPlan, result: TurnResult) -> None:
    """The streamed answer ended: its footer (estimate and bill), status and any error."""
    answer = result.answer
    if answer.refusal and not answer.text:
        widget.append_text(answer.refusal)
    widget.finish(
        footer=footer_line(
            answer.model or plan.model,
            answer.usage,
            result.cost,
            plan.estimated_cost,
            failed=result.status == STATUS_ERROR,
            cost_estimated=result.cost_estimated,
        ),
        status=STATUS_LABELS.get(result.status),
    )
    error = result.error
    if error is not None and error.kind is not ErrorKind.CANCELLED:
        widget.show_error(error.text(), offer_settings=error.kind is ErrorKind.AUTH)


def open_image(
    view: ChatView,
    history: History,
    message_index: int,
    image_index: int,
    parent: QWidget | None,
) -> None:
    """Show an image of the chat at the size it was sent (from history)."""
    from desktop_app.ui.common.image_viewer import ImageViewer
    from desktop_app.ui.common.qt_images import qimage_from_bytes

    messages = view.messages()
    if not 0 <= message_index < len(messages):
        return
    images = messages[message_index].property(IMAGES_PROPERTY) or []
    if not 0 <= image_index < len(images):
        return
    sha256, _mime, width, height = images[image_index]
    image = qimage_from_bytes(history.attachment_bytes(sha256))
    viewer = ImageViewer(image, "Image", f"{width}×{height} · as sent to the model", parent)
    viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    viewer.open()
