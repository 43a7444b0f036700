"""The Settings dialog, driven like a person would, against real settings, keyring and HTTP.

Keys go to the in-memory keyring conftest selects; "Test connection" talks to
the fake OpenAI server on 127.0.0.1; settings.json is read back from tmp_path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from desktop_app.context import Services
from desktop_app.core.pricing import Price
from desktop_app.core.secrets import SecretStore
from desktop_app.core.settings import ProviderProfile, load_settings, settings_path
from desktop_app.ui.settings import connection_test
from desktop_app.ui.settings.dialog import SettingsDialog
from tests.memory_keyring import MemoryKeyring
from tests.openai_server import FakeOpenAI

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

KEY = "sk-proj-Test.eyForTheSettingsDialog00000Q7z9"


@pytest.fixture(autouse=True)
def _no_dangling_threads() -> Iterator[None]:
    """A connection test still running after a test is a bug (napari's _dangling_qthreads)."""
    yield
    assert connection_test.wait_for_pending(10_000), "a connection test thread was left running"
    QApplication.processEvents()  # run the queued clean-ups
    assert connection_test.pending() == 0


@pytest.fixture
def services() -> Services:
    return Services()


@pytest.fixture
def dialog(qtbot, services: Services) -> SettingsDialog:
    dlg = SettingsDialog(services)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def visible_texts(widget: QWidget) -> list[str]:
    """Every text a screenshot could show, except what a password field hides as bullets."""
    texts = []
    for child in widget.findChildren(QWidget):
        if isinstance(child, QLineEdit):
            texts.append(child.placeholderText())
            if child.echoMode() != QLineEdit.EchoMode.Password:
                texts.append(child.text())
        elif isinstance(child, QLabel):
            texts.append(child.text())
        texts.append(child.toolTip())
    return texts


def config_files_text(tmp_path: Path) -> str:
    folder = tmp_path / "config"
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


# -- saving ---------------------------------------------------------------------------


def test_ok_saves_settings_and_puts_the_key_only_in_the_keyring(
    qtbot, dialog: SettingsDialog, services: Services, tmp_path: Path
) -> None:
    page = dialog.providers_page
    type_into(qtbot, page.model_edit, "gpt-4.1-mini")
    type_into(qtbot, page.key_box.key_edit, KEY)
    assert page.key_box.key_edit.displayText() != KEY  # bullets while typing
    assert KEY not in visible_texts(dialog)
    dialog.tabs.setCurrentWidget(dialog.general_page)
    dialog.general_page.detail_combo.setCurrentIndex(2)

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted.value
    saved = json.loads(settings_path().read_text())
    assert saved["default_detail"] == "high"
    assert next(p for p in saved["providers"] if p["name"] == "OpenAI")["model"] == "gpt-4.1-mini"
    assert KEY not in config_files_text(tmp_path)
    assert KEY[-4:] not in settings_path().read_text()
    status = services.secrets.status("OpenAI")
    assert status.source == "keyring"
    assert status.masked is not None and status.masked.endswith(KEY[-4:])
    assert services.secrets.get("OpenAI") == KEY


def test_after_apply_the_key_field_is_empty_and_the_key_never_shown(
    qtbot, dialog: SettingsDialog, services: Services
) -> None:
    box = dialog.providers_page.key_box
    type_into(qtbot, box.key_edit, KEY)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert box.key_edit.text() == ""
    assert box.key_edit.echoMode() == QLineEdit.EchoMode.Password
    placeholder = box.key_edit.placeholderText()
    assert placeholder.startswith(f"Stored in {services.secrets.backend_name()}: sk-proj-…")
    assert KEY[-4:] in placeholder and "type to replace" in placeholder
    assert not dialog.grab().isNull()  # what a screenshot would capture…
    assert not any(KEY in text for text in visible_texts(dialog))  # …holds no whole key
    dialog.reject()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted.value  # Apply saved settings


def test_cancel_discards_edits(qtbot, dialog: SettingsDialog, services: Services) -> None:
    type_into(qtbot, dialog.providers_page.model_edit, "gpt-4o")
    type_into(qtbot, dialog.providers_page.key_box.key_edit, KEY)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    assert not dialog.isVisible()
    assert dialog.result() == SettingsDialog.DialogCode.Rejected.value
    assert services.settings.profile("OpenAI").model == "gpt-4o-mini"
    assert services.secrets.get("OpenAI") is None
    assert not settings_path().exists()


def test_add_a_custom_profile_and_make_it_active(
    qtbot, dialog: SettingsDialog, services: Services
) -> None:
    page = dialog.providers_page
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.name_edit.hasFocus()
    qtbot.keyClicks(page.name_edit, "Lab server")  # replaces the suggested name
    type_into(qtbot, page.url_edit, "https://llm.example.org/v1/")
    type_into(qtbot, page.model_edit, "qwen2.5-vl")
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    assert page.list.currentItem().text() == "Lab server  (active)"

    assert dialog.apply()

    profile = services.settings.profile("Lab server")
    assert (profile.base_url, profile.model) == ("https://llm.example.org/v1", "qwen2.5-vl")
    assert services.settings.active_provider == "Lab server"
    reloaded, notice = load_settings()
    assert notice is None
    assert reloaded.active_profile() == profile
    assert page.name_stack.currentWidget() is page.name_label  # saved: the name is fixed now


def test_remove_a_custom_profile_and_its_key(qtbot, services: Services) -> None:
    services.settings.add_profile(ProviderProfile("Lab", "https://lab.example/v1", "m"))
    services.settings.set_active("Lab")
    services.save_settings()
    services.secrets.set("Lab", KEY)
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    page = dialog.providers_page
    page.select("OpenAI")
    assert not page.remove_button.isEnabled()  # built-ins stay
    page.select("Lab")
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)

    assert dialog.apply()

    assert services.settings.find_profile("Lab") is None
    assert services.settings.active_provider == "OpenAI"
    assert services.secrets.get("Lab") is None  # no orphaned key in the keyring


