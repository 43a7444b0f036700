"""The capture feature as the main window sees it: one object, three ways to start."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QImage
from PySide6.QtWidgets import QWidget

from . import environment
from .geometry import Desktop, Rect
from .grab import ScreenGrab, all_blank, compose, desktop_of, grab_screens
from .portal import PortalScreenshot
from .session import OverlaySession

DEFAULT_HIDE_DELAY_MS = 200  # long enough for a compositor to repaint without us


class CaptureController(QObject):
    """Grab a region or a whole screen while AskShot's own window is out of the way.

    Each ``capture_*`` call hides ``window`` (if given and visible), waits
    ``hide_delay_ms`` for the compositor to repaint, grabs, and restores the window
    before emitting exactly one of the signals below. On X11, Windows and macOS it
    grabs every screen at once and shows a frozen, dimmed overlay per screen to
    select on; on Wayland (or with ASKSHOT_CAPTURE_BACKEND=portal) it asks
    xdg-desktop-portal, whose own dialog does the selecting.

    Images are in physical pixels with devicePixelRatio 1. A region spanning
    monitors is composed at native pixels on X11/Windows (each monitor 1:1); where
    global coordinates are logical (macOS) lower-scale parts are upscaled to the
    highest scale. A grab that comes back blank is reported through ``failed``.

    Overlay keys: drag to select; arrows move by one physical pixel, Shift+arrows
    resize, Ctrl makes it ten; Enter or double-click accepts; Space or F takes the
    whole screen under the cursor; Esc or right-click cancels.

    Signals:
        captured(QImage): the chosen region, physical pixels.
        edit_requested(QImage): the same, accepted with E: edit it before attaching.
        cancelled(): the person cancelled; nothing to attach.
        failed(str): a sentence saying why nothing could be captured and what to do.
        overlay_shown(): the selection overlay is up and has the keyboard (for tests
            and for anyone who needs to know the screen is frozen).
    """

    captured = Signal(QImage)
    edit_requested = Signal(QImage)
    cancelled = Signal()
    failed = Signal(str)
    overlay_shown = Signal()

    def __init__(
        self, parent: QObject | None = None, *, hide_delay_ms: int = DEFAULT_HIDE_DELAY_MS
    ) -> None:
        super().__init__(parent)
        self.hide_delay_ms = hide_delay_ms
        self._edit = False  # the overlay was accepted with E
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._mode: str | None = None  # "region" or "screen" while busy
        self._window: QWidget | None = None
        self._restore = False
        self._grabs: list[ScreenGrab] = []
        self._desktop: Desktop | None = None
        self._session: OverlaySession | None = None
        self._portal: PortalScreenshot | None = None

    @property
    def busy(self) -> bool:
        return self._mode is not None

    # --- public API -----------------------------------------------------------
    def capture_region(self, window: QWidget | None = None) -> bool:
        """Let the person select a region; False if a capture is already running."""
        return self._start("region", window, 0)

    def capture_full_screen(self, window: QWidget | None = None) -> bool:
        """Capture the screen under the cursor, no overlay."""
        return self._start("screen", window, 0)

    def capture_after(
        self, seconds: float, window: QWidget | None = None, *, region: bool = True
    ) -> bool:
        """Wait ``seconds`` (time to open a menu elsewhere), then capture as above."""
        return self._start("region" if region else "screen", window, round(seconds * 1000))

    def cancel(self) -> None:
        """Abandon a capture in progress (emits ``cancelled``)."""
        if self.busy:
            self._finish(cancelled=True)

    # --- flow ---------------------------------------------------------------
    def _start(self, mode: str, window: QWidget | None, delay_ms: int) -> bool:
        if self.busy:
            return False
        self._mode = mode
        self._window = window
        self._restore = window is not None and window.isVisible()
        wait = max(0, delay_ms)
        if self._restore:
            assert window is not None
            window.hide()
            wait = max(wait, self.hide_delay_ms)
        self._timer.start(wait)
        return True

    def _on_timer_timeout(self) -> None:
        if not self.busy:
            return
        platform_name = QGuiApplication.platformName()
        if environment.choose_backend(platform_name) == "portal":
            self._start_portal()
            return
        if environment.screen_recording_allowed() is False:
            self._finish(error=environment.MACOS_PERMISSION)
            return
        self._grabs = grab_screens()
        if all_blank(self._grabs):
            self._finish(error=environment.blank_grab_reason(platform_name))
            return
        desktop = self._desktop = desktop_of(self._grabs, platform_name)
        if self._mode == "screen":
            pos = QCursor.pos()
            index = desktop.screen_at_logical(pos.x(), pos.y())
            self._deliver(desktop.placements[index])
            return
        self._session = OverlaySession(self._grabs, desktop, self)
        self._session.shown.connect(self.overlay_shown)
        self._session.accepted.connect(self._on_session_accepted)
        self._session.cancelled.connect(self._on_session_cancelled)
        self._session.start()

    def _start_portal(self) -> None:
        if self._portal is None:
            self._portal = PortalScreenshot(self)
            self._portal.captured.connect(self._on_portal_captured)
            self._portal.cancelled.connect(self._on_session_cancelled)
            self._portal.failed.connect(self._on_portal_failed)
        self._portal.request(interactive=self._mode == "region")

    def _deliver(self, rect: Rect) -> None:
        assert self._desktop is not None
        image = compose([g.image for g in self._grabs], self._desktop.plan_crop(rect))
        if image.isNull() or image.width() == 0 or image.height() == 0:
            self._finish(error="The selected area lies outside every screen. Try again.")
        else:
            self._finish(image=image)

    def _on_session_accepted(self, rect: Rect) -> None:
        self._edit = self._session is not None and self._session.edit_wanted
        self._deliver(rect)

    def _on_session_cancelled(self) -> None:
        self._finish(cancelled=True)

    def _on_portal_captured(self, image: QImage) -> None:
        self._finish(image=image)

    def _on_portal_failed(self, message: str) -> None:
        self._finish(error=message)

    def _finish(
        self, *, image: QImage | None = None, error: str | None = None, cancelled: bool = False
    ) -> None:
        """Tear down, give the window back, then emit exactly one outcome."""
        self._timer.stop()
        if self._session is not None:
            self._session.close()
            self._session.deleteLater()
            self._session = None
        if self._portal is not None and self._portal.busy:
            self._portal.cancel()
        self._grabs, self._desktop = [], None  # a 4K grab per screen is a lot of memory to keep
        window, restore = self._window, self._restore
        self._mode, self._window, self._restore = None, None, False
        if restore and window is not None:
            window.show()
            if environment.manages_windows(QGuiApplication.platformName()):
                window.raise_()
                window.activateWindow()
        edit, self._edit = self._edit, False
        if image is not None:
            (self.edit_requested if edit else self.captured).emit(image)
        elif error is not None:
            self.failed.emit(error)
        elif cancelled:
            self.cancelled.emit()
