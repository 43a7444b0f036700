"""The API-key part of Settings → Providers: enter, store, remove and test a key.

A key is typed into a password field, kept only in memory until OK/Apply, then
handed to the keyring (or, when there is no usable keyring and the user agrees,
kept for this session only). It is never shown again in full: afterwards the
field is empty and its placeholder names the keyring and the masked key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.secrets import KeyringUnavailable, KeyStatus
from desktop_app.core.settings import ProviderProfile
from desktop_app.core.urls import host_of
from desktop_app.ui.settings.connection_test import ConnectionTest, Job
from desktop_app.ui.settings.widgets import Note

if TYPE_CHECKING:
    from desktop_app.context import Services


@dataclass
class ProfileRow:
    """A profile as edited in the dialog, and a key typed for it but not yet saved."""

    profile: ProviderProfile
    saved_name: str | None  # its name in the saved settings; None if added in this dialog
    key_text: str = ""


def key_placeholder(status: KeyStatus, needs_key: bool) -> str:
    """What the empty key field says: where the key is, masked, or what to do."""
    if status.source == "keyring":
        return f"Stored in {status.backend}: {status.masked} — type to replace"
    if status.source == "session":
        return f"Kept until you quit (not stored): {status.masked} — type to replace"
    if status.source == "env":
        return f"Using OPENAI_API_KEY from the environment: {status.masked}"
    return "Paste your API key here" if needs_key else "Not needed for this server"


def environment_url(services: Services, row: ProfileRow) -> str | None:
    """The base URL this run sends the saved profile's chats to instead of its own, if any.

    `Services.resolve_profile` applies `OPENAI_BASE_URL` as a chat does; Settings
    shows and tests that URL, and never saves it.
    """
    if row.saved_name is None:
        return None
    try:
        saved = services.settings.profile(row.saved_name)
        effective = services.resolve_profile(row.saved_name, require_complete=False)
    except AppError:
        return None
    return effective.base_url if effective.base_url != saved.base_url else None


def effective_profile(services: Services, row: ProfileRow) -> ProviderProfile:
    """The row's profile as a chat would use it this run (the environment's URL applied)."""
    url = environment_url(services, row)
    return row.profile if url is None else replace(row.profile, base_url=url)


class KeyBox(QGroupBox):
    """Key field, its status, "Remove key", the session-only fallback and "Test connection".

    Signals:
        key_removed(str): the key of this provider was deleted from the store (at once).
    """

    key_removed = Signal(str)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__("API key", parent)
        self._services = services
        self._row: ProfileRow | None = None
        self._tester = ConnectionTest(self)
        self._tester.succeeded.connect(self._on_tester_succeeded)
        self._tester.failed.connect(self._on_tester_failed)

        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setClearButtonEnabled(True)
        self.key_edit.setAccessibleName("API key")
        self.key_edit.textEdited.connect(self._on_key_edited)
        self.remove_button = QPushButton("Remove key")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.status_note = Note("hint")
        self.problem_note = Note("warning")
        self.session_check = QCheckBox("Use this key until I quit (it is not stored anywhere)")
        self.session_check.hide()
        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Sends one tiny request (one output token) with this key.")
        self.test_button.clicked.connect(self._on_test_clicked)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setTextVisible(False)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.result_note = Note("hint")

        layout = QVBoxLayout(self)
        layout.addWidget(self.key_edit)
        layout.addWidget(self.status_note)
        layout.addWidget(self.problem_note)
        layout.addWidget(self.session_check)
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.busy)
        actions.addStretch(1)
        actions.addWidget(self.remove_button)
        layout.addLayout(actions)
        layout.addWidget(self.result_note)

    # -- which profile ------------------------------------------------------------
    def show_row(self, row: ProfileRow | None) -> None:
        """Switch to `row`; a key typed for the previous profile stays with it."""
        self.cancel_test()
        self.result_note.clear_message()
        self._row = row
        self.key_edit.setText(row.key_text if row else "")
        self.setEnabled(row is not None)
        self.refresh()

    def refresh(self) -> None:
        """Ask the store where the key is now and show it (masked)."""
        row = self._row
        if row is None:
            return
        status = self._services.secrets.status(row.profile.name, row.profile.base_url)
        placeholder = key_placeholder(status, row.profile.needs_key)
        self.key_edit.setPlaceholderText(placeholder)
        self.key_edit.setToolTip(placeholder)
        self.remove_button.setEnabled(status.source in ("keyring", "session"))
        if status.source == "env":
            self.status_note.show_message(
                "OPENAI_API_KEY is set, so it is used for this profile; a key saved here "
                "applies once that variable is unset."
                if row.profile.name == "OpenAI"
                else "No key is saved for this profile, so OPENAI_API_KEY is used.",
                "hint",
            )
        elif status.problem is None:
            self.status_note.show_message(
                f"Keys are kept in {status.backend}, never in a settings file.", "hint"
            )
        else:
            self.status_note.clear_message()
        self._show_problem(status.problem)

    def _show_problem(self, problem: str | None) -> None:
        self.problem_note.show_message(problem)
        self.session_check.setVisible(problem is not None or self.session_check.isChecked())

    # -- saving ---------------------------------------------------------------------
    def save_keys(self, rows: list[ProfileRow], select: Callable[[ProfileRow], None]) -> bool:
        """Store every typed key; on failure `select` that profile, show why, return False."""
        if self._row is not None:
            self._row.key_text = self.key_edit.text()
        secrets = self._services.secrets
        for row in rows:
            key = row.key_text.strip()
            if not key:
                row.key_text = ""
                continue
            try:
                if self.session_check.isChecked():
                    secrets.set_session_key(row.profile.name, key)
                else:
                    secrets.set(row.profile.name, key)
            except AppError as error:  # no usable keyring, or a key with spaces in it
                select(row)
                no_keyring = isinstance(error, KeyringUnavailable)
                self.problem_note.show_message(
                    f"The key for {row.profile.name} was not saved. {error.message}"
                )
                self.session_check.setVisible(no_keyring or self.session_check.isChecked())
                (self.session_check if no_keyring else self.key_edit).setFocus()
                return False
            row.key_text = ""
        self.key_edit.clear()
        self.refresh()
        return True

    @Slot()
    def _on_remove_clicked(self) -> None:
        row = self._row
        if row is None:
            return
        row.key_text = ""
        self.key_edit.clear()
        try:
            self._services.secrets.delete(row.profile.name)
        except KeyringUnavailable as error:
            self._show_problem(error.message)
            return
        self.refresh()
        self.result_note.show_message(f"Removed the key for {row.profile.name}.", "ok")
        self.key_removed.emit(row.profile.name)

    @Slot(str)
    def _on_key_edited(self, text: str) -> None:
        if self._row is not None:
            self._row.key_text = text
        self.result_note.clear_message()

    # -- test connection -------------------------------------------------------------
    def profile_changed(self) -> None:
        """The URL or model changed: an earlier test result no longer applies."""
        self.cancel_test()
        self.result_note.clear_message()

    def cancel_test(self) -> None:
        self._tester.cancel()
        self._set_busy(False)

    @property
    def testing(self) -> bool:
        return self._tester.running

    @Slot()
    def _on_test_clicked(self) -> None:
        row = self._row
        if row is None:
            return
        profile = effective_profile(self._services, row)  # where a chat would go this run
        problem = profile.missing()
        if problem:
            self.result_note.show_message(problem, "error")
            return
        self._tester.start(_check_job(self._services, profile, self.key_edit.text().strip()))
        self._set_busy(True)
        host = host_of(profile.base_url)
        self.result_note.show_message(f"Asking {host} for {profile.model}…", "hint")

    @Slot(str)
    def _on_tester_succeeded(self, text: str) -> None:
        self._set_busy(False)
        self.result_note.show_message(text, "ok")

    @Slot(str)
    def _on_tester_failed(self, text: str) -> None:
        self._set_busy(False)
        self.result_note.show_message(text, "error")

    def _set_busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy)
        self.test_button.setText("Testing…" if busy else "Test connection")
        self.busy.setVisible(busy)
        if not busy and self.result_note.kind == "hint":
            self.result_note.clear_message()


def _check_job(services: Services, profile: ProviderProfile, typed_key: str) -> Job:
    """The work for the test thread: find the key (keyring may block) and ask the server."""

    def job() -> str:
        key = typed_key or services.secrets.get(profile.name, profile.base_url)
        if key is None and profile.needs_key:
            raise AppError(
                ErrorKind.AUTH,
                f"There is no API key for {profile.name} yet: paste it into the key field, "
                "then test again.",
            )
        client = services.chat_client(profile, key, fresh=True)
        try:
            return client.test_connection(profile.model)
        finally:
            client.close()

    return job
