"""The QApplication AskShot runs in: names, icon, palette, HiDPI."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from desktop_app import APP_ID, APP_NAME


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
