"""One region capture in progress: the overlays on every screen and their shared state."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QPoint, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QKeyEvent, QMouseEvent

from .environment import manages_windows
from .geometry import Desktop, Rect
from .grab import ScreenGrab
from .overlay import ScreenOverlay
from .selection import SelectionModel

_ARROWS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}


class OverlaySession(QObject):
    """Frozen overlays on all screens and the one selection they share.

    Signals:
        shown(): every overlay is on screen and painted, keyboard grabbed.
        accepted(object): the chosen region as a ``Rect`` in desktop pixels.
        cancelled(): Esc or right-click.
    """

    shown = Signal()
    accepted = Signal(object)
    cancelled = Signal()

    def __init__(
        self, grabs: Sequence[ScreenGrab], desktop: Desktop, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.grabs = list(grabs)
        self.desktop = desktop
        self.model = SelectionModel(desktop.bounds)
        self._overlays: list[ScreenOverlay] = []
        self._announced = False
        self._done = False
        self.edit_wanted = False  # accepted with E: open the editor before attaching
        self._managed = True  # set for real in start()

    # --- life cycle ------------------------------------------------------------
    def start(self) -> None:
        pos = QCursor.pos()
        self.model.cursor = self.desktop.grid_point_global(pos.x(), pos.y())
        self._overlays = [ScreenOverlay(self, i, g) for i, g in enumerate(self.grabs)]
        self._managed = manages_windows(QGuiApplication.platformName())
        for overlay in self._overlays:
            overlay.refresh()  # remember what the first paint will draw
            overlay.show()
            if self._managed:
                overlay.raise_()

    def overlay_painted(self) -> None:
        if self._announced or not all(o.painted_once for o in self._overlays):
            return
        self._announced = True
        # Keys go to the overlay under the pointer; grab them so a WM cannot steal them.
        focus = self._overlays[self._cursor_screen() or 0]
        if self._managed:
            focus.activateWindow()
        focus.setFocus()
        QTimer.singleShot(0, self._grab_keyboard)

    def _grab_keyboard(self) -> None:
        if self._done:
            return
        if self._managed:
            self._overlays[self._cursor_screen() or 0].grabKeyboard()
        self.shown.emit()

    def close(self) -> None:
        """Take the overlays down (idempotent)."""
        self._done = True
        for overlay in self._overlays:
            if self._managed:
                overlay.releaseKeyboard()
            overlay.hide()
            overlay.deleteLater()
        self._overlays = []

    def _accept(self, rect: Rect) -> None:
        if self._done or rect.is_empty():
            return
        self.close()
        self.accepted.emit(rect)

    def _cancel(self) -> None:
        if self._done:
            return
        self.close()
        self.cancelled.emit()

    # --- state the overlays draw ----------------------------------------------------
    def _cursor_screen(self) -> int | None:
        cursor = self.model.cursor
        return None if cursor is None else self.desktop.nearest_screen(cursor)

    def selection_on(self, index: int, *, clip: bool) -> QRect | None:
        rect = self.model.rect
        if rect is None or rect.is_empty():
            return None
        r = self.desktop.rect_on_screen(index, rect, clip=clip)
        return None if r.is_empty() else QRect(r.x, r.y, r.w, r.h)

    def label_screen(self) -> int | None:
        rect = self.model.rect
        if rect is None or rect.is_empty():
            return None
        return self.desktop.nearest_screen((rect.x, rect.y))

    def size_text(self) -> str:
        """The selection's size in physical pixels, as the attached image will have."""
        rect = self.model.rect
        if rect is None or rect.is_empty():
            return ""
        w, h = self.desktop.plan_crop(rect).size
        return f"{w} × {h}"

    def cursor_pixel_on(self, index: int) -> QPoint | None:
        cursor = self.model.cursor
        if cursor is None or self._cursor_screen() != index:
            return None
        px, py = self.desktop.to_screen_pixel(index, cursor)
        w, h = self.desktop.screens[index].pixels
        return QPoint(min(max(px, 0), w - 1), min(max(py, 0), h - 1))

    def cursor_text(self) -> str:
        cursor = self.model.cursor
        return "" if cursor is None else f"{cursor[0]}, {cursor[1]}"

    def hint_texts(self) -> tuple[str, ...]:
        """What the keys do now, longest first; the overlay shows the first that fits."""
        if self.model.has_selection():
            return (
                "Enter: attach   ·   Arrows: move   ·   Shift+Arrows: resize   ·   Esc: cancel",
                "Enter: attach   ·   Esc: cancel",
            )
        return (
            "Drag to select   ·   Space: whole screen   ·   Esc: cancel",
            "Drag to select   ·   Esc: cancel",
        )

    def _refresh(self) -> None:
        for overlay in self._overlays:
            overlay.refresh()

    # --- input from the overlays ------------------------------------------------------
    def _point(self, event: QMouseEvent) -> tuple[int, int]:
        # Global, not local: during a drag the pressed overlay gets the events even
        # over another screen, and only the global position is mapped per screen.
        pos: QPointF = event.globalPosition()
        return self.desktop.grid_point_global(pos.x(), pos.y())

    def mouse_pressed(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            self._cancel()
        elif event.button() == Qt.MouseButton.LeftButton:
            self.model.press(self._point(event))
            self._refresh()

    def mouse_moved(self, event: QMouseEvent) -> None:
        if self.model.move(self._point(event)):
            self._refresh()

    def mouse_released(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.model.release(self._point(event))
            self._refresh()

    def mouse_double_clicked(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.model.has_selection():
            assert self.model.rect is not None
            self._accept(self.model.rect)
        else:
            self._accept_screen_under_cursor()

    def key_pressed(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        if key == Qt.Key.Key_Escape:
            self._cancel()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.model.has_selection():
                assert self.model.rect is not None
                self._accept(self.model.rect)
        elif key == Qt.Key.Key_E and self.model.has_selection():
            assert self.model.rect is not None
            self.edit_wanted = True
            self._accept(self.model.rect)
        elif key in (Qt.Key.Key_Space, Qt.Key.Key_F):
            self._accept_screen_under_cursor()
        elif key in _ARROWS and self.model.rect is not None:
            step = self.desktop.step_at((self.model.rect.x, self.model.rect.y))
            if mods & Qt.KeyboardModifier.ControlModifier:
                step *= 10
            dx, dy = (d * step for d in _ARROWS[Qt.Key(key)])
            if mods & Qt.KeyboardModifier.ShiftModifier:
                changed = self.model.resize(dx, dy)
            else:
                changed = self.model.nudge(dx, dy)
            if changed:
                self._refresh()

    def _accept_screen_under_cursor(self) -> None:
        index = self._cursor_screen()
        if index is None:
            pos = QCursor.pos()
            index = self.desktop.screen_at_logical(pos.x(), pos.y())
        self._accept(self.desktop.placements[index])
