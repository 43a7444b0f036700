"""AskShot's icon, and small line icons for the toolbar and composer drawn at the screen's scale.

Bitmaps blur at 150% or 200%; these are painted for the exact device pixel
ratio, in the palette's text colour, so they follow light and dark themes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)

from desktop_app import APP_ID

Drawing = Callable[[QPainter, QRectF], None]


def app_icon() -> QIcon:
    """The theme's AskShot icon when installed (matches the .desktop entry), else the SVG."""
    from desktop_app.resources import resource_path

    icon = QIcon.fromTheme(APP_ID)
    if icon.isNull():
        icon = QIcon(str(resource_path("askshot.svg")))
    return icon


class _LineIconEngine(QIconEngine):
    """Paints one drawing in the current palette's text colour (muted when disabled)."""

    def __init__(self, drawing: Drawing) -> None:
        super().__init__()
        self._drawing = drawing

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, _state: QIcon.State) -> None:
        palette = QGuiApplication.palette()
        role = (
            QPalette.ColorRole.PlaceholderText
            if mode == QIcon.Mode.Disabled
            else QPalette.ColorRole.ButtonText
        )
        side = min(rect.width(), rect.height())
        box = QRectF(0, 0, side, side)
        box.moveCenter(QRectF(rect).center())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(palette.color(role), max(1.0, side / 12))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        self._drawing(painter, box)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixmap = QPixmap(size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        pixmap.setDevicePixelRatio(scale)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _LineIconEngine(self._drawing)


def _capture(painter: QPainter, box: QRectF) -> None:
    """Four corner brackets: "select a region"."""
    m = box.width() * 0.14
    r = box.adjusted(m, m, -m, -m)
    arm = r.width() * 0.3
    for corner, dx, dy in (
        (r.topLeft(), 1, 1),
        (r.topRight(), -1, 1),
        (r.bottomLeft(), 1, -1),
        (r.bottomRight(), -1, -1),
    ):
        painter.drawLine(corner, corner + QPointF(dx * arm, 0))
        painter.drawLine(corner, corner + QPointF(0, dy * arm))
    painter.drawPoint(r.center())


def _image(painter: QPainter, box: QRectF) -> None:
    """A framed picture with a hill and a sun: "attach an image"."""
    m = box.width() * 0.12
    r = box.adjusted(m, m * 1.4, -m, -m * 1.4)
    painter.drawRoundedRect(r, r.width() * 0.1, r.width() * 0.1)
    hill = QPainterPath(QPointF(r.left(), r.bottom() - r.height() * 0.15))
    hill.lineTo(r.left() + r.width() * 0.38, r.top() + r.height() * 0.45)
    hill.lineTo(r.left() + r.width() * 0.62, r.top() + r.height() * 0.7)
    hill.lineTo(r.left() + r.width() * 0.75, r.top() + r.height() * 0.58)
    hill.lineTo(r.right(), r.bottom() - r.height() * 0.2)
    painter.drawPath(hill)
    sun = r.width() * 0.09
    painter.drawEllipse(QPointF(r.right() - r.width() * 0.24, r.top() + r.height() * 0.3), sun, sun)


def capture_icon() -> QIcon:
    return QIcon(_LineIconEngine(_capture))


def image_icon() -> QIcon:
    return QIcon(_LineIconEngine(_image))


def _new_chat(painter: QPainter, box: QRectF) -> None:
    """A speech bubble with a plus: "start a new conversation"."""
    m = box.width() * 0.14
    r = box.adjusted(m, m, -m, -m * 1.8)
    path = QPainterPath()
    path.addRoundedRect(r, r.width() * 0.2, r.width() * 0.2)
    painter.drawPath(path)
    tail = QPointF(r.left() + r.width() * 0.25, r.bottom())
    painter.drawLine(tail, tail + QPointF(-r.width() * 0.08, box.height() * 0.14))
    painter.drawLine(
        tail + QPointF(-r.width() * 0.08, box.height() * 0.14), tail + QPointF(r.width() * 0.2, 0)
    )
    c, arm = r.center(), r.height() * 0.25
    painter.drawLine(c - QPointF(arm, 0), c + QPointF(arm, 0))
    painter.drawLine(c - QPointF(0, arm), c + QPointF(0, arm))


def _settings(painter: QPainter, box: QRectF) -> None:
    """Three sliders: "settings"."""
    m = box.width() * 0.16
    r = box.adjusted(m, m, -m, -m)
    knob = r.width() * 0.09
    for i, at in enumerate((0.3, 0.7, 0.45)):
        y = r.top() + r.height() * (i / 2)
        x = r.left() + r.width() * at
        painter.drawLine(QPointF(r.left(), y), QPointF(x - knob, y))
        painter.drawLine(QPointF(x + knob, y), QPointF(r.right(), y))
        painter.drawEllipse(QPointF(x, y), knob, knob)


def new_chat_icon() -> QIcon:
    return QIcon(_LineIconEngine(_new_chat))


def settings_icon() -> QIcon:
    return QIcon(_LineIconEngine(_settings))
