"""What an answer shows before its first token: a sentence whose dots count up.

The dots are driven by a QTimer that runs only while the label is on screen:
hiding it (text arrived, the answer ended or failed) or the window stops it, so
a waiting-free window uses no CPU for it.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QLabel, QWidget

WAITING_TEXT = "Waiting for the answer"
FRAME_MS = 400
_FRAMES = 4  # no dot, then one, two, three


class WaitingIndicator(QLabel):
    """The words "Waiting for the answer" with an animated ellipsis, in the normal text colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The chat's background is the palette's Base: Text is the colour made for it.
        self.setForegroundRole(QPalette.ColorRole.Text)
        self.setAccessibleName(WAITING_TEXT)
        self._frame = 0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._show_frame()

    def is_animating(self) -> bool:
        return self._timer.isActive()

    def _show_frame(self) -> None:
        self.setText(WAITING_TEXT + "." * self._frame)

    def _on_timer_timeout(self) -> None:
        self._frame = (self._frame + 1) % _FRAMES
        self._show_frame()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()
