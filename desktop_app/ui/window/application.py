"""The QApplication AskShot runs in: names, icon, HiDPI, the import-hook fix, the crash handler."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop_app import APP_ID, APP_NAME
from desktop_app.ui.common.icons import app_icon
from desktop_app.ui.window import crash, import_hook


def create_application(
    argv: list[str] | None = None, *, handle_crashes: bool = True
) -> QApplication:
    """The one QApplication; made here so every path gets the same fixes and settings.

    `handle_crashes`: install the handler for unexpected exceptions (`crash`); the
    test suite keeps pytest's own hooks instead.
    """
    import_hook.install()  # before any thread imports openai (see that module)
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough  # exact 125%/150% scales
    )
    app = QApplication(argv if argv is not None else sys.argv[:1])
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName(APP_NAME)
    QGuiApplication.setApplicationDisplayName(APP_NAME)
    QGuiApplication.setDesktopFileName(APP_ID)  # matches askshot.desktop for the taskbar icon
    app.setWindowIcon(app_icon())
    if handle_crashes:
        crash.install()
    return app
