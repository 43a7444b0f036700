"""The Settings dialog: Providers, General, and Budgets & prices, with OK/Cancel/Apply.

Nothing is saved while the user types. OK and Apply check every page first
(a value that cannot be saved is pointed out, and the dialog stays open), then
store typed keys in the keyring, then write settings.json (which never holds a
key) and update the session's budget and prices.

    dialog = SettingsDialog(services, parent)
    if dialog.exec():  # Accepted whenever settings were saved (OK, or Apply then Cancel)
        ...
"""

from __future__ import annotations

import copy
import logging
from dataclasses import fields
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import AppError
from desktop_app.core.settings import Settings
from desktop_app.core.turns import price_overrides
from desktop_app.ui.common.screen_fit import fit_to_screen
from desktop_app.ui.settings.pages import BudgetsPage, GeneralPage
from desktop_app.ui.settings.privacy import PrivacyPage
from desktop_app.ui.settings.providers import ProvidersPage
from desktop_app.ui.settings.widgets import Note, SettingsInvalid

if TYPE_CHECKING:
    from desktop_app.context import Services

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    """Edits `services.settings` and the keys in `services.secrets`.

    Signals:
        settings_applied(): settings were saved (by OK or Apply).
        key_removed(str): "Remove key" deleted this provider's key (at once, not on Apply).
    """

    settings_applied = Signal()
    key_removed = Signal(str)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self._services = services
        self._applied = False

        self.providers_page = ProvidersPage(services)
        self.general_page = GeneralPage(services.settings)
        self.budgets_page = BudgetsPage(services.settings)
        self.privacy_page = PrivacyPage(services.settings)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.tabs.addTab(self.providers_page, "Providers")
        self.tabs.addTab(self.general_page, "General")
        self.tabs.addTab(self.budgets_page, "Budgets && prices")
        self.tabs.addTab(self.privacy_page, "Privacy")

        self.error_note = Note("error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        for button in self.buttons.buttons():
            button.setIcon(QIcon())  # the style's bitmap icons blur at 200%
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.apply_button.clicked.connect(self._on_apply_clicked)
        self.providers_page.key_box.key_removed.connect(self.key_removed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_note)
        layout.addWidget(self.buttons)

        em = self.fontMetrics().horizontalAdvance("M")
        line = self.fontMetrics().lineSpacing()
        self.resize(max(720, em * 56), max(560, line * 36))
        fit_to_screen(self)  # at 200 % that is larger than a 1280×800 screen

    @property
    def apply_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Apply)

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    # -- saving ---------------------------------------------------------------------
    def apply(self) -> bool:
        """Check, then save everything; False (with the reason shown) if nothing was saved."""
        self.error_note.clear_message()
        live = self._services.settings
        draft = copy.deepcopy(live)
        pages = (self.providers_page, self.general_page, self.budgets_page, self.privacy_page)
        for page in pages:
            try:
                page.collect(draft)
            except SettingsInvalid as invalid:
                self._show_invalid(page, invalid)
                return False
        if not self.providers_page.save_keys():
            self.tabs.setCurrentWidget(self.providers_page)
            self.error_note.show_message(
                "Nothing was saved yet: a key could not be stored (see the API key section)."
            )
            return False
        before = copy.deepcopy(live)
        _copy_fields(draft, live)  # the same object everyone holds, updated in place
        try:
            self._services.save_settings()
        except AppError as error:
            _copy_fields(before, live)
            self.error_note.show_message(error.message)
            return False
        self._forget_removed_keys()
        spend = self._services.spend
        spend.budget_usd = live.session_budget_usd
        spend.price_overrides = price_overrides(live.price_overrides)
        self.providers_page.mark_saved()
        self._applied = True
        self.settings_applied.emit()
        return True

    def _forget_removed_keys(self) -> None:
        """A removed profile's key should not linger in the keyring."""
        for name in self.providers_page.forget_removed():
            try:
                self._services.secrets.delete(name)
            except AppError as error:  # the keyring went away: the key stays, say why in logs
                log.info("could not delete the key of removed profile %s: %s", name, error)

    def _show_invalid(self, page: QWidget, invalid: SettingsInvalid) -> None:
        self.tabs.setCurrentWidget(page)
        self.error_note.show_message(invalid.message)
        if invalid.widget is not None:
            invalid.widget.setFocus()

    # -- buttons --------------------------------------------------------------------
    @Slot()
    def _on_apply_clicked(self) -> None:
        self.apply()

    def accept(self) -> None:
        if self.apply():
            super().accept()

    def done(self, result: int) -> None:
        """Closing (any way) drops a running connection test; Apply counts as saved."""
        self.providers_page.key_box.cancel_test()
        if self._applied and result == QDialog.DialogCode.Rejected.value:
            result = QDialog.DialogCode.Accepted.value
        super().done(result)


def _copy_fields(source: Settings, target: Settings) -> None:
    for field in fields(Settings):
        setattr(target, field.name, getattr(source, field.name))
