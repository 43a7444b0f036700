"""The strip of attachment thumbnails under the question: view on click, edit on double-click
(or E), remove with ×; the chip's menu also sends an image's text instead of its pixels."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QMenu,
    QScrollArea,
    QToolButton,
    QWidget,
)

from desktop_app.core import ocr

THUMB_BOX = QSize(80, 56)  # logical px: a 160-px thumbnail stays crisp at 200%
PAD = 6
RADIUS = 8
TEXT_MIN, TEXT_MAX = 120, 190
REMOVE_SIZE = 22
CAPTION_SAMPLE = "1365×768 · 36,835 tokens"


class AttachmentChip(QWidget):
    """A thumbnail with the image's name and cost; click or Enter views it, Delete removes.

    Signals:
        remove_requested(): the × was pressed, or Delete/Backspace on the focused chip.
        view_requested(): clicked, or Enter/Space on the focused chip.
        edit_requested(): double-clicked, E on the focused chip, or "Edit…" in its menu.
        as_text_requested(bool): "Send the text instead of the image" was toggled in its menu.
    """

    remove_requested = Signal()
    view_requested = Signal()
    edit_requested = Signal()
    as_text_requested = Signal(bool)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._caption = "Preparing…"
        self._thumbnail: QImage | None = None
        self._pressed = False
        self._as_text = False
        # A click views only once it is clearly not the first half of a double-click.
        self._click_timer = QTimer(self)
        self._click_timer.setSingleShot(True)
        self._click_timer.setInterval(QApplication.doubleClickInterval())
        self._click_timer.timeout.connect(self.view_requested)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setToolTip(
            f"{name}\nClick or press Enter to view · double-click or E edits · Delete removes it"
        )
        self.remove_button = QToolButton(self)
        self.remove_button.setText("×")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.remove_button.setCursor(Qt.CursorShape.ArrowCursor)
        self.remove_button.setToolTip("Remove this image (Delete)")
        self.remove_button.setAccessibleName(f"Remove {name}")
        self.remove_button.clicked.connect(self.remove_requested)
        self._update_accessible()
        self._layout_button()

    # -- state -------------------------------------------------------------------
    def name(self) -> str:
        return self._name

    def caption(self) -> str:
        return self._caption

    def set_caption(self, text: str) -> None:
        if text != self._caption:
            self._caption = text
            self._update_accessible()
            self.updateGeometry()
            self.update()

    def set_as_text(self, as_text: bool) -> None:
        """Whether the menu shows "Send the text instead of the image" as checked."""
        self._as_text = as_text

    def set_thumbnail(self, image: QImage | None) -> None:
        self._thumbnail = image
        self.update()

    def _update_accessible(self) -> None:
        self.setAccessibleName(f"Image {self._name}")
        self.setAccessibleDescription(self._caption)

    # -- geometry ----------------------------------------------------------------
    def _small_font(self) -> QFont:
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 0.9)
        return font

    def _text_width(self) -> int:
        # Sized for the longest usual caption, so a chip keeps its width while preparing.
        caption = QFontMetrics(self._small_font()).horizontalAdvance(CAPTION_SAMPLE)
        wanted = max(self.fontMetrics().horizontalAdvance(self._name), caption)
        return int(min(TEXT_MAX, max(TEXT_MIN, wanted + 2)))

    def sizeHint(self) -> QSize:
        width = PAD + THUMB_BOX.width() + 10 + self._text_width() + REMOVE_SIZE + PAD
        return QSize(width, THUMB_BOX.height() + 2 * PAD)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._layout_button()

    def _layout_button(self) -> None:
        self.remove_button.setGeometry(self.width() - REMOVE_SIZE - 3, 3, REMOVE_SIZE, REMOVE_SIZE)

    # -- painting ----------------------------------------------------------------
    def paintEvent(self, _event: QEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        palette = self.palette()
        frame = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self.hasFocus():
            border, width = palette.color(QPalette.ColorRole.Highlight), 2.0
        elif self.underMouse():
            border, width = palette.color(QPalette.ColorRole.Mid), 1.0
        else:
            border, width = _blend(palette, QPalette.ColorRole.Mid, 0.55), 1.0
        painter.setPen(QPen(border, width))
        painter.setBrush(palette.color(QPalette.ColorRole.Window))
        painter.drawRoundedRect(frame, RADIUS, RADIUS)

        box = QRect(PAD, PAD, THUMB_BOX.width(), THUMB_BOX.height())
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(box), 5, 5)
        painter.save()
        painter.setClipPath(clip)
        painter.fillRect(box, _blend(palette, QPalette.ColorRole.Mid, 0.35))
        if self._thumbnail is not None and not self._thumbnail.isNull():
            size = self._thumbnail.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, self._thumbnail)
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "…")
        painter.restore()

        left = box.right() + 10
        text_rect = QRect(left, PAD + 4, self.width() - left - REMOVE_SIZE - PAD, 0)
        metrics = self.fontMetrics()
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        name = metrics.elidedText(self._name, Qt.TextElideMode.ElideMiddle, text_rect.width())
        painter.drawText(
            text_rect.adjusted(0, 0, 0, metrics.height()), Qt.AlignmentFlag.AlignLeft, name
        )
        small = self._small_font()
        painter.setFont(small)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        caption_rect = text_rect.adjusted(0, metrics.height() + 4, 0, metrics.height() * 3)
        painter.drawText(
            caption_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
            self._caption,
        )

    # -- input -------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.remove_requested.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.view_requested.emit()
        elif key == Qt.Key.Key_E and not event.modifiers():
            self.edit_requested.emit()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = True
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        inside = self.rect().contains(event.position().toPoint())
        if self._pressed and event.button() == Qt.MouseButton.LeftButton and inside:
            self._click_timer.start()
        self._pressed = False
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._click_timer.stop()
            self._pressed = False
            self.edit_requested.emit()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        menu.addAction("&View", self.view_requested.emit)
        menu.addAction("&Edit…", self.edit_requested.emit)
        if ocr.available():  # without Tesseract the menu offers no OCR at all
            as_text = menu.addAction("Send the &text instead of the image")
            as_text.setCheckable(True)
            as_text.setChecked(self._as_text)
            as_text.setToolTip("Reads the text on this computer and sends it: far fewer tokens")
            as_text.toggled.connect(self.as_text_requested)
        menu.addSeparator()
        menu.addAction("&Remove", self.remove_requested.emit)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()


class AttachmentStrip(QScrollArea):
    """A row of chips that scrolls sideways when there are more than fit; hidden when empty.

    Signals:
        remove_requested(int): the chip for this key asked to be removed.
        view_requested(int): the chip for this key asked to be viewed.
        edit_requested(int): the chip for this key asked to be edited.
        as_text_requested(int, bool): send this key's text instead of its pixels (or not).
    """

    remove_requested = Signal(int)
    view_requested = Signal(int)
    edit_requested = Signal(int)
    as_text_requested = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._chips: dict[int, AttachmentChip] = {}
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.viewport().setAutoFillBackground(False)
        inner = QWidget()
        self._row = QHBoxLayout(inner)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(8)
        self._row.addStretch(1)
        self.setWidget(inner)
        inner.setAutoFillBackground(False)  # setWidget() turned it on: show the box behind
        self.hide()

    def chip(self, key: int) -> AttachmentChip | None:
        return self._chips.get(key)

    def keys(self) -> list[int]:
        return list(self._chips)

    def add_chip(self, key: int, name: str, index: int | None = None) -> AttachmentChip:
        """Add a chip at `index` among the chips (default: last)."""
        chip = AttachmentChip(name)
        chip.remove_requested.connect(lambda: self.remove_requested.emit(key))
        chip.view_requested.connect(lambda: self.view_requested.emit(key))
        chip.edit_requested.connect(lambda: self.edit_requested.emit(key))
        chip.as_text_requested.connect(lambda on: self.as_text_requested.emit(key, on))
        self._chips[key] = chip
        last = self._row.count() - 1  # the stretch stays last
        self._row.insertWidget(last if index is None else min(index, last), chip)
        self.show()
        self._update_height()
        self.ensureWidgetVisible(chip)
        return chip

    def remove_chip(self, key: int) -> None:
        """Remove a chip; if it had focus, focus moves to its neighbour."""
        chip = self._chips.pop(key, None)
        if chip is None:
            return
        keys = list(self._chips)
        had_focus = chip.hasFocus() or chip.remove_button.hasFocus()
        index = self._row.indexOf(chip)
        self._row.removeWidget(chip)
        chip.deleteLater()
        if had_focus and keys:
            neighbour = self._chips[keys[min(index, len(keys) - 1)]]
            neighbour.setFocus(Qt.FocusReason.OtherFocusReason)
        self.setVisible(bool(self._chips))
        self._update_height()

    def clear_chips(self) -> None:
        for key in list(self._chips):
            self.remove_chip(key)

    def _update_height(self) -> None:
        if not self._chips:
            return
        chip_height = max(chip.sizeHint().height() for chip in self._chips.values())
        inner = self.widget()
        content = inner.sizeHint().width() if inner is not None else 0
        overflow = content > self.viewport().width() if self.isVisible() else False
        bar = self.horizontalScrollBar().sizeHint().height() if overflow else 0
        self.setFixedHeight(chip_height + bar + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_height()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """A vertical wheel scrolls the row sideways."""
        delta = event.angleDelta()
        if delta.x() == 0 and delta.y() != 0:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - delta.y())
            event.accept()
            return
        super().wheelEvent(event)


def _blend(palette: QPalette, role: QPalette.ColorRole, amount: float) -> QColor:
    """`role`'s colour mixed `amount` of the way from the window colour (follows light/dark)."""
    base = palette.color(QPalette.ColorRole.Window)
    other = palette.color(role)
    return QColor(
        round(base.red() + (other.red() - base.red()) * amount),
        round(base.green() + (other.green() - base.green()) * amount),
        round(base.blue() + (other.blue() - base.blue()) * amount),
    )
