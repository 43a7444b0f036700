"""Settings → Providers: the profile list, one profile's endpoint and model, its key.

Edits stay in this page (a list of `ProfileRow`s) until OK/Apply; `collect()`
checks them with the same rules the settings file uses and hands them over.
Names of saved profiles are fixed (a key in the keyring is filed under the
name); a profile added in this dialog can be named freely until it is saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import AppError
from desktop_app.core.providers import DEFAULT_PROVIDER, builtin_profiles
from desktop_app.core.secrets import insecure_transport_warning
from desktop_app.core.settings import ProviderProfile, Settings
from desktop_app.core.urls import mask_url
from desktop_app.ui.common.model_picker import picker_for_profile
from desktop_app.ui.settings.key import KeyBox, ProfileRow, effective_profile, environment_url
from desktop_app.ui.settings.widgets import Note, SettingsInvalid

if TYPE_CHECKING:
    from desktop_app.context import Services

HINTS = {
    "Gate.AI": (
        "Gate.AI shows the base URL and the model id in its console; these fields stay "
        "empty until you paste them here. Then paste your Gate.AI key below."
    ),
    "OpenRouter": "OpenRouter model ids name the vendor first, e.g. openai/gpt-4o-mini.",
    "Local server": (
        "Ollama serves at http://localhost:11434/v1, LM Studio at http://localhost:1234/v1; "
        "use a vision model you have downloaded (llava, llama3.2-vision, qwen2.5vl)."
    ),
}


def _clean_url(url: str) -> str:
    return url.strip().rstrip("/")


class ProvidersPage(QWidget):
    """Pick, add, edit and remove provider profiles; choose the active one."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        settings = services.settings
        self.rows = [ProfileRow(p, p.name) for p in settings.providers]
        self.active = settings.active_provider
        self._removed: list[str] = []  # saved profiles removed here; their keys go on Apply

        self.list = QListWidget()
        self.list.setAccessibleName("Provider profiles")
        self.list.setSpacing(2)
        self.list.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 16)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.add_button = QPushButton("Add…")
        self.add_button.setToolTip("Add a profile for another OpenAI-compatible endpoint.")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._on_remove_clicked)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)

        self.name_edit = QLineEdit()
        self.name_edit.textEdited.connect(self._on_name_edited)
        self.name_label = QLabel()  # a saved profile's fixed name
        self.name_label.setToolTip(
            "A saved profile keeps its name (its key is filed under it); add a new profile "
            "to use another name."
        )
        self.name_stack = QStackedWidget()
        self.name_stack.addWidget(self.name_label)
        self.name_stack.addWidget(self.name_edit)
        self.url_edit = QLineEdit()
        self.url_edit.textEdited.connect(self._on_url_edited)
        self.url_edit.editingFinished.connect(self._on_url_editing_finished)
        self.model_edit = QLineEdit()
        self.model_edit.textEdited.connect(self._on_model_edited)
        self.choose_model_button = QPushButton("Choose…")
        self.choose_model_button.setToolTip(
            "Pick from the models this provider lists, with their prices and whether they "
            "see images."
        )
        self.choose_model_button.clicked.connect(self._on_choose_model_clicked)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_edit, 1)
        model_row.addWidget(self.choose_model_button)
        self.needs_key_check = QCheckBox("This endpoint needs an API key")
        self.needs_key_check.clicked.connect(self._on_needs_key_clicked)
        self.hint_note = Note("hint")
        self.problem_note = Note("warning")
        self.insecure_note = Note("warning")
        self.env_url_note = Note("hint")  # OPENAI_BASE_URL overrides the saved URL this run
        self.active_button = QPushButton("Make active")
        self.active_button.setToolTip("New questions go to the active profile.")
        self.active_button.clicked.connect(self._on_active_clicked)
        self.restore_button = QPushButton("Restore defaults")
        self.restore_button.setToolTip("Put this built-in profile back to how AskShot ships it.")
        self.restore_button.clicked.connect(self._on_restore_clicked)

        profile_box = QGroupBox("Profile")
        form = QFormLayout(profile_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Name:", self.name_stack)
        form.addRow("Base &URL:", self.url_edit)
        form.addRow(self.env_url_note)
        form.addRow("&Model id:", model_row)
        model_label = form.labelForField(model_row)
        if isinstance(model_label, QLabel):
            model_label.setBuddy(self.model_edit)  # Alt+M still goes to the text field
        form.addRow("", self.needs_key_check)
        form.addRow(self.hint_note)
        form.addRow(self.problem_note)
        form.addRow(self.insecure_note)
        actions = QHBoxLayout()
        actions.addWidget(self.active_button)
        actions.addWidget(self.restore_button)
        actions.addStretch(1)
        form.addRow(actions)

        self.key_box = KeyBox(services)
        self.key_box.key_edit.textEdited.connect(self._on_key_edited)  # may now send a key
        right = QVBoxLayout()
        right.addWidget(profile_box)
        right.addWidget(self.key_box)
        right.addStretch(1)

        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

        self._fill_list()
        self.list.setCurrentRow(self._index_of(self.active))

    # -- list ---------------------------------------------------------------------
    def _index_of(self, name: str) -> int:
        wanted = name.casefold()
        return next((i for i, r in enumerate(self.rows) if r.profile.name.casefold() == wanted), 0)

    def _fill_list(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for _ in self.rows:
            self.list.addItem(QListWidgetItem())
        self.list.blockSignals(False)
        for index in range(len(self.rows)):
            self._label_item(index)

    def _label_item(self, index: int) -> None:
        row, item = self.rows[index], self.list.item(index)
        is_active = row.profile.name == self.active
        item.setText(f"{row.profile.name or '(unnamed)'}{'  (active)' if is_active else ''}")
        font = item.font()
        font.setBold(is_active)
        item.setFont(font)
        item.setToolTip(row.profile.missing() or row.profile.base_url)

    def current_row(self) -> ProfileRow | None:
        index = self.list.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def select(self, name: str) -> None:
        self.list.setCurrentRow(self._index_of(name))

    @Slot(int)
    def _on_list_current_row_changed(self, index: int) -> None:
        row = self.current_row()
        self.key_box.show_row(row)
        if row is None:
            return
        p = row.profile
        self.name_edit.setText(p.name)
        self.name_label.setText(p.name)
        fixed = row.saved_name is not None
        self.name_stack.setCurrentWidget(self.name_label if fixed else self.name_edit)
        # OPENAI_BASE_URL sends this run's chats elsewhere: show that URL, keep the saved one.
        env_url = environment_url(self._services, row)
        self.url_edit.setText(p.base_url if env_url is None else mask_url(env_url))
        self.url_edit.setReadOnly(env_url is not None)
        self.env_url_note.show_message(
            None
            if env_url is None
            else f"This URL is from OPENAI_BASE_URL for this run; the saved one, "
            f"{mask_url(p.base_url)}, applies when the variable is unset."
        )
        from_console = "paste it from the Gate.AI console" if p.name == "Gate.AI" else None
        self.url_edit.setPlaceholderText(from_console or "https://…/v1")
        self.model_edit.setPlaceholderText(from_console or "e.g. gpt-4o-mini")
        self.model_edit.setText(p.model)
        self.needs_key_check.setChecked(p.needs_key)
        self.remove_button.setEnabled(not p.builtin or row.saved_name is None)
        self._update_state()

    def _update_state(self) -> None:
        """Notes, button states and the list label after any change to the current row."""
        row = self.current_row()
        if row is None:
            return
        p = row.profile
        self.hint_note.show_message(HINTS.get(p.name) if row.saved_name else None)
        name_problem = self._name_problem(row)
        if name_problem:
            self.problem_note.show_message(name_problem, "error")
        else:
            missing = p.missing()
            bad_url = bool(p.base_url) and not p.base_url.lower().startswith(
                ("http://", "https://")
            )
            self.problem_note.show_message(missing, "error" if bad_url else "warning")
        sends_key = p.needs_key or bool(row.key_text.strip())
        url = effective_profile(self._services, row).base_url  # where the key would go
        self.insecure_note.show_message(insecure_transport_warning(url) if sends_key else None)
        is_active = p.name == self.active
        self.active_button.setEnabled(not is_active)
        self.active_button.setText("Active profile" if is_active else "Make active")
        original = next((b for b in builtin_profiles() if b.name == p.name), None)
        self.restore_button.setVisible(original is not None and row.saved_name is not None)
        self.restore_button.setEnabled(original is not None and p != original)
        self._label_item(self.list.currentRow())

    def _name_problem(self, row: ProfileRow) -> str | None:
        name = row.profile.name
        if not name:
            return "Give this profile a name."
        clash = any(
            r is not row and r.profile.name.casefold() == name.casefold() for r in self.rows
        )
        return f"Another profile is already called {name}; pick another name." if clash else None

    # -- edits ----------------------------------------------------------------------
    def _edit(self, **changes: Any) -> ProfileRow | None:
        row = self.current_row()
        if row is not None:
            row.profile = replace(row.profile, **changes)
            self._update_state()
        return row

    @Slot(str)
    def _on_name_edited(self, text: str) -> None:
        row = self.current_row()
        if row is not None and row.profile.name == self.active:
            self.active = text.strip()
        self._edit(name=text.strip())

    @Slot(str)
    def _on_url_edited(self, text: str) -> None:
        self._edit(base_url=text.strip())
        self.key_box.profile_changed()

    @Slot()
    def _on_url_editing_finished(self) -> None:
        self.key_box.refresh()  # whether OPENAI_API_KEY applies depends on the host

    @Slot(str)
    def _on_model_edited(self, text: str) -> None:
        self._edit(model=text.strip())
        self.key_box.profile_changed()

    @Slot()
    def _on_choose_model_clicked(self) -> None:
        """The row's catalogue in a picker; the pick fills the model field (saved on Apply)."""
        row = self.current_row()
        if row is None:
            return
        profile = effective_profile(self._services, row)
        if not profile.base_url:
            self.problem_note.show_message("Enter the base URL first.", "warning")
            return
        picker = picker_for_profile(self._services, profile, self)
        picker.model_chosen.connect(self._on_picker_model_chosen)
        picker.show_near(self.choose_model_button)

    @Slot(str)
    def _on_picker_model_chosen(self, model: str) -> None:
        self.model_edit.setText(model)
        self._on_model_edited(model)

    @Slot(str)
    def _on_key_edited(self, _text: str) -> None:
        self._update_state()

    @Slot(bool)
    def _on_needs_key_clicked(self, checked: bool) -> None:
        self._edit(needs_key=checked)
        self.key_box.refresh()

    @Slot()
    def _on_active_clicked(self) -> None:
        row = self.current_row()
        if row is None:
            return
        previous = self._index_of(self.active)
        self.active = row.profile.name
        self._label_item(previous)
        self._update_state()

    @Slot()
    def _on_restore_clicked(self) -> None:
        row = self.current_row()
        original = next((b for b in builtin_profiles() if row and b.name == row.profile.name), None)
        if row is not None and original is not None:
            row.profile = original
            self._on_list_current_row_changed(self.list.currentRow())
            self.key_box.profile_changed()

    @Slot()
    def _on_add_clicked(self) -> None:
        taken = {r.profile.name.casefold() for r in self.rows}
        candidates = ("Custom", *(f"Custom {i}" for i in range(2, len(self.rows) + 2)))
        name = next(n for n in candidates if n.casefold() not in taken)
        self.rows.append(ProfileRow(ProviderProfile(name, "", ""), None))
        self.list.addItem(QListWidgetItem())
        self.list.setCurrentRow(len(self.rows) - 1)
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.name_edit.selectAll()

    @Slot()
    def _on_remove_clicked(self) -> None:
        index = self.list.currentRow()
        row = self.current_row()
        if row is None or (row.profile.builtin and row.saved_name is not None):
            return
        if row.saved_name is not None:
            self._removed.append(row.saved_name)
        was_active = row.profile.name == self.active
        del self.rows[index]
        self.list.takeItem(index)  # selects a neighbour, which reloads the form
        if was_active:
            self.active = DEFAULT_PROVIDER
            self._label_item(self._index_of(self.active))
            self._update_state()

    # -- apply -----------------------------------------------------------------------
    def collect(self, draft: Settings) -> None:
        """Put the edited profiles into `draft`; SettingsInvalid says what to fix first."""
        check = Settings(providers=[])  # the same name and URL rules as the settings file
        live = self._services.settings
        for index, row in enumerate(self.rows):
            problem = self._name_problem(row)
            if problem:
                self.list.setCurrentRow(index)
                raise SettingsInvalid(problem, self.name_edit)
            # The endpoint's stream_options verdict holds while its URL is unchanged (it may
            # have been learnt while this dialog was open); a new URL gets a fresh try.
            saved = live.find_profile(row.saved_name) if row.saved_name else None
            same_url = saved is not None and _clean_url(saved.base_url) == _clean_url(
                row.profile.base_url
            )
            stream_options = saved.stream_options if saved is not None and same_url else True
            try:
                check.add_profile(replace(row.profile, stream_options=stream_options))
            except AppError as error:  # a base URL that is not http(s)
                self.list.setCurrentRow(index)
                raise SettingsInvalid(error.message, self.url_edit) from None
        draft.providers = check.providers
        draft.active_provider = check.profile(self.active).name

    def save_keys(self) -> bool:
        """Store typed keys; False (and the reason shown) if one could not be kept."""
        return self.key_box.save_keys(self.rows, self._select_row)

    def _select_row(self, row: ProfileRow) -> None:
        self.list.setCurrentRow(self.rows.index(row))

    def forget_removed(self) -> list[str]:
        """Names of saved profiles removed here, no longer in use; cleared by the call."""
        names = {r.profile.name.casefold() for r in self.rows}
        removed = [n for n in self._removed if n.casefold() not in names]
        self._removed = []
        return removed

    def mark_saved(self) -> None:
        """After a successful Apply: every row is now a saved profile."""
        for row in self.rows:
            row.saved_name = row.profile.name
        self._on_list_current_row_changed(self.list.currentRow())
