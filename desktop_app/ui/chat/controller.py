"""The window's door to the conversation engine: composer in, chat view out.

Lives on the GUI thread, where the engine and its history run; the network
runs in a `StreamWorker` on its own QThread and each event it reports is fed
to the engine's active turn. The lifecycle itself (what is written when,
versions, budgets, spend) is the engine's; see docs/architecture.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import (
    Finished,
    ModelReported,
    RefusalDelta,
    ResponseStarted,
    TextDelta,
    Usage,
    UsageReported,
)
from desktop_app.core.turns import (
    STATUS_ERROR,
    context_tokens,
)
from desktop_app.ui.chat import transcript
from desktop_app.ui.chat.drafts import DraftKeeper
from desktop_app.ui.chat.earlier_images import EarlierImagesKeeper
from desktop_app.ui.chat.stream_worker import StreamThread, StreamWorker

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.conversation import ActiveTurn, TurnPlan
    from desktop_app.core.settings import ProviderProfile
    from desktop_app.ui.chat.view import AnswerWidget, ChatView
    from desktop_app.ui.composer.widget import Composer


EDIT_NOTE = (
    "Editing your last question: sending makes a new version, and the old one stays "
    "until the new answer has arrived. Close this note to send it as a new question."
)


class ChatController(QObject):
    """Runs one turn at a time for the window.

    Signals:
        busy_changed(bool): an answer started or ended.
        spend_changed(): the session's totals changed.
        conversation_changed(int): the current conversation was created or changed.
        key_problem(str): a key is missing or was rejected (the window offers Settings).
        status_reported(str): a passing sentence for the status bar (a rate-limit wait).
    """

    busy_changed = Signal(bool)
    spend_changed = Signal()
    conversation_changed = Signal(int)
    key_problem = Signal(str)
    status_reported = Signal(str)

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
        self._turn: ActiveTurn | None = None
        self._error: AppError | None = None
        self._answer_widget: AnswerWidget | None = None
        self._sent_images: list = []
        self._stopping = False  # the user (or a switch, or quitting) stopped this answer
        # What went back to the composer after a failed send (Retry takes it out again).
        self._restored: tuple[str, list[str]] | None = None
        # Which earlier images a follow-up resends: stored per conversation, chosen in a box.
        self.earlier = EarlierImagesKeeper(services, self._current_conversation, self)
        self.earlier.changed.connect(self.refresh_context)
        self.earlier.save_failed.connect(composer.show_message)
        self.drafts = DraftKeeper(composer, services.history(), self)
        composer.send_requested.connect(self.send)
        composer.stop_requested.connect(self.stop)
        view.retry_requested.connect(self.retry)
        view.version_requested.connect(self.show_version)
        composer.message_dismissed.connect(self._on_composer_message_dismissed)

    # -- state -----------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Show the new chat with whatever the composer held when AskShot last closed."""
        self.drafts.switch_to(None, save=False)
        self._show_edit_note()
        self.refresh_context()

    def load_conversation(self, conv_id: int | None) -> None:
        """Show a conversation from history (None: a new, empty chat), with its draft.

        The window asks before switching away from an answer still arriving;
        if it comes to that, the answer is stopped and saved first.
        """
        if self.busy:
            self.shutdown()
        self.drafts.switch_to(conv_id)
        self.conversation_id = conv_id
        self.earlier.reset_new_chat()
        self._show_conversation()
        self._show_edit_note()

    def _show_conversation(self) -> None:
        self._view.clear()
        self.refresh_context()
        if self.conversation_id is None:
            return
        history = self._services.history()
        for message in history.messages(self.conversation_id):
            if message.role == "user":
                transcript.show_question(self._view, history, message)
            elif message.role == "assistant":
                transcript.show_stored_answer(self._view, message)

    def refresh_context(self) -> None:
        """Tell the composer what the system prompt and earlier turns (with the earlier
        images chosen) add to the estimate, and the earlier-images box what each costs."""
        system = self._services.settings.system_prompt
        stored = (
            self._services.history().messages(self.conversation_id)
            if self.conversation_id is not None
            else []
        )
        policy = self.earlier.policy()
        self._composer.set_context_tokens(context_tokens(stored, system, policy))
        self.earlier.show(stored)

    def _current_conversation(self) -> int | None:
        return self.conversation_id

    def save_draft(self) -> None:
        """Write the composer now (quit, crash, switch)."""
        self.drafts.save_now()

    @Slot(int, int)
    def open_image(self, message_index: int, image_index: int) -> None:
        """Show an image of the chat at the size it was sent (from history)."""
        transcript.open_image(
            self._view, self._services.history(), message_index, image_index, self._parent_widget
        )

    # -- sending ---------------------------------------------------------------
    @Slot()
    def send(self) -> None:
        if self.busy:
            return
        usable = self._profile_and_key()
        if usable is None:
            return
        profile, key = usable
        edit_of = self.drafts.edit_of
        with self.drafts.paused():  # emptying the composer to send is not abandoning an edit
            question, images, _detail = self._composer.take()
        self._restored = None
        if not question.strip() and not images:
            self._composer.restore(question, images)
            return
        try:
            plan = self._services.engine().plan_question(
                self.conversation_id,
                question,
                images,
                model=profile.model,
                edit_of=edit_of,
                priced_as=profile.priced_as,
                provider=profile.name,
                earlier_images=self.earlier.policy(),
            )
            if not self._limits_allow(plan):
                self._composer.restore(question, images)
                return
            turn = self._services.engine().begin(plan)
        except AppError as error:
            self._composer.restore(question, images)
            self._composer.show_message(error.text())
            return
        self.drafts.sent(turn.conversation_id)
        self._follow_conversation(turn.conversation_id)
        # An edit streams below the exchange it replaces, which stays until it arrives.
        transcript.show_sent_question(self._view, plan)
        self._sent_images = list(images)
        self._start(turn, profile, key)

    @Slot()
    def regenerate_last(self) -> None:
        """Ctrl+R: a new version of the last answer shown."""
        self.retry(-1)

    @Slot(int)
    def retry(self, answer_id: int = -1) -> None:
        """A new version of an answer (-1: the last one shown): after an error or to regenerate."""
        if self.busy or self.conversation_id is None:
            return
        if answer_id < 0:
            shown = self._services.history().messages(self.conversation_id)
            last = next((m for m in reversed(shown) if m.role == "assistant"), None)
            if last is None:
                return
            answer_id = last.id
        usable = self._profile_and_key()
        if usable is None:
            return
        profile, key = usable
        engine = self._services.engine()
        try:
            plan = engine.plan_regenerate(
                answer_id, model=profile.model, priced_as=profile.priced_as, provider=profile.name
            )
            if not self._limits_allow(plan):
                return
            turn = engine.begin(plan)
        except AppError as error:
            self._composer.show_message(error.text())
            return
        self._take_back_restored()
        self._sent_images = []
        self._start(turn, profile, key)

    def _take_back_restored(self) -> None:
        """Retrying a failed question empties the composer if it still holds just that."""
        restored, self._restored = self._restored, None
        composer = self._composer
        if restored is None or not composer.is_ready() or composer.text() != restored[0]:
            return
        held = [a.prepared.sha256 for a in composer.attachments() if a.prepared is not None]
        if held == restored[1]:
            composer.take()

    @Slot(int, int)
    def show_version(self, answer_id: int, step: int) -> None:
        """Page an answer's versions (‹ ›): the chosen one is shown from now on."""
        if self.busy:
            return
        history = self._services.history()
        versions = history.versions(answer_id)
        ids = [v.id for v in versions]
        if answer_id not in ids:
            return
        index = ids.index(answer_id) + step
        if 0 <= index < len(ids):
            history.activate(ids[index])
            self._show_conversation()

    def edit_last_question(self) -> bool:
        """Put the last question in the composer to rewrite; nothing is deleted."""
        if self.busy or self.conversation_id is None:
            return False
        from desktop_app.core.images import prepared_from_bytes

        history = self._services.history()
        shown = history.messages(self.conversation_id)
        last = next((m for m in reversed(shown) if m.role == "user"), None)
        if last is None:
            return False
        images = [
            prepared_from_bytes(
                history.attachment_bytes(a.sha256),
                mime=a.mime,
                size=(a.width, a.height),
                detail=a.detail,  # type: ignore[arg-type]
                tokens=a.tokens,
            )
            for a in last.attachments
        ]
        with self.drafts.paused():
            try:
                self._composer.take()
            except RuntimeError:
                return False
            self._composer.restore(last.text, images)
        self.drafts.edit_of = last.id
        self.drafts.save_now()
        self._show_edit_note()
        return True

    def cancel_edit(self) -> None:
        """Stop editing: the composer keeps its text, which will be a new question."""
        self.drafts.edit_of = None
        self.drafts.save_now()
        self._composer.clear_message()

    def _show_edit_note(self) -> None:
        if self.drafts.edit_of is not None:
            self._composer.show_note(EDIT_NOTE)

    @Slot()
    def _on_composer_message_dismissed(self) -> None:
        """Closing the edit note (×) stops editing; the text stays as a new question."""
        if self.drafts.edit_of is not None:
            self.cancel_edit()

    def _follow_conversation(self, conversation_id: int | None) -> None:
        if conversation_id is not None and conversation_id != self.conversation_id:
            self.conversation_id = conversation_id
            self.conversation_changed.emit(conversation_id)

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

    def _limits_allow(self, plan: TurnPlan) -> bool:
        """Ask before passing a budget; refuse what the model cannot read at all."""
        for limit in plan.blocking:
            if not limit.overridable:
                raise limit.error()
            answer = QMessageBox.question(
                self._parent_widget,
                "Over budget",
                f"{limit.message}\n\nSend this question anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        return True

    def _start(self, turn: ActiveTurn, profile: ProviderProfile, key: str | None) -> None:
        self._turn = turn
        self._error = None
        self._stopping = False
        self._answer_widget = self._view.add_answer()
        self._answer_widget.message_id = turn.answer_id
        client = self._services.chat_client(profile, key)
        worker = StreamWorker(client, turn.plan.request)
        worker.text_received.connect(self._on_worker_text_received)
        worker.refusal_received.connect(self._on_worker_refusal_received)
        worker.model_reported.connect(self._on_worker_model_reported)
        worker.usage_reported.connect(self._on_worker_usage_reported)
        worker.response_started.connect(self._on_worker_response_started)
        worker.answer_finished.connect(self._on_worker_answer_finished)
        worker.retrying.connect(self._on_worker_retrying)
        worker.failed.connect(self._on_worker_failed)
        worker.done.connect(self._on_worker_done)
        self._thread = StreamThread(worker)
        self._composer.set_busy(True)
        self.busy_changed.emit(True)
        self._thread.start()

    @Slot()
    def stop(self) -> None:
        if self._thread is not None:
            self._stopping = True
            self._thread.worker.cancel()

    def shutdown(self) -> None:
        """Cancel, wait for the worker (never terminate a thread) and save what arrived."""
        if self._thread is not None:
            self._stopping = True
            self._thread.stop()
            # Deliver the worker's last queued signals (text, usage, done) now, so
            # nothing that arrived is lost and none lands in a later turn.
            QCoreApplication.sendPostedEvents(self)
            if self._thread is not None:
                self._on_worker_done()
        self.drafts.save_now()

    # -- worker signals --------------------------------------------------------
    @Slot(str)
    def _on_worker_text_received(self, text: str) -> None:
        if self._turn is not None:
            self._turn.apply(TextDelta(text))
        if self._answer_widget is not None:
            self._answer_widget.append_text(text)

    @Slot(str)
    def _on_worker_refusal_received(self, text: str) -> None:
        if self._turn is not None:
            self._turn.apply(RefusalDelta(text))

    @Slot(str)
    def _on_worker_model_reported(self, model: str) -> None:
        if self._turn is not None:
            self._turn.apply(ModelReported(model))

    @Slot(object)
    def _on_worker_usage_reported(self, usage: Usage) -> None:
        if self._turn is not None:
            self._turn.apply(UsageReported(usage))

    @Slot(str)
    def _on_worker_response_started(self, request_id: str) -> None:
        if self._turn is not None:
            self._turn.apply(ResponseStarted(request_id or None))

    @Slot(str)
    def _on_worker_answer_finished(self, reason: str) -> None:
        if self._turn is not None:
            self._turn.apply(Finished(reason))  # type: ignore[arg-type]

    @Slot(str, float)
    def _on_worker_retrying(self, reason: str, _wait: float) -> None:
        self.status_reported.emit(reason)

    @Slot(object)
    def _on_worker_failed(self, error: AppError) -> None:
        self._error = error

    @Slot()
    def _on_worker_done(self) -> None:
        thread, self._thread = self._thread, None
        turn, self._turn = self._turn, None
        if thread is None or turn is None:
            return
        thread.stop()  # the worker has returned: this only joins the thread
        if self._error is None and self._stopping and turn.answer.finish_reason is None:
            # Stopped before the stream could say so: the user's stop, not a cut.
            self._error = AppError(ErrorKind.CANCELLED, "Stopped.")
        result = turn.finish(self._error)
        widget, self._answer_widget = self._answer_widget, None
        if result.shown and turn.plan.new_version:
            self._show_conversation()  # the new version replaces the old one in place
        elif widget is not None:
            transcript.finish_answer(widget, turn.plan, result)
        error = self._error
        if error is not None and result.status == STATUS_ERROR and turn.plan.reply_to is None:
            # Nothing arrived: the question and its images go back to the composer,
            # untouched (it is in the conversation too, with Retry).
            self._composer.restore(turn.plan.question, self._sent_images)
            self._restored = (turn.plan.question, [i.sha256 for i in self._sent_images])
            self.drafts.edit_of = turn.plan.edit_of
        if result.save_problem is not None:
            self.status_reported.emit(result.save_problem.message)
        if error is not None and error.kind is ErrorKind.AUTH:
            self.key_problem.emit(error.text())
        self._sent_images = []
        self._composer.set_busy(False)
        self.busy_changed.emit(False)
        self.spend_changed.emit()
        self.refresh_context()
        if self.conversation_id is not None:
            self.conversation_changed.emit(self.conversation_id)
