"""Settings → Privacy: redact what the secret finder sees before an image is attached."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QGroupBox, QVBoxLayout, QWidget

from desktop_app.core import ocr
from desktop_app.core.privacy import KINDS
from desktop_app.core.settings import Settings
from desktop_app.ui.editor.finder import install_sentence
from desktop_app.ui.settings.widgets import Note, SettingsInvalid

KIND_LABELS = {
    "email": "&Email addresses",
    "api_key": "API &keys and tokens (sk-…, AKIA…, ghp_…, JWTs, long secrets)",
    "card": "&Card numbers",
    "iban": "&IBANs",
    "ip": "I&P addresses",
    "phone": "P&hone numbers",
}


class PrivacyPage(QWidget):
    """Automatic redaction (off by default) and which kinds of text count as secret."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.auto_check = QCheckBox("&Redact detected secrets automatically")
        self.auto_check.setChecked(settings.privacy_auto_redact)
        self.auto_check.setToolTip(
            "Reads the text of every image you attach on this computer and covers what "
            "matches with solid black before it is prepared, saved or sent."
        )
        self.auto_check.toggled.connect(self._on_auto_check_toggled)
        about = Note("hint")
        about.show_message(
            "The text is read on this computer (Tesseract); nothing is sent to find it. "
            "The editor's “Find secrets” button uses the same kinds."
        )
        self.ocr_note = Note("warning")
        if not ocr.available():
            self.ocr_note.show_message(f"Tesseract is not installed. {install_sentence()}.")

        kinds = QGroupBox("What counts as a secret")
        column = QVBoxLayout(kinds)
        self.kind_checks: dict[str, QCheckBox] = {}
        for kind in KINDS:
            check = QCheckBox(KIND_LABELS.get(kind, kind))
            check.setChecked(kind in settings.privacy_kinds)
            column.addWidget(check)
            self.kind_checks[kind] = check

        layout = QVBoxLayout(self)
        layout.addWidget(self.auto_check)
        layout.addWidget(about)
        layout.addWidget(self.ocr_note)
        layout.addWidget(kinds)
        layout.addStretch(1)

    @Slot(bool)
    def _on_auto_check_toggled(self, checked: bool) -> None:
        if checked and not ocr.available():
            self.ocr_note.show_message(
                f"Automatic redaction needs Tesseract: until it is installed, images cannot "
                f"be attached with this on. {install_sentence()}."
            )

    def collect(self, draft: Settings) -> None:
        kinds = [kind for kind, check in self.kind_checks.items() if check.isChecked()]
        auto = self.auto_check.isChecked()
        if auto and not kinds:
            raise SettingsInvalid(
                "Choose at least one kind of secret, or turn automatic redaction off.",
                self.kind_checks[KINDS[0]],
            )
        draft.privacy_auto_redact = auto
        draft.privacy_kinds = kinds
