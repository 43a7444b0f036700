"""A dark palette like desktop themes use, for screenshots and theme tests."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

_COLOURS = {
    "Window": "#2b2b2e",
    "WindowText": "#e8e8ea",
    "Base": "#1f1f22",
    "AlternateBase": "#2a2a2d",
    "Text": "#e8e8ea",
    "Button": "#3a3a3e",
    "ButtonText": "#e8e8ea",
    "Highlight": "#3d7ee0",
    "HighlightedText": "#ffffff",
    "Mid": "#55555b",
    "Midlight": "#46464b",
    "Dark": "#18181a",
    "Light": "#5a5a60",
    "PlaceholderText": "#9a9aa2",
    "ToolTipBase": "#3a3a3e",
    "ToolTipText": "#e8e8ea",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _COLOURS.items():
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a80"))
    return palette
