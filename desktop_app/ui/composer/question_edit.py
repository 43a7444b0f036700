"""The question box: Enter sends, Shift+Enter breaks the line, pasted images attach.

Text only ever goes in as plain text (rich text from a browser or an office
suite is flattened). Images and image files on the clipboard, or dropped on the
box, are handed to the composer through `mime_handler` instead of being
inserted.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QSizePolicy, QWidget

PLACEHOLDER = "Ask about a screenshot… Paste (Ctrl+V), drop or attach an image"
MIN_LINES = 2
MAX_LINES = 10  # then it scrolls


class QuestionEdit(QPlainTextEdit):
    """A plain-text box that grows with its text from two to ten lines.

    `mime_handler(mime, dry_run)` says whether the composer takes `mime` as
    images (dry_run=True only asks); when it does, nothing is inserted.
    `escape_handler()` says whether Esc stopped something; if not, the key goes
    on to the window.

    Signals:
        submit_requested(): Enter or Ctrl+Enter was pressed.
        focus_changed(bool): the box gained (True) or lost (False) keyboard focus.
    """

    submit_requested = Signal()
    focus_changed = Signal(bool)

    def __init__(
        self,
        mime_handler: Callable[[QMimeData, bool], bool] | None = None,
        escape_handler: Callable[[], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._mime_handler = mime_handler
        self._escape_handler = escape_handler
        self.setPlaceholderText(PLACEHOLDER)
        self.setTabChangesFocus(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Question")
        self.document().documentLayout().documentSizeChanged.connect(self._on_layout_resized)
        self._fit_height()

    # -- text --------------------------------------------------------------------
    def text(self) -> str:
        """The text exactly as typed (no-break spaces kept, unlike toPlainText())."""
        return self.document().toRawText().replace("\u2029", "\n")

    # -- height ------------------------------------------------------------------
    def _lines(self) -> int:
        return max(MIN_LINES, min(MAX_LINES, self.document().lineCount()))

    def _height_for(self, lines: int) -> int:
        margins = self.contentsMargins()
        document = 2 * self.document().documentMargin()
        return int(
            lines * self.fontMetrics().lineSpacing()
            + document
            + margins.top()
            + margins.bottom()
            + 2 * self.frameWidth()
        )

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height_for(self._lines()))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._height_for(MIN_LINES))

    def _fit_height(self) -> None:
        height = self._height_for(self._lines())
        if height != self.height():
            self.setFixedHeight(height)

    def _on_layout_resized(self, *_args: object) -> None:
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()  # a new width re-wraps the lines

    # -- keys --------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if modifiers == Qt.KeyboardModifier.ShiftModifier:
                self.textCursor().insertText("\n")  # a plain newline, not a U+2028 soft break
                self.ensureCursorVisible()
                return
            if modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier):
                self.submit_requested.emit()
                return
        if key == Qt.Key.Key_Escape and modifiers == Qt.KeyboardModifier.NoModifier:
            if self._escape_handler is not None and self._escape_handler():
                return
            event.ignore()  # nothing to stop here: the window may want it
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focus_changed.emit(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_changed.emit(False)

    # -- paste and drop ------------------------------------------------------------
    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        if self._mime_handler is not None and self._mime_handler(source, True):
            return True
        return source.hasText()

    def insertFromMimeData(self, source: QMimeData) -> None:
        if self._mime_handler is not None and self._mime_handler(source, False):
            return
        if source.hasText():
            self.textCursor().insertText(source.text())  # plain text, never rich text
            self.ensureCursorVisible()
