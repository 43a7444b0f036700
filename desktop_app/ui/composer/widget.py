"""The composer: where a question is typed and images are attached, priced and sent.

Images are prepared for the current model and detail on worker threads
(image_jobs); the estimate line is recomputed from original sizes on every
change, instantly. Nothing the user put in is lost: a failed image becomes an
inline sentence and everything else stays; `take()` and `restore()` round-trip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, Qt, Signal, Slot
from PySide6.QtGui import QImage, QKeyEvent, QPalette, QPixmap, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.events import DETAILS, Detail
from desktop_app.core.images import PreparedImage
from desktop_app.core.pricing import Price
from desktop_app.core.privacy import KINDS
from desktop_app.core.spend import BudgetCheck, BudgetState
from desktop_app.ui.common.image_viewer import view_attachment
from desktop_app.ui.common.qt_images import images_in_mime
from desktop_app.ui.composer.attachment_strip import AttachmentStrip
from desktop_app.ui.composer.attachments import Attachment, AttachmentSet
from desktop_app.ui.composer.image_jobs import decode_source
from desktop_app.ui.composer.parts import (
    ActionRow,
    Estimate,
    InlineNotice,
    InputBox,
    Severity,
    estimate_line,
    send_button_style,
    text_saving,
    with_image_texts,
)
from desktop_app.ui.composer.question_edit import QuestionEdit
from desktop_app.ui.editor.dialog import ImageEditor

if TYPE_CHECKING:
    from PIL import Image

    from desktop_app.core.settings import Settings

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp *.tif *.tiff);;All files (*)"
PASTED = "Pasted image"
HINT = "Enter sends · Shift+Enter adds a line"

BudgetCheckFn = Callable[[float | None], BudgetCheck]


class Composer(QWidget):
    """Question text, attached images, the detail choice, the estimate and Send/Stop.

    Signals:
        send_requested(): the user asked to send and every image is prepared: call take().
        stop_requested(): Stop was pressed, or Esc while busy.
        capture_requested(): the Capture button was pressed.
        attachments_changed(): an image was added, prepared again or removed.
        estimate_changed(object): the new `Estimate` for the question and its images.
        message_dismissed(): the user closed the message above the box (×).
        image_edited(int): the editor replaced this attachment's pixels; the old ones must
            leave the history (the draft keeper saves and drops unused images).
    """

    send_requested = Signal()
    stop_requested = Signal()
    capture_requested = Signal()
    attachments_changed = Signal()
    estimate_changed = Signal(object)
    message_dismissed = Signal()
    image_edited = Signal(int)

    def __init__(
        self,
        model: str = "gpt-4o-mini",
        *,
        detail: Detail = "auto",
        price_overrides: Mapping[str, Price] | None = None,
        budget_check: BudgetCheckFn | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._detail: Detail = detail
        self._overrides = dict(price_overrides or {})
        self._budget_check = budget_check
        self._send_check: Callable[[], bool] | None = None  # may ask; False keeps the draft
        self._context_tokens = 0
        self._busy = False
        self._send_pending = False
        self._last_dir = ""
        self._estimate = Estimate(None, None, "")
        self._privacy: Settings | None = None
        self.images = AttachmentSet(model, detail, self)
        self.images.added.connect(self._on_images_added)
        self.images.updated.connect(self._on_images_updated)
        self.images.removed.connect(self._on_images_removed)
        self.images.failed.connect(self._on_images_failed)
        self.images.prepared.connect(self._on_images_prepared)
        self._build()
        self._refresh()

    # -- construction ------------------------------------------------------------
    def _build(self) -> None:
        self.error_notice = InlineNotice(Severity.ERROR, closable=True)
        self.error_notice.dismissed.connect(self.message_dismissed)
        self.budget_notice = InlineNotice(Severity.WARNING, closable=False)
        self.strip = AttachmentStrip()
        self.strip.remove_requested.connect(self._on_strip_remove_requested)
        self.strip.view_requested.connect(self._on_strip_view_requested)
        self.strip.edit_requested.connect(self._on_strip_edit_requested)
        self.strip.as_text_requested.connect(self.images.set_as_text)
        self.edit = QuestionEdit(self._handle_mime, self._handle_escape)
        self.edit.submit_requested.connect(self.request_send)
        self.edit.textChanged.connect(self._refresh)
        self.edit.focus_changed.connect(self._on_edit_focus_changed)

        self.action_row = ActionRow(self._detail)
        self.action_row.capture_button.clicked.connect(self.capture_requested)
        self.action_row.attach_button.clicked.connect(self.open_attach_dialog)
        self.action_row.detail_combo.currentIndexChanged.connect(self._on_detail_combo_changed)
        self.action_row.send_button.clicked.connect(self._on_send_button_clicked)
        self.detail_combo = self.action_row.detail_combo
        self.estimate_label = self.action_row.estimate_label
        self.send_button = self.action_row.send_button

        self.box = InputBox()
        inner = QVBoxLayout(self.box)
        inner.setContentsMargins(10, 8, 8, 8)
        inner.setSpacing(6)
        inner.addWidget(self.strip)
        inner.addWidget(self.edit)
        inner.addWidget(self.action_row)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.error_notice)
        layout.addWidget(self.box)
        layout.addWidget(self.budget_notice)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setFocusProxy(self.edit)

    # -- settings from the window ------------------------------------------------
    def model(self) -> str:
        return self._model

    def set_model(self, model: str) -> None:
        if model != self._model:
            self._model = model
            self.images.set_target(model, self._detail)
            self._refresh()

    def set_price_overrides(self, overrides: Mapping[str, Price] | None) -> None:
        self._overrides = dict(overrides or {})
        self._refresh()

    def set_budget_check(self, check: BudgetCheckFn | None) -> None:
        self._budget_check = check
        self._refresh()

    def set_privacy_settings(self, settings: Settings | None) -> None:
        """The live settings whose privacy choices (automatic redaction) apply to new images."""
        self._privacy = settings

    def _redact_kinds(self) -> Sequence[str]:
        privacy = self._privacy
        return tuple(privacy.privacy_kinds) if privacy and privacy.privacy_auto_redact else ()

    def set_send_check(self, check: Callable[[], bool] | None) -> None:
        """A last question before sending (a text-only model with images); False: not sent."""
        self._send_check = check

    def set_context_tokens(self, tokens: int) -> None:
        """Tokens the request carries besides this message (system prompt, earlier turns)."""
        self._context_tokens = max(0, tokens)
        self._refresh()

    def detail(self) -> Detail:
        return self._detail

    def set_detail(self, detail: Detail) -> None:
        self.detail_combo.setCurrentIndex(DETAILS.index(detail))

    def set_busy(self, busy: bool) -> None:
        """While an answer streams, Send becomes Stop and Esc stops it."""
        self._busy = busy
        if busy:
            self._send_pending = False
        self._refresh()

    def is_busy(self) -> bool:
        return self._busy

    def refresh_estimate(self) -> None:
        """Recompute the estimate and budget warning (e.g. after the session's spend grew)."""
        self._refresh()

    def estimate(self) -> Estimate:
        return self._estimate

    def shutdown(self) -> None:
        """Stop preparing images (on quit); no signal arrives afterwards."""
        self.images.shutdown()

    # -- text ----------------------------------------------------------------------
    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        """Replace the question (edit and resend the last one), cursor at the end."""
        self.edit.setPlainText(text)
        self.edit.moveCursor(QTextCursor.MoveOperation.End)

    def focus_question(self) -> None:
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_message(self, text: str) -> None:
        """Show a sentence for the user above the box until dismissed or the next success."""
        self.error_notice.show_text(text, Severity.ERROR)

    def show_note(self, text: str) -> None:
        """Like show_message, for a state worth knowing that is not a problem (an edit)."""
        self.error_notice.show_text(text, Severity.WARNING)

    def clear_message(self) -> None:
        self.error_notice.clear()

    def message(self) -> str:
        return self.error_notice.text()

    # -- attachments -------------------------------------------------------------------
    def attachments(self) -> list[Attachment]:
        return list(self.images)

    def is_ready(self) -> bool:
        """True when every image is prepared for the current model and detail."""
        return self.images.is_ready()

    def has_content(self) -> bool:
        return bool(self.text().strip() or len(self.images))

    def attach_files(self, paths: Iterable[str | os.PathLike[str]]) -> int:
        """Attach image files; each is read and prepared in the background."""
        self.clear_message()  # a new action retires the last complaint
        count = 0
        for item in paths:
            path = Path(item)
            self.images.add(path.name or str(path), path, self._redact_kinds())
            count += 1
        return count

    def attach_qimage(self, image: QImage | QPixmap, name: str = PASTED) -> None:
        """Attach a pasted, dropped or captured image (the QImage is not kept)."""
        if isinstance(image, QPixmap):
            image = image.toImage()
        if image.isNull():
            self.show_message(f"“{name}” is empty. Copy or capture the image again.")
            return
        self.clear_message()
        self.images.add(self._unique(name), image, self._redact_kinds())

    def edit_image(self, key: int) -> ImageEditor | None:
        """Open the editor on an attachment's best pixels; Done replaces the attachment."""
        att = self.images.get(key)
        source = att.source() if att is not None else None
        if att is None or source is None:
            return None  # still decoding: nothing to edit yet
        image = decode_source(source, att.name)
        kinds = tuple(self._privacy.privacy_kinds) if self._privacy else KINDS
        editor = ImageEditor(image, att.name, kinds=kinds, parent=self.window())
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.accepted.connect(partial(self._on_editor_accepted, key, editor, image))
        editor.finished.connect(self.focus_question)  # typing goes on where it belongs
        editor.open()
        return editor

    def _on_editor_accepted(self, key: int, editor: ImageEditor, image: Image.Image) -> None:
        self._send_pending = False  # the message changed: let the user look before sending
        if self.images.edit(key, image, editor.edits()):
            self.image_edited.emit(key)

    def image_texts(self) -> list[tuple[str, str]]:
        """(name, text) of each image sent as its text; take() puts them after the question."""
        return self.images.texts()

    def can_accept_mime(self, mime: QMimeData) -> bool:
        """Whether `mime` holds image data or local files (for a drag-enter handler)."""
        return mime.hasImage() or any(url.isLocalFile() for url in mime.urls())

    def accept_mime(self, mime: QMimeData) -> bool:
        """Attach dropped or pasted files or image data; False when there is none.

        Files win over image data, and image data over text that comes with it
        (browsers offer an image with its HTML).
        """
        files, image = images_in_mime(mime)
        if files:
            self.attach_files(files)
        elif image is not None:
            self.attach_qimage(image)
        return bool(files) or image is not None

    def open_attach_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Attach images", self._last_dir, IMAGE_FILTER)
        if paths:
            self._last_dir = str(Path(paths[0]).parent)
            self.attach_files(paths)
        self.focus_question()

    # -- sending -------------------------------------------------------------------------
    def take(self) -> tuple[str, list[PreparedImage], Detail]:
        """The question, its prepared images and the detail, for sending; clears the composer.

        Images sent as their text are not among the images: their text follows the
        question. Raises RuntimeError while images are still being prepared (wait for
        send_requested).
        """
        question = with_image_texts(self.text(), self.images.texts())
        images = self.images.take()
        self.edit.clear()
        self.clear_message()
        self._send_pending = False
        self._refresh()
        return question, images, self._detail

    def restore(
        self, question: str, images: Iterable[PreparedImage], detail: Detail | None = None
    ) -> None:
        """Put a taken question and its images back exactly, before anything typed since.

        Thumbnails come from the last take(), or are rebuilt from the prepared bytes.
        """
        images = list(images)
        if detail is None and images:
            detail = images[0].detail
        if detail is not None and detail != self._detail:
            self.set_detail(detail)
        typed = self.text()
        if not typed.strip():
            self.set_text(question)
        elif question:
            self.set_text(f"{question}\n\n{typed}")
        self.clear_message()
        self.images.restore(images)
        self._refresh()

    def _unique(self, name: str) -> str:
        names = self.images.names()
        unique, number = name, 2
        while unique in names:
            unique, number = f"{name} {number}", number + 1
        return unique

    # -- internals: state ------------------------------------------------------------------
    def _refresh(self) -> None:
        """Recompute the estimate, the budget warning and the Send button."""
        estimate = estimate_line(
            self._model,
            with_image_texts(self.text(), self.images.texts()),
            self.images.tokens(),
            preparing=self.images.preparing(),
            context_tokens=self._context_tokens,
            overrides=self._overrides,
        )
        line = estimate.text
        if self._send_pending:
            line = f"{line} · sends when ready (Esc cancels)" if line else "Sending when ready…"
        self.estimate_label.setText(line or HINT)
        self.estimate_label.setForegroundRole(
            QPalette.ColorRole.WindowText if line else QPalette.ColorRole.PlaceholderText
        )
        self._refresh_budget(estimate)
        self._refresh_send_button()
        if estimate != self._estimate:
            self._estimate = estimate
            self.estimate_changed.emit(estimate)

    def _refresh_budget(self, estimate: Estimate) -> None:
        check = self._budget_check(estimate.cost) if self._budget_check else None
        warn = {BudgetState.WARNING: Severity.WARNING, BudgetState.EXCEEDED: Severity.ERROR}
        if check is not None and check.message and check.state in warn and self.has_content():
            self.budget_notice.show_text(check.message, warn[check.state])
        else:
            self.budget_notice.clear()

    def _refresh_send_button(self) -> None:
        if self._busy:
            self.send_button.setText("Stop")
            self.send_button.setToolTip("Stop the answer (Esc)")
            self.send_button.setEnabled(True)
        else:
            self.send_button.setText("Send")
            self.send_button.setToolTip("Send (Enter) · Shift+Enter adds a line")
            self.send_button.setEnabled(self.has_content())
        style = send_button_style(self._busy)
        if style != self.send_button.styleSheet():
            self.send_button.setStyleSheet(style)

    def request_send(self) -> None:
        """Send as if the user pressed Enter: waits for images still being prepared."""
        if self._busy or not self.has_content():
            return
        if not self.is_ready():
            self._send_pending = True  # sent when the last image is ready
            self._refresh()
            return
        self._send_pending = False
        self._refresh()
        if self._send_check is not None and not self._send_check():
            return
        self.send_requested.emit()

    def _handle_mime(self, mime: QMimeData, dry_run: bool) -> bool:
        return self.can_accept_mime(mime) if dry_run else self.accept_mime(mime)

    def _handle_escape(self) -> bool:
        if self._busy:
            self.stop_requested.emit()
            return True
        if self._send_pending:
            self._send_pending = False
            self._refresh()
            return True
        return False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.send_button.setStyleSheet("")  # re-resolve palette(...) in the style sheet
            self._refresh_send_button()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc on a thumbnail or button stops too (the question box handles its own)."""
        if event.key() == Qt.Key.Key_Escape and self._handle_escape():
            event.accept()
            return
        super().keyPressEvent(event)

    # -- slots ---------------------------------------------------------------------------
    @Slot()
    def _on_send_button_clicked(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self.request_send()

    @Slot(int)
    def _on_detail_combo_changed(self, index: int) -> None:
        self._detail = DETAILS[index]
        self.images.set_target(self._model, self._detail)
        self._refresh()

    @Slot(bool)
    def _on_edit_focus_changed(self, focused: bool) -> None:
        self.box.focused = focused
        self.box.update()

    @Slot(int)
    def _on_strip_remove_requested(self, key: int) -> None:
        self._send_pending = False  # the message changed after Enter: let the user send again
        self.images.remove(key)

    @Slot(int)
    def _on_strip_view_requested(self, key: int) -> None:
        att = self.images.get(key)
        if att is not None and att.prepared is not None:  # else still decoding: nothing to show
            view_attachment(att.prepared, att.copy, self.window())

    @Slot(int)
    def _on_strip_edit_requested(self, key: int) -> None:
        self.edit_image(key)

    @Slot(int, int)
    def _on_images_added(self, key: int, index: int) -> None:
        att = self.images.get(key)
        if att is not None:
            self.strip.add_chip(key, att.name, index)
        self._refresh()
        self.attachments_changed.emit()

    @Slot(int)
    def _on_images_updated(self, key: int) -> None:
        att = self.images.get(key)
        chip = self.strip.chip(key)
        if att is not None and chip is not None:
            chip.set_thumbnail(att.thumbnail)
            chip.set_as_text(att.as_text)
            caption = self.images.caption(att)
            if att.as_text and att.text is not None and not att.working:
                tokens = self.images.image_tokens(att)
                caption = text_saving(self._model, tokens, att.text, self._overrides)
            chip.set_caption(caption)
        self._refresh()
        self.attachments_changed.emit()

    @Slot(int)
    def _on_images_removed(self, key: int) -> None:
        self.strip.remove_chip(key)
        focused = self.focusWidget()
        if not len(self.images) and focused is not None and self.strip.isAncestorOf(focused):
            self.focus_question()
        self._refresh()
        self.attachments_changed.emit()

    @Slot(int, str)
    def _on_images_failed(self, _key: int, message: str) -> None:
        lines = [line for line in (self.message(), message) if line]
        self.show_message("\n".join(lines))
        self._send_pending = False  # let the user see what is missing before sending

    @Slot()
    def _on_images_prepared(self) -> None:
        if self._send_pending:
            self.request_send()
