"""One AskShot per user and profile: a second launch hands its request to the first.

The first instance listens on a QLocalServer; a second `askshot` (or
`askshot --capture`) connects, sends one line ("show" or "capture") and exits.
The name includes a hash of the data folder, so a throw-away profile
(ASKSHOT_DATA_DIR) runs beside the real one.
"""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop_app.core.paths import data_dir

CONNECT_TIMEOUT_MS = 500
COMMANDS = ("show", "capture")


def server_name() -> str:
    profile = hashlib.sha256(str(data_dir().resolve()).encode()).hexdigest()[:12]
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    return f"askshot-{user}-{profile}"


def send_to_running(command: str, files: Sequence[str] = (), name: str | None = None) -> bool:
    """Deliver `command` (and image paths to attach) to a running instance.

    False when none answers.
    """
    socket = QLocalSocket()
    socket.connectToServer(name or server_name())
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    lines = [f"open {path}" for path in files] + [command]
    socket.write("".join(f"{line}\n" for line in lines).encode())
    # waitForBytesWritten() is False when flush() already wrote everything.
    while socket.bytesToWrite() > 0:
        if not socket.waitForBytesWritten(CONNECT_TIMEOUT_MS):
            return False
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches.

    Signals:
        show_requested(): a second `askshot` wants the window raised.
        capture_requested(): `askshot --capture` was run.
        files_requested(list): `askshot IMAGE...` asked to attach these files.
    """

    show_requested = Signal()
    capture_requested = Signal()
    files_requested = Signal(list)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name or server_name()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)

    def listen(self) -> bool:
        if self._server.listen(self._name):
            return True
        # A crashed instance leaves its socket file behind: nobody answered, so take it.
        QLocalServer.removeServer(self._name)
        return self._server.listen(self._name)

    def close(self) -> None:
        self._server.close()

    @Slot()
    def _on_server_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(self._on_socket_ready_read)
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    @Slot()
    def _on_socket_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        files: list[str] = []
        while socket.canReadLine():
            command = bytes(socket.readLine().data()).decode(errors="replace").rstrip("\n")
            if command.startswith("open "):
                files.append(command[5:])
                continue
            if files:
                self.files_requested.emit(files)
                files = []
            if command == "capture":
                self.capture_requested.emit()
            elif command == "show":
                self.show_requested.emit()
