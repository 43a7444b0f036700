"""Sends a question, streams the answer into the view, and records what it cost.

Lives on the GUI thread: history writes and widget updates happen here; the
network runs in a `StreamWorker` on its own QThread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Answer, TextDelta, Usage
from desktop_app.core.pricing import estimate_cost
from desktop_app.core.spend import BudgetState
from desktop_app.core.turns import (
    STATUS_ERROR,
    STATUS_LABELS,
    Turn,
    begin_turn,
    build_request,
    context_tokens,
    estimate_input_tokens,
    finish_turn,
    history_to_messages,
    request_from_messages,
    usage_line,
)
from desktop_app.ui.qt_images import thumbnail_from_bytes
from desktop_app.ui.stream_worker import StreamThread, StreamWorker

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.images import PreparedImage
    from desktop_app.core.settings import ProviderProfile
    from desktop_app.ui.chat_view import AnswerWidget, ChatView
    from desktop_app.ui.composer import Composer


def image_caption(width: int, height: int, tokens: int | None) -> str:
    cost = f"{tokens:,} tokens" if tokens is not None else "cost unknown"
    return f"{width}×{height} · {cost}"


# On a user message widget: (sha256, mime, width, height) per image, to open them full size.
IMAGES_PROPERTY = "askshot_images"


class ChatController(QObject):
    """Runs one turn at a time for the window.

    Signals:
        busy_changed(bool): an answer started or ended.
        spend_changed(): the session's totals changed.
        conversation_changed(int): the current conversation was created or changed.
        key_problem(str): a key is missing or was rejected (the window offers Settings).
    """

    busy_changed = Signal(bool)
    spend_changed = Signal()
    conversation_changed = Signal(int)
    key_problem = Signal(str)

    def __init__(
        self,
        services: Services,
        view: ChatView,
        composer: Composer,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._view = view
        self._composer = composer
        self._parent_widget = parent
        self.conversation_id: int | None = None
        self._thread: StreamThread | None = None
        self._answer = Answer()
        self._error: AppError | None = None
        self._turn: Turn | None = None
        self._answer_widget: AnswerWidget | None = None
        self._sent: tuple[str, list[PreparedImage]] | None = None
        # What went back to the composer after a failed send (Retry takes it out again).
        self._restored: tuple[str, list[str]] | None = None
        composer.send_requested.connect(self.send)
        composer.stop_requested.connect(self.stop)
        view.retry_requested.connect(self.retry)

    # -- state -----------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._thread is not None

    def load_conversation(self, conv_id: int | None) -> None:
        """Show a conversation from history (None: a new, empty chat).

        An answer still arriving is stopped and saved first, while its widget exists.
        """
        if self.busy:
            self.shutdown()
        self.conversation_id = conv_id
        self._restored = None
        self._view.clear()
        self.refresh_context()
        if conv_id is None:
            return
        history = self._services.history()
        for message in history.messages(conv_id):
            if message.role == "user":
                images = [
                    (
                        thumbnail_from_bytes(history.attachment_bytes(a.sha256)),
                        image_caption(a.width, a.height, a.tokens),
                    )
                    for a in message.attachments
                ]
                shown = self._view.add_user_message(message.text, images)
                shown.setProperty(
                    IMAGES_PROPERTY,
                    [(a.sha256, a.mime, a.width, a.height) for a in message.attachments],
                )
            elif message.role == "assistant":
                widget = self._view.add_answer(
                    message.text,
                    footer=self._footer(
                        message.model,
                        message.usage,
                        message.cost_usd,
                        failed=message.status == STATUS_ERROR,
                    ),
                    status=STATUS_LABELS.get(message.status),
                )
                if message.status == STATUS_ERROR and message.error:
                    widget.show_error(message.error, offer_settings=False)

    def refresh_context(self) -> None:
        """Tell the composer what the system prompt and earlier turns add to the estimate."""
        system = self._services.settings.system_prompt
        stored = (
            self._services.history().messages(self.conversation_id)
            if self.conversation_id is not None
            else []
        )
        self._composer.set_context_tokens(context_tokens(stored, system))

    @Slot(int, int)
    def open_image(self, message_index: int, image_index: int) -> None:
        """Show an image of the chat at the size it was sent (from history)."""
        from desktop_app.ui.image_viewer import ImageViewer
        from desktop_app.ui.qt_images import qimage_from_bytes

        messages = self._view.messages()
        if not 0 <= message_index < len(messages):
            return
        images = messages[message_index].property(IMAGES_PROPERTY) or []
        if not 0 <= image_index < len(images):
            return
        sha256, _mime, width, height = images[image_index]
        image = qimage_from_bytes(self._services.history().attachment_bytes(sha256))
        viewer = ImageViewer(
            image, "Image", f"{width}×{height} · as sent to the model", self._parent_widget
        )
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.open()

    # -- sending ---------------------------------------------------------------
    @Slot()
    def send(self) -> None:
        if self.busy:
            return
        usable = self._profile_and_key()
        if usable is None:
            return
        profile, key = usable
        question, images, _detail = self._composer.take()
        self._restored = None
        if not question.strip() and not images:
            self._composer.restore(question, images)
            return
        if not question.strip():
            question = self._services.settings.capture_default_question or "What is this?"
        history = self._services.history()
        earlier = (
            history_to_messages(history.messages(self.conversation_id), history)
            if self.conversation_id is not None
            else []
        )
        request = build_request(
            profile.model,
            question,
            images,
            system=self._services.settings.system_prompt,
            earlier=earlier,
            max_output_tokens=self._services.settings.max_output_tokens,
        )
        if not self._budget_allows(profile.model, request, images):
            self._composer.restore(question, images)
            return
        turn = begin_turn(
            request, question, images, history=history, conversation_id=self.conversation_id
        )
        if turn.conversation_id != self.conversation_id:
            self.conversation_id = turn.conversation_id
            if turn.conversation_id is not None:
                self.conversation_changed.emit(turn.conversation_id)
        shown = self._view.add_user_message(
            question,
            [
                (thumbnail_from_bytes(image.data), image_caption(*image.sent_size, image.tokens))
                for image in images
            ],
        )
        shown.setProperty(
            IMAGES_PROPERTY, [(image.sha256, image.mime, *image.sent_size) for image in images]
        )
        self._sent = (question, list(images))
        self._start(turn, self._services.chat_client(profile, key))

    @Slot()
    def retry(self) -> None:
        """Ask again for the last question (after an error or to regenerate)."""
        if self.busy or self.conversation_id is None:
            return
        usable = self._profile_and_key()
        if usable is None:
            return
        profile, key = usable
        history = self._services.history()
        stored = history.messages(self.conversation_id)
        last_user = next((m for m in reversed(stored) if m.role == "user"), None)
        if last_user is None:
            return
        self._take_back_restored()
        answers_after = [m for m in stored if m.id > last_user.id]
        if answers_after:
            history.delete_messages_from(self.conversation_id, answers_after[0].id)
            self._view.remove_last_answer()
        messages = history_to_messages(history.messages(self.conversation_id), history)
        request = request_from_messages(
            profile.model,
            messages,
            system=self._services.settings.system_prompt,
            max_output_tokens=self._services.settings.max_output_tokens,
        )
        turn = Turn(request=request, model=profile.model, conversation_id=self.conversation_id)
        turn.answer_id = history.start_answer(self.conversation_id, profile.model)
        self._sent = None
        self._start(turn, self._services.chat_client(profile, key))

    def _take_back_restored(self) -> None:
        """Retrying a failed question empties the composer if it still holds just that."""
        restored, self._restored = self._restored, None
        composer = self._composer
        if restored is None or not composer.is_ready() or composer.text() != restored[0]:
            return
        held = [a.prepared.sha256 for a in composer.attachments() if a.prepared is not None]
        if held == restored[1]:
            composer.take()

    def _profile_and_key(self) -> tuple[ProviderProfile, str | None] | None:
        """The active provider and its key, or None after telling the user what is missing."""
        try:
            profile = self._services.resolve_profile()
            return profile, self._services.api_key_for(profile)
        except AppError as error:
            self._composer.show_message(error.text())
            if error.kind is ErrorKind.AUTH:
                self.key_problem.emit(error.text())
            return None

    def take_last_exchange(self) -> tuple[str, list[PreparedImage]] | None:
        """Remove the last question and its answer, returning the question to edit.

        The images come back as prepared images, so resending costs no re-encode.
        """
        if self.conversation_id is None:
            return None
        from desktop_app.core.images import prepared_from_bytes

        history = self._services.history()
        stored = history.messages(self.conversation_id)
        last_user = next((m for m in reversed(stored) if m.role == "user"), None)
        if last_user is None:
            return None
        images = [
            prepared_from_bytes(
                history.attachment_bytes(a.sha256),
                mime=a.mime,
                size=(a.width, a.height),
                detail=a.detail,
                tokens=a.tokens,
            )
            for a in last_user.attachments
        ]
        history.delete_messages_from(self.conversation_id, last_user.id)
        self.load_conversation(self.conversation_id)
        return last_user.text, images

    def _budget_allows(self, model: str, request: object, images: Sequence[PreparedImage]) -> bool:
        tokens = estimate_input_tokens(request, [image.tokens for image in images])  # type: ignore[arg-type]
        cost = (
            estimate_cost(model, tokens, 0, self._services.spend.price_overrides)
            if tokens is not None
            else None
        )
        check = self._services.spend.check(cost)
        if check.state is not BudgetState.EXCEEDED:
            return True
        answer = QMessageBox.question(
            self._parent_widget,
            "Over budget",
            f"{check.message}\n\nSend this question anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _start(self, turn: Turn, client: object) -> None:
        self._turn = turn
        self._answer = Answer()
        self._error = None
        self._answer_widget = self._view.add_answer()
        worker = StreamWorker(client, turn.request)  # type: ignore[arg-type]
        worker.text_received.connect(self._on_worker_text_received)
        worker.refusal_received.connect(self._on_worker_refusal_received)
        worker.model_reported.connect(self._on_worker_model_reported)
        worker.usage_reported.connect(self._on_worker_usage_reported)
        worker.response_started.connect(self._on_worker_response_started)
        worker.answer_finished.connect(self._on_worker_answer_finished)
        worker.failed.connect(self._on_worker_failed)
        worker.done.connect(self._on_worker_done)
        self._thread = StreamThread(worker)
        self._composer.set_busy(True)
        self.busy_changed.emit(True)
        self._thread.start()

    @Slot()
    def stop(self) -> None:
        if self._thread is not None:
            self._thread.worker.cancel()

    def shutdown(self) -> None:
        """Cancel, wait for the worker (never terminate a thread) and save what arrived."""
        if self._thread is not None:
            self._thread.stop()
            # Deliver the worker's last queued signals (text, usage, done) now, so
            # nothing that arrived is lost and none lands in a later turn.
            QCoreApplication.sendPostedEvents(self)
            if self._thread is not None:
                self._on_worker_done()

    # -- worker signals --------------------------------------------------------
    @Slot(str)
    def _on_worker_text_received(self, text: str) -> None:
        self._answer.apply(TextDelta(text))
        if self._answer_widget is not None:
            self._answer_widget.append_text(text)

    @Slot(str)
    def _on_worker_refusal_received(self, text: str) -> None:
        self._answer.refusal += text

    @Slot(str)
    def _on_worker_model_reported(self, model: str) -> None:
        self._answer.model = model

    @Slot(object)
    def _on_worker_usage_reported(self, usage: Usage) -> None:
        self._answer.usage = usage

    @Slot(str)
    def _on_worker_response_started(self, request_id: str) -> None:
        self._answer.request_id = request_id or None

    @Slot(str)
    def _on_worker_answer_finished(self, reason: str) -> None:
        self._answer.finish_reason = reason  # type: ignore[assignment]

    @Slot(object)
    def _on_worker_failed(self, error: AppError) -> None:
        self._error = error

    @Slot()
    def _on_worker_done(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None or self._turn is None:
            return
        thread.stop()  # the worker has returned: this only joins the thread
        history = self._services.history()
        result = finish_turn(
            self._turn, self._answer, self._error, history=history, spend=self._services.spend
        )
        widget, self._answer_widget = self._answer_widget, None
        if widget is not None:
            if self._answer.refusal and not self._answer.text:
                widget.append_text(self._answer.refusal)
            widget.finish(
                footer=self._footer(
                    self._answer.model or self._turn.model,
                    self._answer.usage,
                    result.cost,
                    failed=result.status == STATUS_ERROR,
                ),
                status=STATUS_LABELS.get(result.status),
            )
            if self._error is not None and self._error.kind is not ErrorKind.CANCELLED:
                widget.show_error(
                    self._error.text(), offer_settings=self._error.kind is ErrorKind.AUTH
                )
        if self._error is not None and not self._answer.text and self._sent is not None:
            # Nothing arrived: give the question and its images back, untouched.
            self._composer.restore(*self._sent)
            self._restored = (self._sent[0], [image.sha256 for image in self._sent[1]])
        if self._error is not None and self._error.kind is ErrorKind.AUTH:
            self.key_problem.emit(self._error.text())
        self._sent = None
        self._turn = None
        self._composer.set_busy(False)
        self.busy_changed.emit(False)
        self.spend_changed.emit()
        self.refresh_context()
        if self.conversation_id is not None:
            self.conversation_changed.emit(self.conversation_id)

    def _footer(
        self, model: str | None, usage: Usage | None, cost: float | None, *, failed: bool = False
    ) -> str:
        if model is None or (failed and usage is None):  # refused before any answer: no cost
            return ""
        answer = Answer(usage=usage)
        return usage_line(model, answer, cost)