def test_remove_key(qtbot, services: Services) -> None:
    services.secrets.set("OpenAI", KEY)
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    box = dialog.providers_page.key_box
    assert box.remove_button.isEnabled()

    qtbot.mouseClick(box.remove_button, Qt.MouseButton.LeftButton)

    assert services.secrets.get("OpenAI") is None
    assert box.key_edit.placeholderText() == "Paste your API key here"
    assert not box.remove_button.isEnabled()


# -- notes and validation ----------------------------------------------------------------


def test_gateai_says_where_its_fields_come_from(dialog: SettingsDialog) -> None:
    page = dialog.providers_page
    page.select("Gate.AI")
    assert "console" in page.hint_note.text() and page.hint_note.isVisible()
    assert page.problem_note.text() == dialog._services.settings.profile("Gate.AI").missing()
    assert page.problem_note.isVisible()


def test_plain_http_to_another_host_is_warned_about(qtbot, dialog: SettingsDialog) -> None:
    page = dialog.providers_page
    type_into(qtbot, page.url_edit, "http://10.1.2.3:8080/v1")
    assert "unencrypted" in page.insecure_note.text() and page.insecure_note.isVisible()
    type_into(qtbot, page.url_edit, "http://localhost:8080/v1")
    assert not page.insecure_note.isVisible()

    page.select("Local server")  # needs no key, so nothing to leak…
    type_into(qtbot, page.url_edit, "http://10.1.2.3:11434/v1")
    assert not page.insecure_note.isVisible()
    type_into(qtbot, page.key_box.key_edit, KEY)  # …until one is typed
    assert page.insecure_note.isVisible()


def test_a_new_base_url_gets_a_fresh_try_at_stream_options(qtbot, services: Services) -> None:
    services.settings.set_stream_options("OpenRouter", False)  # learnt from a rejection
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    assert dialog.apply()
    assert services.settings.profile("OpenRouter").stream_options is False  # same endpoint

    dialog.providers_page.select("OpenRouter")
    type_into(qtbot, dialog.providers_page.url_edit, "https://gateway.example/v1")
    assert dialog.apply()
    assert services.settings.profile("OpenRouter").stream_options is True


