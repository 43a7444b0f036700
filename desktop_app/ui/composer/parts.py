"""Parts of the composer: the cost estimate, inline notices, the input box, the button row.

`estimate_line` is plain arithmetic on what the composer holds, so it runs on
every keystroke: token counts come from `image_tokens` on original sizes, never
from re-encoding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from desktop_app.core.events import DETAILS, Detail
from desktop_app.core.pricing import Price, estimate_cost, estimate_text_tokens, format_usd
from desktop_app.ui.common.icons import capture_icon, image_icon

DETAIL_TIPS = {
    "auto": "The server picks the detail; estimated as high, the most it can cost.",
    "low": "One 512-px view of each image: cheapest, too coarse for small text.",
    "high": "Full detail: best for small text, costs the most.",
}


@dataclass(frozen=True)
class Estimate:
    """What the next request will cost before the answer; None where it cannot be known."""

    tokens: int | None
    cost: float | None
    text: str  # the line the composer shows ("" when there is nothing to send)


def estimate_line(
    model: str,
    question: str,
    image_tokens: Sequence[int | None],
    *,
    preparing: int = 0,
    context_tokens: int = 0,
    overrides: Mapping[str, Price] | None = None,
) -> Estimate:
    """Tokens and dollars for the question, its images and earlier context.

    `image_tokens` has one entry per image whose size is known (None: the model's
    image pricing is unknown); `preparing` counts images not decoded yet.
    """
    if preparing:
        noun = "image" if preparing == 1 else "images"
        return Estimate(None, None, f"Preparing {preparing} {noun}…")
    if not question.strip() and not image_tokens:
        return Estimate(None, None, "")
    known = estimate_text_tokens(question) + context_tokens
    known += sum(t for t in image_tokens if t is not None)
    if any(t is None for t in image_tokens):
        return Estimate(None, None, f"≈ {known:,} tokens + images of unknown cost on {model}")
    cost = estimate_cost(model, known, 0, overrides)
    if cost is None:
        price = f"price of {model} unknown"
    elif 0 < cost < 0.0000005:
        price = "< $0.000001"  # format_usd would round it to nothing
    else:
        price = format_usd(cost)
    return Estimate(known, cost, f"≈ {known:,} tokens · {price} before the answer")


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def severity_colours(palette: QPalette, severity: Severity) -> tuple[QColor, QColor, QColor]:
    """(text, background, border) that read well on the current light or dark palette."""
    dark = is_dark(palette)
    if severity is Severity.ERROR:
        names = ("#ff9b91", "#3b1f1f", "#6e2f2c") if dark else ("#b42318", "#fef3f2", "#f7c1bb")
    else:
        names = ("#f5b83d", "#33280f", "#6b5414") if dark else ("#8a4b08", "#fffaeb", "#f3d58a")
    return QColor(names[0]), QColor(names[1]), QColor(names[2])


class _Badge(QWidget):
    """A round "!" drawn as vectors, so it stays crisp at any scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor("red")
        side = self.fontMetrics().height()
        self.setFixedSize(side, side)

    def paintEvent(self, _event: QEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colour)
        painter.drawEllipse(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(max(8, int(self.height() * 0.7)))
        painter.setFont(font)
        painter.setPen(QPen(QColor("white") if not is_dark(self.palette()) else QColor("black")))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "!")


class InlineNotice(QFrame):
    """A sentence in a tinted box, for a problem the user should read; hidden when empty.

    Signals:
        dismissed(): the user closed it with its × button.
    """

    dismissed = Signal()

    def __init__(
        self, severity: Severity, *, closable: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._severity = severity
        self._badge = _Badge()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        layout.addWidget(self._badge, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self.close_button: QToolButton | None = None
        if closable:
            self.close_button = QToolButton()
            self.close_button.setText("×")
            self.close_button.setAutoRaise(True)
            self.close_button.setToolTip("Dismiss")
            self.close_button.setAccessibleName("Dismiss message")
            self.close_button.clicked.connect(self._on_close_button_clicked)
            layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._apply_colours()
        self.hide()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def show_text(self, text: str, severity: Severity | None = None) -> None:
        if severity is not None and severity is not self._severity:
            self._severity = severity
            self._apply_colours()
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.label.clear()
        self.hide()

    def _on_close_button_clicked(self) -> None:
        self.clear()
        self.dismissed.emit()

    def _apply_colours(self) -> None:
        text, _, _ = severity_colours(self.palette(), self._severity)
        palette = self.label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, text)
        self.label.setPalette(palette)
        self._badge.colour = text
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_colours()

    def paintEvent(self, _event: QEvent) -> None:
        _, background, border = severity_colours(self.palette(), self._severity)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, 1))
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)


