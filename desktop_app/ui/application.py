"""The QApplication AskShot runs in: names, icon, palette, HiDPI."""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from desktop_app import APP_ID, APP_NAME, __version__


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough  # exact 125%/150% scales
    )
    app = QApplication(argv if argv is not None else sys.argv[:1])
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setApplicationDisplayName(APP_NAME)
    QGuiApplication.setDesktopFileName(APP_ID)  # matches askshot.desktop for the taskbar icon
    app.setWindowIcon(app_icon())
    return app


def app_icon() -> QIcon:
    from desktop_app.resources import resource_path

    icon = QIcon.fromTheme(APP_ID)
    if icon.isNull():
        icon = QIcon(str(resource_path("askshot.svg")))
    return icon


def warm_up_in_background() -> threading.Thread:
    """Import the slow modules (openai ~400 ms, keyring) after the first paint.

    Start-up does not pay for them, and the first question does not either.
    """

    def work() -> None:
        try:
            from desktop_app.core import chat_client

            chat_client.preload()
        except Exception:  # noqa: S110 - the first send reports a real problem
            pass

    thread = threading.Thread(target=work, name="askshot-warm-up", daemon=True)
    thread.start()
    return thread
