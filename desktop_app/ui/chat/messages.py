"""The pieces of a conversation: the user's message, an answer, an error at an answer.

Colours come from the palette (blends of its roles), so light and dark themes
both work and a theme switch repaints correctly; buttons are text, not bitmaps,
so they stay crisp at any scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.chat.waiting import WaitingIndicator
from desktop_app.ui.markdown.browser import MarkdownBrowser

THUMBNAIL_HEIGHT = 72  # logical pixels; callers pass images up to 160 px, sharp at 200 %
_ERROR_HUE = QColor(0xD9, 0x3F, 0x3F)


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * amount),
        round(a.green() + (b.green() - a.green()) * amount),
        round(a.blue() + (b.blue() - a.blue()) * amount),
    )


_W = TypeVar("_W", bound=QWidget)


def _muted(label: _W, *, smaller: bool = True) -> _W:
    """Secondary text: the palette's placeholder colour, a little smaller."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    if smaller:
        font = label.font()
        font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
        label.setFont(font)
    return label


class _Thumbnail(QToolButton):
    """A clickable image preview with its caption underneath."""

    def __init__(self, image: QImage, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setText(caption)
        self.setToolTip("Show the image full size")
        pixmap = QPixmap.fromImage(image)
        height = min(THUMBNAIL_HEIGHT, max(image.height(), 1))
        width = max(1, round(image.width() * height / max(image.height(), 1)))
        # The icon keeps the full thumbnail, so it is drawn sharp on a 2x screen.
        self.setIcon(QIcon(pixmap))
        self.setIconSize(QSize(width, height))
        _muted(self)


class UserMessageWidget(QFrame):
    """The user's question, with thumbnails of the images sent with it.

    Signals:
        image_clicked(int): the thumbnail at this index was clicked.
    """

    image_clicked = Signal(int)

    def __init__(
        self, text: str, images: Sequence[tuple[QImage, str]] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(8)
        self._thumbnails: list[_Thumbnail] = []
        if images:
            row = QHBoxLayout()
            row.setSpacing(6)
            for image, caption in images:
                thumbnail = _Thumbnail(image, caption, self)
                thumbnail.clicked.connect(self._on_thumbnail_clicked)
                self._thumbnails.append(thumbnail)
                row.addWidget(thumbnail)
            row.addStretch(1)
            layout.addLayout(row)
        self.text_label = QLabel(text, self)
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setVisible(bool(text))
        layout.addWidget(self.text_label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def thumbnails(self) -> list[QToolButton]:
        return list(self._thumbnails)

    def _on_thumbnail_clicked(self) -> None:
        sender = self.sender()
        if sender in self._thumbnails:
            self.image_clicked.emit(self._thumbnails.index(sender))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_mix(palette.base().color(), palette.highlight().color(), 0.10))
        painter.drawRoundedRect(self.rect(), 10, 10)
        painter.end()
        super().paintEvent(event)


class ErrorBlock(QFrame):
    """What went wrong at an answer, in a sentence, and what the user can do about it.

    Signals:
        retry_requested(): the user wants the answer asked for again.
        settings_requested(): the user wants to fix the key or provider.
    """

    retry_requested = Signal()
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.icon)
        column = QVBoxLayout()
        column.setSpacing(8)
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.message_label)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.clicked.connect(self.retry_requested)
        self.settings_button = QPushButton("Open Settings", self)
        self.settings_button.clicked.connect(self.settings_requested)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.settings_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        layout.addLayout(column, 1)
        self._update_icon()

    def set_error(self, message: str, *, offer_settings: bool) -> None:
        self.message_label.setText(message)
        self.settings_button.setVisible(offer_settings)

    def _update_icon(self) -> None:
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 4
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.icon.setPixmap(icon.pixmap(QSize(size, size), self.devicePixelRatioF()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = self.palette().base().color()
        painter.setPen(_mix(base, _ERROR_HUE, 0.55))
        painter.setBrush(_mix(base, _ERROR_HUE, 0.08))
        painter.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), 8, 8)
        painter.end()
        super().paintEvent(event)


