"""Small window defects a new user hit, each driven like a person would against the fake server.

Code-block Copy feedback, the waiting indicator before the first token, a window
that fits a small (or 200 %) screen, Settings showing the URL `OPENAI_BASE_URL`
really sends to, and the composer's "No API key" notice following the key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPalette, QScreen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from desktop_app.context import Services
from desktop_app.core.code_highlight import contrast
from desktop_app.core.settings import settings_path
from desktop_app.ui.markdown.browser import MarkdownBrowser
from desktop_app.ui.settings import connection_test
from desktop_app.ui.settings.dialog import SettingsDialog
from desktop_app.ui.window.main_window import MainWindow
from tests.dark_palette import dark_palette
from tests.openai_server import FakeOpenAI, Scenario
from tests.window_helpers import (
    KEY,
    TIMEOUT_MS,
    anchor_rect,
    ask,
    open_window,
    server_fixture,  # noqa: F401 (fixture)
    services_fixture,  # noqa: F401 (fixture)
    stream_threads_fixture,  # noqa: F401 (fixture)
    wait_idle,
    window_fixture,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(name="make_services")
def make_services_fixture() -> Iterator[Callable[[], Services]]:
    """Services built inside a test, closed after its windows (which save drafts on close)."""
    built: list[Services] = []

    def make() -> Services:
        built.append(Services())
        return built[-1]

    yield make
    for services in built:
        services.close()


@pytest.fixture(autouse=True)
def _no_dangling_connection_tests() -> Iterator[None]:
    yield
    assert connection_test.wait_for_pending(10_000), "a connection test thread was left running"
    QApplication.processEvents()
    assert connection_test.pending() == 0


# -- 1. a code block's Copy says "Copied" ---------------------------------------------------
def visible_copied_labels(browser: MarkdownBrowser) -> list[QLabel]:
    return [w for w in browser.findChildren(QLabel) if w.isVisible() and w.text() == "Copied"]


def test_code_block_copy_says_copied_for_a_moment(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    server.push(Scenario(text="List the files:\n\n```sh\nls -la\n```\n\nThen look.\n"))
    answer = ask(qtbot, window, "How do I list files?")
    browser = answer.browser
    href = "askshot-copy:0"
    qtbot.waitUntil(lambda: browser.anchorAt(anchor_rect(browser, href).center()) == href)
    link = anchor_rect(browser, href)

    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=link.center())
    clicked = time.monotonic()

    assert QGuiApplication.clipboard().text() == "ls -la\n"
    labels = visible_copied_labels(browser)
    assert len(labels) == 1, "no visible 'Copied' after clicking the code block's Copy"
    assert labels[0].geometry().contains(link.center())  # said where the user clicked
    qtbot.waitUntil(lambda: not visible_copied_labels(browser), timeout=5000)
    assert 1.0 <= time.monotonic() - clicked <= 4.0


# -- 2. the waiting indicator -----------------------------------------------------------------
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_waiting_indicator_is_readable_and_alive_until_the_answer_ends(
    qtbot, window: MainWindow, server: FakeOpenAI, monkeypatch, theme: str
) -> None:
    if theme == "dark":
        window.setPalette(dark_palette())
    monkeypatch.setenv("ASKSHOT_READ_TIMEOUT", "3")
    server.push("stall_headers")  # no first token: the indicator is all the user sees
    window.composer.set_text("Anyone there?")
    window.composer.send_button.click()
    answer = window.chat_view.last_answer()
    assert answer is not None
    waiting = answer.waiting
    qtbot.waitUntil(waiting.isVisible, timeout=TIMEOUT_MS)

    first = waiting.text()
    assert "Waiting for the answer" in first
    palette = waiting.palette()
    shown = palette.color(waiting.foregroundRole())
    assert shown == palette.color(QPalette.ColorRole.Text)  # normal text, not placeholder grey
    base = window.chat_view.viewport().palette().color(QPalette.ColorRole.Base)
    assert contrast(shown.name(), base.name()) >= 7.0
    qtbot.waitUntil(lambda: waiting.text() != first, timeout=2000)  # it moves

    wait_idle(qtbot, window)  # the read timeout ends it with an error
    assert waiting.isHidden()
    active = [t for t in answer.findChildren(QTimer) if t.isActive()]
    assert not active, "a timer still runs after the answer ended"


def test_waiting_indicator_stops_when_text_arrives(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    server.push(Scenario(text="one two three four five six", chunks=6, delay=0.3))
    window.composer.set_text("Count")
    window.composer.send_button.click()
    answer = window.chat_view.last_answer()
    assert answer is not None
    qtbot.waitUntil(lambda: bool(answer.text()), timeout=TIMEOUT_MS)
    assert not answer.waiting.isVisible()
    qtbot.waitUntil(answer.browser.is_up_to_date, timeout=TIMEOUT_MS)
    assert answer.waiting.text() and not any(
        t.isActive() for t in answer.waiting.findChildren(QTimer)
    ), "the indicator keeps animating while the answer streams"
    wait_idle(qtbot, window)


# -- 3. a small (or 200 %) screen ---------------------------------------------------------------
SMALL_SCREEN = QRect(0, 0, 640, 400)  # 1280×800 at QT_SCALE_FACTOR=2, in logical pixels


@pytest.fixture(name="small_screen")
def small_screen_fixture(monkeypatch: pytest.MonkeyPatch) -> QRect:
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(SMALL_SCREEN))
    return SMALL_SCREEN


def test_window_opens_within_a_small_screen(
    qtbot, services: Services, stream_threads, small_screen: QRect
) -> None:
    window = open_window(qtbot, services)
    assert small_screen.contains(window.frameGeometry()), window.frameGeometry()
    # The first-run panel (shown until a key is set) fits too: it scrolls instead.
    assert window.minimumSizeHint().width() <= small_screen.width()
    assert window.minimumSizeHint().height() <= small_screen.height()


def test_an_answer_fits_the_chat_of_a_small_window(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    window.resize(SMALL_SCREEN.size())
    server.push(Scenario(text="List the files:\n\n```sh\nls -la\n```\n", usage=(36_862, 57, 0)))
    answer = ask(qtbot, window, "How do I list files?")
    chat = window.chat_view
    content = chat.widget()
    assert content is not None
    qtbot.waitUntil(lambda: content.width() <= chat.viewport().width())  # no sideways overflow
    link = anchor_rect(answer.browser, "askshot-copy:0")
    assert answer.browser.viewport().rect().contains(link)  # the code's Copy can be reached
    right = answer.copy_button.mapTo(chat.viewport(), answer.copy_button.rect().topRight())
    assert right.x() < chat.viewport().width()  # and the answer's own Copy too


def test_restored_geometry_is_brought_within_a_small_screen(
    qtbot, server: FakeOpenAI, stream_threads, monkeypatch, make_services
) -> None:
    window = open_window(qtbot, make_services())
    window.setGeometry(900, 700, 1600, 1000)  # then the monitor is unplugged, or 200 %
    window.close()  # saves the geometry

    monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(SMALL_SCREEN))
    reopened = open_window(qtbot, make_services())
    assert SMALL_SCREEN.contains(reopened.frameGeometry()), reopened.frameGeometry()


# -- 4. Settings and OPENAI_BASE_URL ------------------------------------------------------------
def test_settings_shows_and_tests_the_url_openai_base_url_sends_to(
    qtbot, openai_server: FakeOpenAI, monkeypatch, make_services
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    services = make_services()
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    page = dialog.providers_page
    row = page.current_row()
    assert row is not None and row.profile.name == "OpenAI"

    assert page.url_edit.text() == openai_server.base_url
    notes = [w.text() for w in page.findChildren(QLabel) if w.isVisible()]
    assert any("from OPENAI_BASE_URL for this run" in text for text in notes), notes

    box = page.key_box
    box.key_edit.setFocus()
    QTest.keyClicks(box.key_edit, KEY)
    qtbot.mouseClick(box.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.testing, timeout=15_000)
    assert box.result_note.text().startswith(f"Connected to 127.0.0.1:{openai_server.port}")
    assert openai_server.requests[-1].authorization == f"Bearer {KEY}"

    assert dialog.apply()  # the environment's URL is for this run only
    assert services.settings.profile("OpenAI").base_url == "https://api.openai.com/v1"
    saved = json.loads(settings_path().read_text())
    assert openai_server.base_url not in json.dumps(saved)


def test_settings_shows_the_saved_url_without_openai_base_url(qtbot, make_services) -> None:
    services = make_services()
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    page = dialog.providers_page
    assert page.url_edit.text() == "https://api.openai.com/v1"
    assert not page.url_edit.isReadOnly()
    notes = [w.text() for w in page.findChildren(QLabel)]
    assert not any("OPENAI_BASE_URL" in text for text in notes)


# -- 5. the "No API key" notice follows the key ---------------------------------------------------
def test_no_key_notice_goes_when_a_key_is_stored_and_returns_when_it_is_removed(
    qtbot, openai_server: FakeOpenAI, monkeypatch, stream_threads, make_services
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)  # but no key anywhere
    services = make_services()
    window = open_window(qtbot, services)
    qtbot.waitUntil(window.first_run.isVisible, timeout=TIMEOUT_MS)
    window.composer.set_text("What is this?")
    window.composer.send_button.click()  # the composer is there under the first-run panel
    assert window.composer.message().startswith("No API key is set for OpenAI")
    seen: dict[str, tuple[str, bool]] = {}
    failures: list[BaseException] = []

    def in_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        try:
            assert isinstance(dialog, SettingsDialog)
            box = dialog.providers_page.key_box
            box.key_edit.setFocus()
            QTest.keyClicks(box.key_edit, KEY)
            dialog.apply_button.click()  # stored; the dialog stays open
            seen["after_apply"] = (window.composer.message(), window.chat_view.isVisible())
            box.remove_button.click()  # and removed again, still in the dialog
            seen["after_remove"] = (window.composer.message(), window.first_run.isVisible())
            QTest.keyClicks(box.key_edit, KEY)
            dialog.ok_button.click()
        except BaseException as exc:  # report it in the test, never leave the dialog open
            failures.append(exc)
        finally:
            if dialog is not None and dialog.isVisible():
                dialog.close()

    QTimer.singleShot(0, in_the_dialog)
    window.open_settings()
    assert not failures, failures

    assert seen["after_apply"] == ("", True)
    message, first_run = seen["after_remove"]
    assert message.startswith("No API key is set for OpenAI") and first_run
    assert window.composer.message() == "" and window.chat_view.isVisible()
    assert "API key" not in window.statusBar().currentMessage()
    answer = ask(qtbot, window, "What is this?")
    assert answer.error_block.isHidden(), answer.error_block.message_label.text()