def test_enter_with_a_bad_value_shows_why_instead_of_closing(
    qtbot, dialog: SettingsDialog, services: Services
) -> None:
    page = dialog.providers_page
    type_into(qtbot, page.url_edit, "ftp://example.org")
    assert page.problem_note.isVisible()
    qtbot.keyClick(page.url_edit, Qt.Key.Key_Return)

    assert dialog.isVisible()
    assert "must start with http:// or https://" in dialog.error_note.text()
    assert page.url_edit.hasFocus()
    assert not settings_path().exists()

    dialog.tabs.setCurrentWidget(dialog.budgets_page)
    type_into(qtbot, page.url_edit, "https://example.org/v1")
    row = dialog.budgets_page.prices.add_row("my-vision-model")
    type_into(qtbot, row.edits[2], "3")  # an output price, but no input price
    qtbot.keyClick(row.edits[2], Qt.Key.Key_Return)

    assert dialog.isVisible()
    assert dialog.tabs.currentWidget() is dialog.budgets_page
    assert "enter its input price" in dialog.error_note.text()
    assert row.edits[0].hasFocus()
    assert services.settings.profile("OpenAI").base_url == "https://api.openai.com/v1"


# -- budgets and prices -------------------------------------------------------------------


def test_budgets_and_price_overrides_are_saved_and_applied(
    qtbot, dialog: SettingsDialog, services: Services
) -> None:
    page = dialog.budgets_page
    dialog.tabs.setCurrentWidget(page)
    page.session_spin.setValue(1.5)
    page.monthly_spin.setValue(20)
    llava = page.prices.add_row()
    type_into(qtbot, llava.model_combo.lineEdit(), "llava")
    assert llava.edits[0].placeholderText() == "required"
    type_into(qtbot, llava.edits[0], "0.5")
    type_into(qtbot, llava.edits[2], "1,5")  # a decimal comma is understood
    gpt4o = page.prices.add_row("gpt-4o")
    assert gpt4o.edits[0].placeholderText() == "2.5"  # the table price, shown in grey
    type_into(qtbot, gpt4o.edits[2], "12")

    assert dialog.apply()

    settings = services.settings
    assert (settings.session_budget_usd, settings.monthly_budget_usd) == (1.5, 20.0)
    assert settings.price_overrides == {
        "llava": {"input": 0.5, "output": 1.5},
        "gpt-4o": {"input": 2.5, "cached_input": 1.25, "output": 12.0},
    }
    assert services.spend.budget_usd == 1.5
    assert services.spend.price_overrides["llava"] == Price(0.5, 0.5, 1.5)
    assert services.spend.price_overrides["gpt-4o"] == Price(2.5, 1.25, 12.0)
    saved = json.loads(settings_path().read_text())
    assert saved["session_budget_usd"] == 1.5
    assert saved["price_overrides"]["llava"] == {"input": 0.5, "output": 1.5}

    qtbot.mouseClick(llava.remove_button, Qt.MouseButton.LeftButton)
    page.session_spin.setValue(0)  # "No budget"
    assert dialog.apply()
    assert services.settings.session_budget_usd is None
    assert services.spend.budget_usd is None
    assert set(services.spend.price_overrides) == {"gpt-4o"}


# -- test connection --------------------------------------------------------------------


def point_at(qtbot, dialog: SettingsDialog, url: str) -> None:
    type_into(qtbot, dialog.providers_page.url_edit, url)


def run_test(qtbot, dialog: SettingsDialog) -> str:
    box = dialog.providers_page.key_box
    qtbot.mouseClick(box.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.testing, timeout=15_000)
    return box.result_note.text()


def test_connection_test_with_the_typed_key(qtbot, dialog: SettingsDialog, openai_server) -> None:
    point_at(qtbot, dialog, openai_server.base_url)
    type_into(qtbot, dialog.providers_page.key_box.key_edit, KEY)

    text = run_test(qtbot, dialog)

    # Checked against the catalogue: no tokens spent.
    assert text == (
        f"Connected to 127.0.0.1:{openai_server.port}: gpt-4o-mini is one of the 3 models it "
        "offers."
    )
    assert not [r for r in openai_server.requests if r.method == "POST"]
    assert dialog.providers_page.key_box.result_note.kind == "ok"
    assert openai_server.requests[-1].authorization == f"Bearer {KEY}"
    assert dialog.providers_page.key_box.test_button.isEnabled()