class AnswerWidget(QFrame):
    """An answer: rendered Markdown that streams in, a footer line, a status, a copy button.

    `append_text` only accumulates; the text is rendered at most once per frame.

    `message_id` is the stored answer shown (None while a new one starts).

    Signals:
        retry_requested(): the error block's Retry was clicked.
        settings_requested(): the error block's Open Settings was clicked.
        link_opened(QUrl): a link was opened in the system browser.
        version_requested(int): show the previous (-1) or next (+1) version.
    """

    retry_requested = Signal()
    settings_requested = Signal()
    link_opened = Signal(QUrl)
    version_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_id: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 4, 2, 4)
        layout.setSpacing(6)
        self.browser = MarkdownBrowser(self)
        self.browser.link_opened.connect(self.link_opened)
        layout.addWidget(self.browser)
        self.waiting = WaitingIndicator(self)
        layout.addWidget(self.waiting)
        self.error_block = ErrorBlock(self)
        self.error_block.retry_requested.connect(self.retry_requested)
        self.error_block.settings_requested.connect(self.settings_requested)
        self.error_block.hide()
        layout.addWidget(self.error_block)

        footer = QHBoxLayout()
        footer.setSpacing(10)
        self.status_label = QLabel(self)
        font = self.status_label.font()
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
        self.status_label.setFont(font)
        self.footer_label = _muted(QLabel(self))
        self.footer_label.setWordWrap(True)  # in a narrow window (200 %) the chat never overflows
        self.footer_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QToolButton(self)
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the answer as Markdown")
        self.copy_button.setAutoRaise(True)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        # "‹ 2/3 ›": versions of this answer (regenerated, retried, or an edit's).
        self.previous_button = QToolButton(self)
        self.previous_button.setText("‹")
        self.previous_button.setToolTip("Previous version of this answer")
        self.previous_button.setAccessibleName("Previous version")
        self.previous_button.setAutoRaise(True)
        self.previous_button.clicked.connect(self._on_previous_clicked)
        self.version_label = _muted(QLabel(self))
        self.next_button = QToolButton(self)
        self.next_button.setText("›")
        self.next_button.setToolTip("Next version of this answer")
        self.next_button.setAccessibleName("Next version")
        self.next_button.setAutoRaise(True)
        self.next_button.clicked.connect(self._on_next_clicked)
        for widget in (self.previous_button, self.version_label, self.next_button):
            footer.addWidget(widget)
        footer.addWidget(self.status_label)
        footer.addWidget(self.footer_label, 100)  # the spare width: it wraps only when narrow
        footer.addStretch(1)
        footer.addWidget(self.copy_button)
        layout.addLayout(footer)
        for widget in (
            self.status_label,
            self.footer_label,
            self.copy_button,
            self.previous_button,
            self.version_label,
            self.next_button,
        ):
            widget.hide()
        self._finished = False

    def text(self) -> str:
        """The answer's Markdown as received."""
        return self.browser.markdown()

    def is_finished(self) -> bool:
        return self._finished

    def append_text(self, chunk: str) -> None:
        """Add a streamed piece; cheap, the render happens at the next frame."""
        if chunk:
            self.waiting.hide()
            self.browser.append_markdown(chunk)

    def set_text(self, text: str) -> None:
        """Show a whole answer at once (from history)."""
        self.waiting.hide()
        self.browser.set_markdown(text)

    def finish(self, *, footer: str = "", status: str | None = None) -> None:
        """The answer ended: render the rest now and show the footer and status."""
        self._finished = True
        self.waiting.hide()
        self.browser.finish()
        self.browser.setVisible(bool(self.text()))
        self.status_label.setText(status or "")
        self.status_label.setVisible(bool(status))
        self.footer_label.setText(footer)
        self.footer_label.setVisible(bool(footer))
        self.copy_button.setVisible(bool(self.text()))

    def set_version(self, version: int, versions: int) -> None:
        """Show "‹ n/of ›" when there is more than one version."""
        several = versions > 1
        self.version_label.setText(f"{version}/{versions}")
        self.version_label.setAccessibleName(f"Version {version} of {versions}")
        for widget in (self.previous_button, self.version_label, self.next_button):
            widget.setVisible(several)
        self.previous_button.setEnabled(version > 1)
        self.next_button.setEnabled(version < versions)

    def _on_previous_clicked(self) -> None:
        self.version_requested.emit(-1)

    def _on_next_clicked(self) -> None:
        self.version_requested.emit(1)

    def show_error(self, message: str, *, offer_settings: bool) -> None:
        """Show what went wrong under the answer, with Retry (and Open Settings if asked)."""
        self.waiting.hide()
        self.error_block.set_error(message, offer_settings=offer_settings)
        self.error_block.show()

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied")
        QTimer.singleShot(1500, self, self._on_copied_timeout)

    def _on_copied_timeout(self) -> None:
        self.copy_button.setText("Copy")
