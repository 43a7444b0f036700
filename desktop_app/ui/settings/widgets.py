"""Small pieces shared by the Settings pages: inline notes and validation errors."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

NoteKind = Literal["hint", "warning", "error", "ok"]

# (light theme, dark theme) text colours, each with enough contrast on that theme's window
_COLOURS: dict[NoteKind, tuple[str, str]] = {
    "warning": ("#8a4b00", "#f2b84b"),
    "error": ("#b3261e", "#ff8a80"),
    "ok": ("#1b6e20", "#8bd68f"),
}


class SettingsInvalid(Exception):
    """A value the user entered cannot be saved; `widget` is where to fix it."""

    def __init__(self, message: str, widget: QWidget | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.widget = widget


class Note(QLabel):
    """A wrapped sentence under a field: a hint, a warning, an error or a success.

    Colours are derived from the current palette, so the note stays readable in
    light and dark themes and follows a theme change while the dialog is open.
    Hidden while it has no text.
    """

    def __init__(self, kind: NoteKind = "hint", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind: NoteKind = kind
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()
        self._restyle()

    @property
    def kind(self) -> NoteKind:
        return self._kind

    def show_message(self, text: str | None, kind: NoteKind | None = None) -> None:
        """Show `text` (hide the note when it is empty), optionally changing its kind."""
        if kind is not None and kind != self._kind:
            self._kind = kind
            self._restyle()
        self.setText(text or "")
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message(None)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ParentChange):
            self._restyle()

    def _restyle(self) -> None:
        # The parent's palette: this label's own text colour is the style sheet's.
        parent = self.parentWidget()
        palette = parent.palette() if parent is not None else QGuiApplication.palette()
        window = palette.color(QPalette.ColorRole.Window)
        dark = window.lightness() < 128
        if self._kind == "hint":
            text = palette.color(QPalette.ColorRole.WindowText)
            colour = _mix(text, window, 0.72)  # muted, still readable
        else:
            colour = QColor(_COLOURS[self._kind][1 if dark else 0])
        weight = "600" if self._kind == "error" else "normal"
        sheet = f"QLabel {{ color: {colour.name()}; font-weight: {weight}; }}"
        if self.styleSheet() != sheet:
            self.setStyleSheet(sheet)


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    """`amount` of colour a blended over b."""
    return QColor(
        round(a.red() * amount + b.red() * (1 - amount)),
        round(a.green() * amount + b.green() * (1 - amount)),
        round(a.blue() * amount + b.blue() * (1 - amount)),
    )


def parse_amount(text: str) -> float | None:
    """A non-negative number typed by a person ("0.15", "0,15", ""); None when empty."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    value = float(cleaned)  # ValueError for anything else
    if value < 0:
        raise ValueError(text)
    return value
