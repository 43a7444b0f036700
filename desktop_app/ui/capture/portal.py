"""Screenshots through xdg-desktop-portal, the only way to read the screen on Wayland.

Protocol: call org.freedesktop.portal.Screenshot.Screenshot("", {handle_token,
interactive}) on org.freedesktop.portal.Desktop; it returns a Request object path
at once and later emits org.freedesktop.portal.Request.Response(code, {uri}) there.
We subscribe to the path the portal will use *before* calling, so a fast portal
cannot answer before we listen.
"""

from __future__ import annotations

import secrets

from PySide6.QtCore import SLOT, QObject, QUrl, Signal, Slot
from PySide6.QtDBus import (
    QDBusConnection,
    QDBusMessage,
    QDBusObjectPath,
    QDBusPendingCall,
    QDBusPendingCallWatcher,
)
from PySide6.QtGui import QImage

from .environment import NO_SESSION_BUS, PORTAL_MISSING

PORTAL_SERVICE = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SCREENSHOT_IFACE = "org.freedesktop.portal.Screenshot"
REQUEST_IFACE = "org.freedesktop.portal.Request"
_CALL_TIMEOUT_MS = 30_000  # the method returns at once; the answer comes as a signal
_MISSING_ERRORS = (
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.UnknownInterface",
    "org.freedesktop.DBus.Error.UnknownMethod",
    "org.freedesktop.DBus.Error.UnknownObject",
    "org.freedesktop.DBus.Error.Spawn.ChildExited",
    "org.freedesktop.DBus.Error.Spawn.ServiceNotFound",
)


def request_path(unique_name: str, token: str) -> str:
    """The Request path the portal derives from our bus name and handle token."""
    sender = unique_name.lstrip(":").replace(".", "_")
    return f"{PORTAL_PATH}/request/{sender}/{token}"


class PortalScreenshot(QObject):
    """One screenshot request to the portal at a time.

    Signals:
        captured(QImage): the portal saved a screenshot and we loaded it.
        cancelled(): the person closed the portal's dialog.
        failed(str): a sentence saying what went wrong and what to do.
    """

    captured = Signal(QImage)
    cancelled = Signal()
    failed = Signal(str)

    def __init__(
        self, parent: QObject | None = None, connection: QDBusConnection | None = None
    ) -> None:
        super().__init__(parent)
        self._connection = connection
        self._path: str | None = None
        self._watcher: QDBusPendingCallWatcher | None = None

    @property
    def busy(self) -> bool:
        return self._path is not None

    def request(self, *, interactive: bool) -> None:
        """Ask for a screenshot; ``interactive`` lets the person pick a region first."""
        bus = self._connection if self._connection is not None else QDBusConnection.sessionBus()
        if not bus.isConnected():
            self.failed.emit(NO_SESSION_BUS)
            return
        self._connection = bus
        token = "askshot_" + secrets.token_hex(8)
        self._listen(request_path(bus.baseService(), token))
        call = QDBusMessage.createMethodCall(
            PORTAL_SERVICE, PORTAL_PATH, SCREENSHOT_IFACE, "Screenshot"
        )
        call.setArguments(["", {"handle_token": token, "interactive": interactive}])
        pending: QDBusPendingCall = bus.asyncCall(call, _CALL_TIMEOUT_MS)
        self._watcher = QDBusPendingCallWatcher(pending, self)
        self._watcher.finished.connect(self._on_call_finished)

    def cancel(self) -> None:
        """Stop listening; a later answer from the portal is ignored."""
        self._unlisten()

    # --- internals --------------------------------------------------------------
    def _listen(self, path: str) -> None:
        self._unlisten()
        self._path = path
        assert self._connection is not None
        # Any sender: the portal answers from its unique name, the path is ours alone.
        # PySide6's stubs lack the (…, receiver, SLOT(...)) overload that Qt documents.
        self._connection.connect(  # type: ignore[call-overload]
            "", path, REQUEST_IFACE, "Response", self, SLOT("_on_response(uint,QVariantMap)")
        )

    def _unlisten(self) -> None:
        if self._path is not None and self._connection is not None:
            self._connection.disconnect(  # type: ignore[call-overload]
                "",
                self._path,
                REQUEST_IFACE,
                "Response",
                self,
                SLOT("_on_response(uint,QVariantMap)"),
            )
        self._path = None

    def _on_call_finished(self, watcher: QDBusPendingCallWatcher) -> None:
        watcher.deleteLater()
        self._watcher = None
        if self._path is None:
            return
        if watcher.isError():
            error = watcher.error()
            self._unlisten()
            if error.name() in _MISSING_ERRORS:
                self.failed.emit(PORTAL_MISSING)
            else:
                detail = error.message() or error.name()
                self.failed.emit(
                    f"The screenshot portal refused the request ({detail}). Check that "
                    "xdg-desktop-portal and its backend are installed and running."
                )
            return
        args = watcher.reply().arguments()
        handle = args[0].path() if args and isinstance(args[0], QDBusObjectPath) else None
        if handle and handle != self._path:  # portals before 0.9 ignore handle_token
            self._listen(handle)

    @Slot("uint", "QVariantMap")
    def _on_response(self, code: int, results: dict[str, object]) -> None:
        if self._path is None:
            return
        self._unlisten()
        if code == 1:
            self.cancelled.emit()
            return
        uri = results.get("uri") if code == 0 else None
        if not isinstance(uri, str) or not uri:
            self.failed.emit(
                "The screenshot portal could not take the screenshot. Try again, or check "
                "the desktop's screenshot permissions."
            )
            return
        path = QUrl(uri).toLocalFile()
        image = QImage(path)
        if image.isNull():
            self.failed.emit(
                f"The screenshot portal saved {path or uri}, but AskShot could not read it. "
                "Check that the file exists and is an image."
            )
            return
        image.setDevicePixelRatio(1.0)
        self.captured.emit(image)
