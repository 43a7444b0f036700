"""One frozen, dimmed, frameless window per screen, painted in device pixels.

A window per screen (rather than one spanning the desktop) gives each its own
device pixel ratio, so a 100% and a 200% monitor both show their grab 1:1.
Input goes to the shared ``OverlaySession``; this class only draws its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPixmap,
)
from PySide6.QtWidgets import QWidget

from .environment import manages_windows
from .magnifier import ACCENT, magnifier_rect, paint_magnifier

if TYPE_CHECKING:
    from .grab import ScreenGrab
    from .session import OverlaySession

DIM = QColor(0, 0, 0, 120)  # over the frozen screen outside the selection
PILL_BG = QColor(20, 20, 24, 225)
PILL_FG = QColor(245, 245, 248)


@dataclass(frozen=True)
class _Chrome:
    """Where this screen's decorations go, in device pixels."""

    selection: QRect | None  # visible part of the selection
    border: int
    label: tuple[QRect, str] | None
    magnifier: QRect | None
    hint: tuple[QRect, str] | None

    def rects(self) -> list[QRect]:
        out = []
        if self.selection is not None:
            b = self.border
            out.append(self.selection.adjusted(-b, -b, b, b))
        for item in (self.label, self.hint):
            if item is not None:
                out.append(item[0])
        if self.magnifier is not None:
            out.append(self.magnifier)
        return out


def _pill_font(dpr: float, size: float) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, round(size * dpr)))
    font.setWeight(QFont.Weight.DemiBold)
    return font


def _pill_rect(text: str, font: QFont, dpr: float) -> QRect:
    fm = QFontMetrics(font)
    return QRect(0, 0, fm.horizontalAdvance(text) + round(20 * dpr), fm.height() + round(10 * dpr))


class ScreenOverlay(QWidget):
    """The overlay on one screen: frozen grab, dim, selection, size label, loupe, hint."""

    def __init__(self, session: OverlaySession, index: int, grab: ScreenGrab) -> None:
        flags = Qt.WindowType.FramelessWindowHint
        platform_name = QGuiApplication.platformName()
        if manages_windows(platform_name):  # offscreen would only warn about raising
            flags |= Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool  # no taskbar entry
        if platform_name == "xcb":  # cover panels; no WM placement
            flags |= Qt.WindowType.BypassWindowManagerHint
        super().__init__(None, flags)
        self._session = session
        self._index = index
        self._grab = grab
        self._frozen = QPixmap.fromImage(grab.image)
        self._dimmed = self._frozen.copy()
        painter = QPainter(self._dimmed)
        painter.fillRect(self._dimmed.rect(), DIM)
        painter.end()
        self._scheduled: list[QRect] = []
        self.painted_once = False
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setWindowTitle("AskShot capture")
        self.setScreen(grab.screen)
        geo = grab.layout.logical
        self.setGeometry(QRect(geo.x, geo.y, geo.w, geo.h))

    # --- layout of the decorations ------------------------------------------------
    def _dpr(self) -> float:
        return self._grab.layout.dpr

    def _chrome(self) -> _Chrome:
        s = self._session
        dpr = self._dpr()
        size = QSize(self._frozen.width(), self._frozen.height())
        border = max(1, round(dpr))
        selection = s.selection_on(self._index, clip=True)
        label = None
        if s.label_screen() == self._index:
            full = s.selection_on(self._index, clip=False)
            text = s.size_text()
            if full is not None and text:
                rect = _pill_rect(text, _pill_font(dpr, 12), dpr)
                gap = border + round(6 * dpr)
                y = full.y() - gap - rect.height()
                if y < 0:
                    y = full.y() + gap
                x = min(max(full.x() - border, 0), size.width() - rect.width())
                rect.moveTo(x, y)
                label = (rect, text)
        magnifier = hint = None
        cursor = s.cursor_pixel_on(self._index)
        if cursor is not None:
            magnifier = magnifier_rect(cursor, size, dpr)
            font = _pill_font(dpr, 13)
            room = size.width() - round(48 * dpr)
            fits = [t for t in s.hint_texts() if _pill_rect(t, font, dpr).width() <= room]
            text = fits[0] if fits else ""
            rect = _pill_rect(text, font, dpr)
            rect.moveTo((size.width() - rect.width()) // 2, round(18 * dpr))
            near = rect.adjusted(-round(40 * dpr), -round(40 * dpr), 0, round(40 * dpr))
            if near.contains(cursor) or (selection is not None and rect.intersects(selection)):
                rect.moveTo(rect.x(), size.height() - rect.height() - round(18 * dpr))
            hint = (rect, text) if text else None
        return _Chrome(selection, border, label, magnifier, hint)

    def refresh(self) -> None:
        """Repaint what changed: the decorations as they were and as they are now."""
        rects = self._chrome().rects()
        dpr = self._dpr()
        for r in self._scheduled + rects:
            # Device to logical, one logical pixel of slack for rounding.
            self.update(
                QRect(
                    int(r.x() / dpr) - 1,
                    int(r.y() / dpr) - 1,
                    int(r.width() / dpr) + 3,
                    int(r.height() / dpr) + 3,
                )
            )
        self._scheduled = rects

    # --- painting ---------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        dpr = self._dpr()
        chrome = self._chrome()
        painter = QPainter(self)
        painter.scale(1 / self.devicePixelRatioF(), 1 / self.devicePixelRatioF())
        painter.drawPixmap(0, 0, self._dimmed)
        if chrome.selection is not None:
            sel = chrome.selection
            painter.drawPixmap(sel.topLeft(), self._frozen, sel)
            b = chrome.border
            for edge in (
                QRect(sel.x() - b, sel.y() - b, sel.width() + 2 * b, b),
                QRect(sel.x() - b, sel.y() + sel.height(), sel.width() + 2 * b, b),
                QRect(sel.x() - b, sel.y(), b, sel.height()),
                QRect(sel.x() + sel.width(), sel.y(), b, sel.height()),
            ):
                painter.fillRect(edge, ACCENT)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if chrome.label is not None:
            self._paint_pill(painter, *chrome.label, _pill_font(dpr, 12), ACCENT)
        if chrome.hint is not None:
            self._paint_pill(painter, *chrome.hint, _pill_font(dpr, 13), PILL_BG)
        if chrome.magnifier is not None:
            cursor = self._session.cursor_pixel_on(self._index)
            assert cursor is not None
            paint_magnifier(
                painter,
                self._grab.image,
                cursor,
                chrome.magnifier,
                dpr,
                label=self._session.cursor_text(),
                selection=self._session.selection_on(self._index, clip=False),
            )
        painter.end()
        if not self.painted_once:
            self.painted_once = True
            self._session.overlay_painted()

    def _paint_pill(
        self, painter: QPainter, rect: QRect, text: str, font: QFont, bg: QColor
    ) -> None:
        radius = rect.height() / 2
        path = QPainterPath()
        path.addRoundedRect(rect, radius, radius)
        painter.fillPath(path, bg)
        painter.setFont(font)
        painter.setPen(PILL_FG)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)

    # --- input: all of it goes to the session -------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._session.mouse_pressed(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._session.mouse_moved(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._session.mouse_released(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._session.mouse_double_clicked(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self._session.key_pressed(event)