def test_connection_test_reports_a_rejected_key(
    qtbot, dialog: SettingsDialog, openai_server
) -> None:
    point_at(qtbot, dialog, openai_server.base_url)
    type_into(qtbot, dialog.providers_page.key_box.key_edit, "sk-wrong-key-0000")
    openai_server.push("invalid_api_key")

    text = run_test(qtbot, dialog)

    assert text.startswith(f"The server at 127.0.0.1:{openai_server.port} rejected the API key")
    assert "sk-wrong-key-0000" not in text
    assert dialog.providers_page.key_box.result_note.kind == "error"


def test_connection_test_uses_the_stored_key_when_none_is_typed(qtbot, services: Services) -> None:
    services.secrets.set("OpenAI", KEY)
    with FakeOpenAI(api_key=KEY) as server:  # any other key gets a 401
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        point_at(qtbot, dialog, server.base_url)
        assert run_test(qtbot, dialog).startswith("Connected to 127.0.0.1")


def test_connection_test_without_any_key_says_what_to_do(
    qtbot, dialog: SettingsDialog, openai_server
) -> None:
    point_at(qtbot, dialog, openai_server.base_url)
    assert "paste it into the key field" in run_test(qtbot, dialog)
    assert not openai_server.requests


def test_dialog_closes_at_once_while_a_connection_test_runs(
    qtbot, dialog: SettingsDialog, openai_server
) -> None:
    point_at(qtbot, dialog, openai_server.base_url)
    type_into(qtbot, dialog.providers_page.key_box.key_edit, KEY)
    openai_server.push("stall_headers")  # the server never answers
    box = dialog.providers_page.key_box
    qtbot.mouseClick(box.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(openai_server.requests) == 1)
    assert box.testing and box.busy.isVisible() and not box.test_button.isEnabled()
    assert box.test_button.text() == "Testing…"

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    assert not dialog.isVisible()  # closed without waiting for the server
    assert not box.testing
    assert connection_test.pending() == 1  # the request is still in flight, detached
    openai_server.stopped.set()  # the server gives up; the detached thread then ends
    qtbot.waitUntil(lambda: connection_test.pending() == 0, timeout=15_000)


# -- no keyring ------------------------------------------------------------------------------


def test_without_a_keyring_the_key_can_be_used_until_quit(
    qtbot, services: Services, tmp_path: Path
) -> None:
    services.secrets = SecretStore(backend=FailKeyring())
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    box = dialog.providers_page.key_box
    assert box.problem_note.isVisible()
    assert box.problem_note.text().startswith("No usable keyring")
    assert "then try again" in box.problem_note.text()  # the fix, in words
    assert box.session_check.isVisible()

    type_into(qtbot, box.key_edit, KEY)
    assert not dialog.apply()  # not silently dropped, not written anywhere
    assert "was not saved" in box.problem_note.text()
    assert dialog.error_note.isVisible()

    box.session_check.setChecked(True)
    assert dialog.apply()

    assert services.secrets.get("OpenAI") == KEY
    assert services.secrets.status("OpenAI").source == "session"
    assert "Kept until you quit" in box.key_edit.placeholderText()
    assert box.key_edit.text() == ""
    assert KEY not in config_files_text(tmp_path)
    assert not MemoryKeyring._store  # nothing went to any keyring either


def test_a_key_that_cannot_be_saved_is_pointed_out_on_its_profile(
    qtbot, dialog: SettingsDialog, services: Services
) -> None:
    page = dialog.providers_page
    page.select("OpenRouter")
    type_into(qtbot, page.key_box.key_edit, "sk-or-v1 pasted with a space")
    page.select("OpenAI")  # the typed key stays with OpenRouter
    assert page.key_box.key_edit.text() == ""

    assert not dialog.apply()

    assert page.current_row().profile.name == "OpenRouter"
    assert page.key_box.key_edit.hasFocus()
    assert "contains spaces" in page.key_box.problem_note.text()
    assert not page.key_box.session_check.isVisible()  # the keyring is fine
    assert not settings_path().exists()
    assert services.secrets.get("OpenRouter") is None
