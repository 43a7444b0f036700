"""Coalesce bursts of requests into at most one call per interval (one per frame).

A token stream asks for a repaint dozens of times per frame; running the update
once per interval keeps the work per second flat however fast deltas arrive.
The interval is counted from the end of the previous call, so a slow update
still leaves the event loop time for input and painting. After a quiet spell
the call runs on the next event-loop pass, so the first delta shows at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer

FRAME_MS = 16


class Throttle(QObject):
    """Runs `callback` at most once per `interval_ms`, however often `request()` is called."""

    def __init__(
        self,
        callback: Callable[[], None],
        interval_ms: int = FRAME_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._callback = callback
        self._interval = interval_ms
        self._since_last = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timer_timeout)

    def request(self) -> None:
        """Ask for a call; it happens once the interval since the last one has passed."""
        if self._timer.isActive():
            return
        waited = self._since_last.elapsed() if self._since_last.isValid() else self._interval
        self._timer.start(max(0, self._interval - waited))

    def pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Run a pending call now (e.g. before the final render)."""
        if self._timer.isActive():
            self._timer.stop()
            self._run()

    def cancel(self) -> None:
        self._timer.stop()

    def _on_timer_timeout(self) -> None:
        self._run()

    def _run(self) -> None:
        try:
            self._callback()
        finally:
            self._since_last.start()
