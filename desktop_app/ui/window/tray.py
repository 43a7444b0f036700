"""Tray icon: Show, New chat, Capture region, Quit."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop_app import APP_NAME
from desktop_app.ui.common.icons import app_icon


class Tray(QObject):
    """Signals:
    show_requested(), new_chat_requested(), capture_requested(),
    full_screen_requested(), delayed_capture_requested(), quit_requested()
    """

    show_requested = Signal()
    new_chat_requested = Signal()
    capture_requested = Signal()
    full_screen_requested = Signal()
    delayed_capture_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = QMenu()
        for text, signal in (
            ("Show AskShot", self.show_requested),
            ("New chat", self.new_chat_requested),
            ("Capture region", self.capture_requested),
            ("Capture full screen", self.full_screen_requested),
            ("Capture region in 3 seconds", self.delayed_capture_requested),
        ):
            action = QAction(text, self.menu)
            action.triggered.connect(signal)
            self.menu.addAction(action)
        self.menu.addSeparator()
        quit_action = QAction("Quit", self.menu)
        quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(quit_action)
        self.icon = QSystemTrayIcon(app_icon(), self)
        self.icon.setToolTip(APP_NAME)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_icon_activated)

    def show(self) -> bool:
        """Shows the icon when the desktop has a tray; False otherwise."""
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return False
        self.icon.show()
        return True

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_requested.emit()
