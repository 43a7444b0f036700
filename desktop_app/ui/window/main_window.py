"""The AskShot window: conversations on the left, the chat and composer on the right."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.core.errors import AppError
from desktop_app.core.paths import config_dir
from desktop_app.ui.chat.controller import ChatController
from desktop_app.ui.chat.earlier_images import EarlierImagesChoice
from desktop_app.ui.chat.view import ChatView
from desktop_app.ui.common import icons, model_picker
from desktop_app.ui.common.screen_fit import fit_to_screen
from desktop_app.ui.common.workers import Worker
from desktop_app.ui.composer.widget import Composer
from desktop_app.ui.conversations.sidebar import ConversationList
from desktop_app.ui.settings.first_run import FirstRunPanel
from desktop_app.ui.window import crash
from desktop_app.ui.window.chrome import NoticeBar, add_toolbar, status_texts

if TYPE_CHECKING:
    from desktop_app.context import Services
    from desktop_app.core.settings import ProviderProfile

KEY_PROBLEM_STATUS = "The API key is missing or was rejected: open Settings."


class MainWindow(QMainWindow):
    """Signals:
    capture_requested(): the user asked to capture a screen region.
    full_screen_capture_requested(): ... the whole screen under the cursor.
    delayed_capture_requested(): ... a region after a few seconds (to open a menu first).
    settings_changed(): Settings were saved (model, key or budgets may differ).
    """

    capture_requested = Signal()
    full_screen_capture_requested = Signal()
    delayed_capture_requested = Signal()
    settings_changed = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._key_notice: tuple[str, str] | None = None  # (provider, the composer's sentence)
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.resize(1100, 760)

        self.conversations = ConversationList(services.history())
        self.chat_view = ChatView()
        self.composer = Composer(budget_check=services.spend.check)
        self.composer.set_privacy_settings(services.settings)  # automatic redaction
        self.first_run = FirstRunPanel()
        self.first_run.settings_requested.connect(self.open_settings)

        self.centre = QStackedWidget()
        self.centre.addWidget(self.first_run)
        self.centre.addWidget(self.chat_view)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 8)
        self.notice = NoticeBar()
        right_layout.addWidget(self.notice)
        right_layout.addWidget(self.centre, 1)
        self.earlier_images = EarlierImagesChoice()  # which earlier images a follow-up resends
        right_layout.addWidget(self.earlier_images)
        right_layout.addWidget(self.composer)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.conversations)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 840])
        self.setCentralWidget(self.splitter)

        self._warm_up: Worker | None = None
        self.controller = ChatController(services, self.chat_view, self.composer, self)
        self.controller.earlier.attach(self.earlier_images)
        self.controller.spend_changed.connect(self._update_status)
        self.controller.conversation_changed.connect(self._on_controller_conversation_changed)
        self.controller.key_problem.connect(self._on_controller_key_problem)
        self.controller.status_reported.connect(self._on_controller_status_reported)
        self.chat_view.settings_requested.connect(self.open_settings)
        self.chat_view.image_clicked.connect(self.controller.open_image)
        self.conversations.conversation_selected.connect(self._on_conversations_selected)
        self.conversations.conversation_deleted.connect(self._on_conversations_deleted)
        self.composer.capture_requested.connect(self.capture_requested)
        # Images going to a model that reads text only: ask before sending.
        confirm = partial(model_picker.confirm_images, self, services, self.composer.attachments)
        self.composer.set_send_check(confirm)

        self._build_actions()
        self._build_status_bar()
        self._apply_profile(check_key_now=False)
        self._restore_state()
        fit_to_screen(self)  # at 200 % the default size is larger than many screens
        self.controller.start()  # the new chat, with what the composer held at the last quit
        self.set_crash_saver(self.controller.save_draft)  # an unexpected error loses no words
        self.composer.focus_question()

    # -- construction ------------------------------------------------------------
    def _action(
        self,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
        slot: object,
        icon: QIcon | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(icon)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(
            "New chat", QKeySequence.StandardKey.New, self.new_chat, icons.new_chat_icon()
        )
        self.capture_action = self._action(
            "Capture region",
            "Ctrl+Shift+X",
            self.capture_requested.emit,
            icons.capture_icon(),
        )
        self.attach_action = self._action(
            "Attach image…",
            QKeySequence.StandardKey.Open,
            self.composer.open_attach_dialog,
            icons.image_icon(),
        )
        self.settings_action = self._action(
            "Settings…", "Ctrl+,", self.open_settings, icons.settings_icon()
        )
        self.search_action = self._action(
            "Search", QKeySequence.StandardKey.Find, self.conversations.focus_search
        )
        self.copy_answer_action = self._action(
            "Copy last answer", "Ctrl+Shift+C", self.copy_last_answer
        )
        self.regenerate_action = self._action(
            "Regenerate answer", "Ctrl+R", self.controller.regenerate_last
        )
        self.edit_last_action = self._action(
            "Edit last question", "Ctrl+Shift+E", self.edit_last_question
        )
        self.quit_action = self._action("Quit", QKeySequence.StandardKey.Quit, self.close)

        self.full_screen_action, self.delayed_capture_action = add_toolbar(
            self,
            [self.new_action, self.capture_action, self.attach_action, self.settings_action],
            self.capture_action,
        )
        self.full_screen_action.triggered.connect(self.full_screen_capture_requested)
        self.delayed_capture_action.triggered.connect(self.delayed_capture_requested)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        # The model in use; clicking it (or Ctrl+Shift+M) opens the catalogue to pick another.
        self.model_label = QToolButton()
        self.model_label.setAutoRaise(True)
        self.model_label.setToolTip("Choose the model (Ctrl+Shift+M)")
        self.model_label.setAccessibleDescription("Opens the list of models to choose from.")
        self.model_label.clicked.connect(self.open_model_picker)
        self.model_action = self._action("Choose model…", "Ctrl+Shift+M", self.open_model_picker)
        self.spend_label = QToolButton()  # clicking it opens the spend view
        self.spend_label.setAutoRaise(True)
        self.spend_label.setToolTip("Spend by day, month, model and provider")
        self.spend_label.clicked.connect(self.open_spend_view)
        self.budget_label = QLabel()
        bar.addWidget(self.model_label, 1)
        bar.addPermanentWidget(self.spend_label)
        bar.addPermanentWidget(self.budget_label)
        self._update_status()

    # -- state -----------------------------------------------------------------
    def _window_settings(self) -> QSettings:
        return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)

    def _restore_state(self) -> None:
        store = self._window_settings()
        geometry = store.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = store.value("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def _save_state(self) -> None:
        config_dir().mkdir(parents=True, exist_ok=True)
        store = self._window_settings()
        store.setValue("geometry", self.saveGeometry())
        store.setValue("splitter", self.splitter.saveState())
        store.sync()

    def _apply_profile(self, *, check_key_now: bool = True) -> None:
        """Show the first-run panel until the active provider can be used.

        At start-up the key is looked up on a thread (`check_key_now=False`):
        importing keyring and finding its backend takes ~100 ms, and a locked
        keyring may prompt; the first paint waits for neither.
        """
        try:
            profile = self._services.resolve_profile()
        except AppError:
            self.centre.setCurrentWidget(self.first_run)
            self.model_label.setText("No provider set up")
            return
        self.composer.set_model(profile.priced_as)  # an alias is sized as its family
        self.composer.set_price_overrides(self._services.spend.price_overrides)
        self.model_label.setText(f"{profile.name} · {profile.model} ▾")  # ▾: it opens a list
        self.controller.refresh_context()  # the system prompt may have changed
        self._update_status()
        if check_key_now:
            status = self._services.secrets.status(profile.name, profile.base_url)
            self._on_key_checked(profile.name, status.has_key, status.backend)
            return
        needs_check = profile.needs_key
        if not needs_check:
            self._on_key_checked(profile.name, True, "")
        else:
            self.centre.setCurrentWidget(self.chat_view)
        # One worker for all start-up work: fewer threads, fewer malloc arenas.
        if self._warm_up is None or not self._warm_up.is_running():
            steps = partial(self._warm_up_steps, profile if needs_check else None)
            self._warm_up = Worker(steps, name="warm-up")
            self._warm_up.yielded.connect(self._on_warm_up_yielded)
            self._warm_up.start()

    def _warm_up_steps(self, profile: ProviderProfile | None) -> Iterator[tuple[str, bool, str]]:
        """Runs on a worker after construction: the key check, then the SDK import."""
        if profile is not None:
            try:
                status = self._services.secrets.status(profile.name, profile.base_url)
                yield profile.name, status.has_key, status.backend
            except Exception:  # status() never raises for keyring trouble; stay usable anyway
                yield profile.name, False, "the OS keyring"
        try:
            from desktop_app.core import chat_client

            chat_client.preload()  # ~400 ms that the first question then does not pay
        except Exception:  # noqa: S110 - the first send reports a real problem
            pass

    @Slot(object)
    def _on_warm_up_yielded(self, checked: tuple[str, bool, str]) -> None:
        self._on_key_checked(*checked)

    @Slot(str, bool, str)
    def _on_key_checked(self, provider: str, has_key: bool, backend: str) -> None:
        profile = self._services.settings.find_profile(provider)
        if provider != self._services.settings.active_provider:
            return  # an answer about a provider that is no longer the active one
        ready = has_key or (profile is not None and not profile.needs_key)
        if backend:
            self.first_run.set_backend_name(backend)
        self.centre.setCurrentWidget(self.chat_view if ready else self.first_run)
        self._follow_key_notice(provider, ready)

    def _follow_key_notice(self, provider: str, ready: bool) -> None:
        """The composer's "No API key" sentence goes once a key is stored, back if removed."""
        if self._key_notice is None or self._key_notice[0] != provider:
            return
        notice = self._key_notice[1]
        if ready:
            if self.composer.message() == notice:
                self.composer.clear_message()
            if self.statusBar().currentMessage() == KEY_PROBLEM_STATUS:
                self.statusBar().clearMessage()
        elif not self.composer.message():
            self.composer.show_message(notice)

    def _on_settings_keys_changed(self) -> None:
        self._apply_profile()  # checks the key now

    @Slot()
    def _update_status(self) -> None:
        spend_text, budget_text, budget_tip = status_texts(self._services.spend)
        self.spend_label.setText(spend_text)
        self.budget_label.setText(budget_text)
        self.budget_label.setToolTip(budget_tip)

    # -- actions ---------------------------------------------------------------
    @Slot()
    def open_model_picker(self) -> model_picker.ModelPicker | None:
        """The active provider's catalogue beside the status bar's model button."""
        try:
            profile = self._services.resolve_profile()
        except AppError as error:
            self.statusBar().showMessage(error.text(), 8000)
            return None
        picker = model_picker.picker_for_profile(self._services, profile, self)
        picker.model_chosen.connect(self._on_model_picker_model_chosen)
        picker.show_near(self.model_label)
        return picker

    @Slot(str)
    def _on_model_picker_model_chosen(self, model: str) -> None:
        """The active profile now uses `model`: saved, and sent with the next question."""
        problem = model_picker.use_model(self._services, model)
        if problem:
            self.notice.show_text(problem)
        self._apply_profile()
        self.settings_changed.emit()
        images = len(self.composer.attachments())
        self.statusBar().showMessage(model_picker.chosen_text(self._services, images), 10_000)

    @Slot()
    def open_spend_view(self) -> None:
        """Totals by day, month, model and provider, and the gateway's credit."""
        from desktop_app.ui.chat.spend_view import SpendDialog

        self.spend_view = SpendDialog(self._services, self)
        self.spend_view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.spend_view.open()

    @Slot()
    def new_chat(self) -> None:
        if not self._may_leave_the_answer():
            return
        self.controller.load_conversation(None)
        self.conversations.select(None, emit=False)
        self.composer.focus_question()

    @Slot()
    def open_settings(self) -> None:
        from desktop_app.ui.settings.dialog import SettingsDialog

        dialog = SettingsDialog(self._services, self)
        # A key stored by Apply, or removed, shows in the window behind the dialog at once.
        dialog.settings_applied.connect(self._on_settings_keys_changed)
        dialog.key_removed.connect(self._on_settings_keys_changed)
        if dialog.exec():
            self._services.spend.budget_usd = self._services.settings.session_budget_usd
            self.settings_changed.emit()
        self._apply_profile()

    @Slot()
    def copy_last_answer(self) -> None:
        answer = self.chat_view.last_answer()
        if answer is not None and answer.text():
            QGuiApplication.clipboard().setText(answer.text())
            self.statusBar().showMessage("Copied the last answer.", 3000)

    @Slot()
    def edit_last_question(self) -> None:
        """The last question goes to the composer; sending makes a new version of it."""
        if self.controller.edit_last_question():
            self.composer.focus_question()

    def attach_image(self, image: QImage, name: str) -> None:
        """Put a captured image into the composer and bring the window back."""
        self.show_and_raise()
        self.composer.attach_qimage(image, name)
        self.composer.focus_question()

    @Slot(list)
    def attach_files(self, paths: list[str]) -> None:
        """Attach image files given on the command line or by a second launch."""
        self.show_and_raise()
        self.composer.attach_files(paths)
        self.composer.focus_question()

    def set_crash_saver(self, saver: Callable[[], object] | None) -> None:
        """Run `saver` (e.g. save the composer's draft) before an unexpected error is shown."""
        crash.set_saver(saver)

    def show_notice(self, text: str) -> None:
        """A sentence the user should read once (settings reset, history moved aside)."""
        self.notice.show_text(text)

    @Slot(str)
    def show_capture_failure(self, reason: str) -> None:
        self.show_and_raise()
        self.notice.show_text(f"The capture failed: {reason}")

    def show_and_raise(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # -- slots -----------------------------------------------------------------
    @Slot(int)
    def _may_leave_the_answer(self) -> bool:
        """Ask before leaving a conversation whose answer is still arriving."""
        if not self.controller.busy:
            return True
        answer = QMessageBox.question(
            self,
            "An answer is still arriving",
            "Stop the answer and open the other conversation? The part that arrived "
            "is saved, and you can regenerate it later.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            return True
        self.conversations.select(self.controller.conversation_id, emit=False)
        return False

    def _on_conversations_selected(self, conv_id: int) -> None:
        if conv_id != self.controller.conversation_id and not self._may_leave_the_answer():
            return
        self.controller.load_conversation(conv_id)
        # Stopping an answer on the way re-selects its conversation: select this one again.
        self.conversations.select(conv_id, emit=False)
        self.composer.focus_question()

    @Slot(int)
    def _on_conversations_deleted(self, conv_id: int) -> None:
        if self.controller.conversation_id == conv_id:
            self.controller.load_conversation(None)
            self.conversations.select(None, emit=False)

    @Slot(int)
    def _on_controller_conversation_changed(self, conv_id: int) -> None:
        self.conversations.select(conv_id, emit=False)
        self.conversations.refresh()

    @Slot(str)
    def _on_controller_status_reported(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    @Slot(str)
    def _on_controller_key_problem(self, message: str) -> None:
        self.statusBar().showMessage(KEY_PROBLEM_STATUS, 8000)
        if self.composer.message() == message:  # "No API key …", shown where the user typed
            self._key_notice = (self._services.settings.active_provider, message)

    # -- events ----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.composer.can_accept_mime(event.mimeData()):  # not a web link: no drop cursor
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.composer.accept_mime(event.mimeData()):
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.busy:
            answer = QMessageBox.question(
                self,
                "An answer is still arriving",
                "Stop the answer and quit? The part that arrived is saved.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.controller.shutdown()
        self.set_crash_saver(None)
        if self._warm_up is not None:
            self._warm_up.stop(None)  # an import cannot be interrupted; it ends by itself
        self._save_state()
        event.accept()
