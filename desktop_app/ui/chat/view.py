"""The conversation: user messages and answers in one scroll area that follows the stream.

Each answer is its own MarkdownBrowser sized to its content, so the chat's
scroll area is the only scrollbar. While an answer streams the view stays at the
bottom, unless the user scrolls up to read; scrolling back down resumes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from desktop_app.ui.chat.messages import AnswerWidget, ErrorBlock, UserMessageWidget
from desktop_app.ui.common.workers import Worker

__all__ = ["AnswerWidget", "ChatView", "ErrorBlock", "UserMessageWidget"]

COLUMN_MAX_WIDTH = 900  # long lines are hard to read; wider windows get margins
_BOTTOM_SLACK = 4  # pixels from the end that still count as "at the bottom"
_warm_up: list[Worker] = []  # one per process: the imports are cached afterwards


def _warm_up_renderer() -> None:
    """Load the Markdown parser and lexers on a worker while the first answer is awaited."""
    if not _warm_up:
        _warm_up.append(Worker(_warm_up_job, name="render-warm-up"))
        _warm_up[0].start()  # waited for at quit with every other worker


def _warm_up_job() -> None:
    from desktop_app.core.markdown_html import warm_up  # imported here, on the worker

    warm_up()


class ChatView(QScrollArea):
    """Shows a conversation; answers render Markdown as they stream.

    Signals:
        image_clicked(int, int): (message index, image index) of a clicked thumbnail;
            the message index counts every message shown, from 0.
        retry_requested(int): Retry was clicked at an answer's error (its stored id, or -1).
        version_requested(int, int): (answer id, -1 or +1): page that answer's versions.
        settings_requested(): Open Settings was clicked at an answer's error.
        link_opened(QUrl): a link in an answer was opened in the system browser.
    """

    image_clicked = Signal(int, int)
    retry_requested = Signal(int)
    version_requested = Signal(int, int)
    settings_requested = Signal()
    link_opened = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget(self)
        content.setBackgroundRole(QPalette.ColorRole.Base)
        content.setAutoFillBackground(True)
        outer = QHBoxLayout(content)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.addStretch(0)
        self._column = QWidget(content)
        self._column.setMaximumWidth(COLUMN_MAX_WIDTH)
        self._layout = QVBoxLayout(self._column)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(16)
        self._layout.addStretch(1)  # messages sit at the top until they fill the view
        outer.addWidget(self._column, 1)
        outer.addStretch(0)
        self.setWidget(content)
        self._messages: list[QWidget] = []
        self._follow = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_scrollbar_range_changed)
        bar.valueChanged.connect(self._on_scrollbar_value_changed)

    # --- public ----------------------------------------------------------------------

    def clear(self) -> None:
        """Remove every message (another conversation is about to be shown)."""
        for widget in self._messages:
            self._layout.removeWidget(widget)
            widget.deleteLater()
        self._messages.clear()
        self._follow = True

    def add_user_message(
        self, text: str, images: Sequence[tuple[QImage, str]] = ()
    ) -> UserMessageWidget:
        """Show the user's message; `images` are (thumbnail ≤ 160 px, caption) pairs."""
        widget = UserMessageWidget(text, images, self._column)
        widget.image_clicked.connect(self._on_user_image_clicked)
        self._append(widget)
        self._follow = True  # the user just sent this: show it and what follows
        return widget

    def add_answer(
        self, text: str = "", *, footer: str = "", status: str | None = None
    ) -> AnswerWidget:
        """Show an answer: a finished one from history, or (no arguments) one about to stream."""
        widget = AnswerWidget(self._column)
        widget.retry_requested.connect(self._on_answer_retry_requested)
        widget.version_requested.connect(self._on_answer_version_requested)
        widget.settings_requested.connect(self.settings_requested)
        widget.link_opened.connect(self.link_opened)
        if text or footer or status is not None:
            widget.set_text(text)
            widget.finish(footer=footer, status=status)
        else:
            _warm_up_renderer()
        self._append(widget)
        return widget

    def last_answer(self) -> AnswerWidget | None:
        """The most recent answer, if the last message is one."""
        last = self._messages[-1] if self._messages else None
        return last if isinstance(last, AnswerWidget) else None

    def remove_last_answer(self) -> None:
        """Drop the last answer (to ask for it again); nothing happens if there is none."""
        answer = self.last_answer()
        if answer is not None:
            self._messages.pop()
            self._layout.removeWidget(answer)
            answer.deleteLater()

    def messages(self) -> list[QWidget]:
        """The message widgets shown, oldest first."""
        return list(self._messages)

    def is_following(self) -> bool:
        """Whether the view keeps the newest text in sight (the user has not scrolled up)."""
        return self._follow

    # --- internals -------------------------------------------------------------------

    def _append(self, widget: QWidget) -> None:
        self._layout.insertWidget(self._layout.count() - 1, widget)
        widget.show()  # now, not at the layout's next pass
        self._messages.append(widget)
        if self._follow:
            self._scroll_to_bottom()

    def _scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(maximum)

    def _on_scrollbar_value_changed(self, value: int) -> None:
        # Content growth never moves the value, so a change is the user (or our own
        # jump to the bottom): follow exactly when the view is at the bottom.
        self._follow = value >= self.verticalScrollBar().maximum() - _BOTTOM_SLACK

    def _on_answer_retry_requested(self) -> None:
        sender = self.sender()
        message_id = getattr(sender, "message_id", None)
        self.retry_requested.emit(message_id if message_id is not None else -1)

    def _on_answer_version_requested(self, step: int) -> None:
        message_id = getattr(self.sender(), "message_id", None)
        if message_id is not None:
            self.version_requested.emit(message_id, step)

    def _on_user_image_clicked(self, image_index: int) -> None:
        sender = self.sender()
        if sender in self._messages:
            self.image_clicked.emit(self._messages.index(sender), image_index)
