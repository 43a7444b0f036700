"""CaptureController life cycle in-process (offscreen Qt): one outcome per capture and
the window always comes back. Overlays, pixels and blank grabs on a real X server:
test_capture_xvfb.py."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.ui.capture import CaptureController
from desktop_app.ui.capture.environment import BACKEND_ENV


class Swatch(QWidget):
    """A window of one colour, painted for real so screen grabs can see it."""

    def __init__(self, colour: QColor, geometry: QRect) -> None:
        super().__init__()
        self._colour = colour
        self.setGeometry(geometry)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._colour)
        painter.end()


@pytest.fixture(autouse=True)
def _qt_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKEND_ENV, "qt")  # whatever session the tests run in


@pytest.fixture
def window(qtbot: QtBot) -> Swatch:
    swatch = Swatch(QColor(255, 0, 255), QRect(40, 30, 200, 100))
    qtbot.addWidget(swatch)
    swatch.show()
    qtbot.waitExposed(swatch)
    return swatch


def test_full_screen_capture_sees_other_windows_not_ours(qtbot: QtBot, window: Swatch) -> None:
    other = Swatch(QColor(0, 160, 0), QRect(300, 200, 120, 80))
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    controller = CaptureController(hide_delay_ms=10)
    with qtbot.waitSignal(controller.captured, timeout=5000) as blocker:
        assert controller.capture_full_screen(window)
    image: QImage = blocker.args[0]
    assert image.devicePixelRatio() == 1.0
    assert image.pixelColor(350, 240) == QColor(0, 160, 0)  # the other window
    assert image.pixelColor(100, 60) != QColor(255, 0, 255)  # ours was hidden
    assert window.isVisible()
    assert not controller.busy


def test_one_capture_at_a_time_and_cancel_during_the_delay(qtbot: QtBot, window: Swatch) -> None:
    controller = CaptureController(hide_delay_ms=10)
    assert controller.capture_after(30, window)
    assert not window.isVisible()  # hidden while the person opens a menu elsewhere
    assert controller.busy
    assert not controller.capture_region(window)  # already capturing
    with qtbot.waitSignal(controller.cancelled, timeout=1000):
        controller.cancel()
    assert window.isVisible()
    assert not controller.busy


def _region_overlay_over_green(qtbot: QtBot, window: Swatch) -> CaptureController:
    """A green window to grab, and the region overlay up over it."""
    other = Swatch(QColor(0, 160, 0), QRect(0, 0, 800, 800))
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    controller = CaptureController(hide_delay_ms=10)
    with qtbot.waitSignal(controller.overlay_shown, timeout=5000):
        controller.capture_region(window)
    return controller


def _overlay() -> QWidget:
    from desktop_app.ui.capture.overlay import ScreenOverlay

    overlays = [w for w in QApplication.topLevelWidgets() if isinstance(w, ScreenOverlay)]
    visible = [w for w in overlays if w.isVisible()]
    assert len(visible) == 1  # the offscreen platform has one screen
    return visible[0]


def test_region_drag_and_enter_give_the_selected_size(qtbot: QtBot, window: Swatch) -> None:
    controller = _region_overlay_over_green(qtbot, window)
    overlay = _overlay()
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(10, 20))
    qtbot.mouseMove(overlay, QPoint(110, 70))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(110, 70))
    qtbot.keyClick(overlay, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(controller.captured, timeout=5000) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    image: QImage = blocker.args[0]
    assert (image.width(), image.height()) == (101, 50)
    assert image.pixelColor(50, 25) == QColor(0, 160, 0)
    assert window.isVisible()
    assert not overlay.isVisible()


def test_escape_cancels_the_overlay(qtbot: QtBot, window: Swatch) -> None:
    controller = _region_overlay_over_green(qtbot, window)
    captured: list[QImage] = []
    controller.captured.connect(captured.append)
    with qtbot.waitSignal(controller.cancelled, timeout=5000):
        qtbot.keyClick(_overlay(), Qt.Key.Key_Escape)
    assert captured == []
    assert window.isVisible()


def test_e_accepts_the_region_for_editing_first(qtbot: QtBot, window: Swatch) -> None:
    controller = _region_overlay_over_green(qtbot, window)
    captured: list[QImage] = []
    controller.captured.connect(captured.append)
    overlay = _overlay()
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=QPoint(10, 20))
    qtbot.mouseMove(overlay, QPoint(110, 70))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=QPoint(110, 70))
    with qtbot.waitSignal(controller.edit_requested, timeout=5000) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_E)
    image: QImage = blocker.args[0]
    assert (image.width(), image.height()) == (100, 50)
    assert captured == []  # nothing attached before the edit

    # The editor opens on it; only the edited pixels are handed on.
    from desktop_app.core.image_edits import Edit
    from desktop_app.ui.editor.capture import edit_capture

    attached: list[tuple[QImage, str]] = []
    editor = edit_capture(image, lambda img, name: attached.append((img, name)))
    editor.add_edit(Edit("redact", (0, 0, 50, 50)))
    editor.accept()
    ((edited, name),) = attached
    assert name == "Screen capture"
    assert edited.pixelColor(10, 10) == QColor(0, 0, 0)  # redacted
    assert edited.pixelColor(80, 25) == QColor(0, 160, 0)  # untouched