class ElidedLabel(QLabel):
    """One line that shortens with "…" instead of widening its parent; full text as tooltip."""

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(min(super().sizeHint().width(), 480), super().sizeHint().height())

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tooltip()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def _shown(self) -> str:
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, width)

    def _update_tooltip(self) -> None:
        self.setToolTip(self.text() if self._shown() != self.text() else "")

    def paintEvent(self, _event: QEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), self._shown())


class InputBox(QFrame):
    """The rounded field around text, thumbnails and buttons; its border shows focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.focused = False

    def paintEvent(self, _event: object) -> None:
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        role = QPalette.ColorRole.Highlight if self.focused else QPalette.ColorRole.Mid
        painter.setPen(QPen(palette.color(role), 1.5 if self.focused else 1.0))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 10, 10)


def tool_button(text: str, tip: str, icon: QIcon | None = None) -> QToolButton:
    """A flat button with a line icon beside its text."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    if icon is not None:
        button.setIcon(icon)
        side = button.fontMetrics().height()
        button.setIconSize(QSize(side, side))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    else:
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


def send_button_style(busy: bool) -> str:
    """Send is the primary action (highlight colours); Stop is a plain button."""
    if busy:
        return ""
    return (
        "QPushButton#composer-send { background: palette(highlight);"
        " color: palette(highlighted-text); border: none; border-radius: 6px;"
        " padding: 5px 18px; font-weight: 600; }"
        "QPushButton#composer-send:disabled { background: palette(midlight);"
        " color: palette(mid); }"
        "QPushButton#composer-send:focus { outline: none; border: 2px solid palette(text); }"
    )


class ActionRow(QWidget):
    """Capture, Attach, the detail choice, the estimate line and Send, left to right."""

    def __init__(self, detail: Detail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.capture_button = tool_button(
            "Capture", "Capture a screen region (Ctrl+Shift+X)", capture_icon()
        )
        self.attach_button = tool_button("Attach…", "Attach image files (Ctrl+O)", image_icon())
        self.detail_combo = QComboBox()
        for index, value in enumerate(DETAILS):
            self.detail_combo.addItem(value.capitalize(), value)
            self.detail_combo.setItemData(index, DETAIL_TIPS[value], Qt.ItemDataRole.ToolTipRole)
        self.detail_combo.setCurrentIndex(DETAILS.index(detail))
        self.detail_combo.setToolTip("How closely the model looks at the images")
        self.detail_combo.setAccessibleName("Image detail")
        detail_label = QLabel("&Detail")
        detail_label.setBuddy(self.detail_combo)
        self.estimate_label = ElidedLabel()
        self.estimate_label.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self.estimate_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("composer-send")

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.capture_button)
        row.addWidget(self.attach_button)
        row.addSpacing(8)
        row.addWidget(detail_label)
        row.addWidget(self.detail_combo)
        row.addSpacing(8)
        row.addWidget(self.estimate_label, 1)
        row.addWidget(self.send_button)


def with_image_texts(question: str, texts: Sequence[tuple[str, str]]) -> str:
    """The question followed by the text of each image sent as its text."""
    if not texts:
        return question
    blocks = [question.rstrip()] if question.strip() else []
    blocks += [f"Text read from the image “{name}”:\n{text}" for name, text in texts]
    return "\n\n".join(blocks)


def text_saving(
    model: str, image_tokens: int | None, text: str, overrides: Mapping[str, Price] | None
) -> str:
    """E.g. "Sent as text · 42 tokens\\nsaves 8,458 tokens ($0.0013)"."""
    tokens = estimate_text_tokens(text)
    line = f"Sent as text · {tokens:,} tokens"
    if image_tokens is None or image_tokens <= tokens:
        return line
    saved = image_tokens - tokens
    cost = estimate_cost(model, saved, 0, overrides)
    money = f" ({format_usd(cost)})" if cost and cost >= 0.0000005 else ""
    return f"{line}\nsaves {saved:,} tokens{money}"
