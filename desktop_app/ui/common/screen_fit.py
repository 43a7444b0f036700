"""Keep a top-level window within its screen's available area.

At 200 % a 1100×760 window is 2200×1520 device pixels, larger than a 1280×800
screen; a restored geometry may belong to a bigger or a disconnected monitor.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

# Room for the title bar and borders: before the first show the window manager
# has not told Qt how large they are, and the whole frame must fit.
FRAME_ALLOWANCE = QSize(16, 40)


def _screen_of(window: QWidget) -> QScreen | None:
    return (
        QGuiApplication.screenAt(window.geometry().center())
        or window.screen()
        or QGuiApplication.primaryScreen()
    )


def fit_to_screen(window: QWidget) -> None:
    """Shrink `window` to its screen's available area, and move it inside if it was placed.

    It never goes below its minimum size: keep that small enough for a 640×400
    logical screen (1280×800 at 200 %).
    """
    screen = _screen_of(window)
    if screen is None:
        return
    available = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()
    if not window.isVisible():
        frame = frame.expandedTo(FRAME_ALLOWANCE)
    room = (available.size() - frame).expandedTo(QSize(1, 1))
    size = window.size().boundedTo(room)
    if size != window.size():
        window.resize(size)
    if window.testAttribute(Qt.WidgetAttribute.WA_Moved):  # restored, not left to the WM
        width, height = window.width() + frame.width(), window.height() + frame.height()
        x = max(available.left(), min(window.x(), available.left() + available.width() - width))
        y = max(available.top(), min(window.y(), available.top() + available.height() - height))
        if (x, y) != (window.x(), window.y()):
            window.move(x, y)
