"""The window's chrome: the notice line, the toolbar, the status bar's texts."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QToolButton,
    QWidget,
)

from desktop_app.core.pricing import format_usd
from desktop_app.core.spend import BudgetState, SessionSpend


class NoticeBar(QFrame):
    """A dismissible line of text above the chat."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.show()


TOOL_TIPS = (
    "New chat (Ctrl+N)",
    "Capture a screen region (Ctrl+Shift+X)",
    "Attach an image (Ctrl+O)",
    "Settings (Ctrl+,)",
)


def add_toolbar(
    window: QMainWindow, actions: Sequence[QAction], capture_action: QAction
) -> tuple[QAction, QAction]:
    """The main toolbar; the capture button's menu adds full-screen and delayed capture.

    Returns those two menu actions (full screen, in 3 seconds) for the window to connect.
    """
    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("main-toolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action, tip in zip(actions, TOOL_TIPS, strict=True):
        toolbar.addAction(action)
        action.setToolTip(tip)
    capture_menu = QMenu(window)
    capture_menu.addAction(capture_action)
    full_screen = capture_menu.addAction("Capture full screen")
    full_screen.setShortcut(QKeySequence("Ctrl+Shift+F"))
    delayed = capture_menu.addAction("Capture region in 3 seconds")
    window.addActions([full_screen, delayed])
    capture_button = toolbar.widgetForAction(capture_action)
    if isinstance(capture_button, QToolButton):
        capture_button.setMenu(capture_menu)
        capture_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
    window.addToolBar(toolbar)
    return full_screen, delayed


def status_texts(spend: SessionSpend) -> tuple[str, str, str]:
    """(session spend, budget state, the budget's tooltip) for the status bar."""
    usage = spend.total_usage
    cost = format_usd(spend.total_cost)
    if spend.has_unpriced:
        cost += " + unpriced"
    spent = (
        f"Session: {usage.input_tokens:,} in · {usage.cached_tokens:,} cached · "
        f"{usage.output_tokens:,} out · {cost}"
    )
    check = spend.check()
    if check.state is BudgetState.OFF:
        return spent, "No budget", "Set a session budget in Settings."
    budget = format_usd(spend.budget_usd)
    state = {
        BudgetState.OK: "Budget",
        BudgetState.WARNING: "⚠ Budget",
        BudgetState.EXCEEDED: "⛔ Budget",
    }[check.state]
    return spent, f"{state}: {format_usd(spend.total_cost)} of {budget}", check.message or ""
