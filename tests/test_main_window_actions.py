"""The window's actions around the turns: first run, conversations, shortcuts, closing,
and the single-instance hand-over, against the fake server and a real SQLite history.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from desktop_app.context import Services
from desktop_app.ui.settings.dialog import SettingsDialog
from desktop_app.ui.window.main_window import MainWindow
from desktop_app.ui.window.single_instance import InstanceServer, send_to_running
from tests.openai_server import FakeOpenAI, Scenario
from tests.window_helpers import (
    KEY,
    TIMEOUT_MS,
    answer_question,
    ask,
    image_files_fixture,  # noqa: F401 (fixture)
    open_window,
    server_fixture,  # noqa: F401 (fixture)
    services_fixture,  # noqa: F401 (fixture)
    stream_threads_fixture,  # noqa: F401 (fixture)
    wait_idle,
    wait_ready,
    window_fixture,  # noqa: F401 (fixture)
)

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def shortcut(qtbot, window: MainWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
    """Press a window shortcut where the user's focus is: the question box."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)
    window.composer.focus_question()
    QTest.keyClick(window.composer.edit, key, modifiers)


def start_slow_answer(qtbot, window: MainWindow, server: FakeOpenAI) -> None:
    server.push(Scenario(chunks=400, delay=0.02))
    window.composer.set_text("Tell me everything")
    window.composer.send_button.click()
    answer = window.chat_view.last_answer()
    assert answer is not None
    qtbot.waitUntil(lambda: len(answer.text()) > 20, timeout=TIMEOUT_MS)


def titles(window: MainWindow) -> list[str]:
    items = window.conversations.list
    return [items.item(row).text() for row in range(items.count())]


# -- first run --------------------------------------------------------------------------
def test_first_run_panel_until_a_key_is_saved_in_settings(
    qtbot, openai_server: FakeOpenAI, monkeypatch, stream_threads
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)  # but no key anywhere
    services = Services()
    window = open_window(qtbot, services)
    # The keyring is asked on a thread after the first paint.
    qtbot.waitUntil(window.first_run.isVisible, timeout=TIMEOUT_MS)
    assert not window.chat_view.isVisible()
    failures: list[BaseException] = []

    def type_key_and_press_ok() -> None:
        dialog = QApplication.activeModalWidget()
        try:
            assert isinstance(dialog, SettingsDialog)
            key_edit = dialog.providers_page.key_box.key_edit
            key_edit.setFocus()
            QTest.keyClicks(key_edit, KEY)
            dialog.ok_button.click()
        except BaseException as exc:  # report it in the test, never leave the dialog open
            failures.append(exc)
        finally:
            if dialog is not None and dialog.isVisible():
                dialog.close()

    QTimer.singleShot(0, type_key_and_press_ok)
    qtbot.mouseClick(window.first_run.button, Qt.MouseButton.LeftButton)  # runs the dialog
    assert not failures, failures

    assert window.chat_view.isVisible() and not window.first_run.isVisible()
    assert services.secrets.get("OpenAI") == KEY
    answer = ask(qtbot, window, "Hello?")
    assert answer.error_block.isHidden(), answer.error_block.message_label.text()
    assert openai_server.requests[-1].authorization == f"Bearer {KEY}"
    services.close()


# -- conversations ------------------------------------------------------------------------
def test_new_select_rename_delete_and_undo(
    qtbot, window: MainWindow, server: FakeOpenAI, monkeypatch
) -> None:
    server.push(Scenario(text="Answer one."), Scenario(text="Answer two."))
    ask(qtbot, window, "First question")
    first = window.controller.conversation_id
    shortcut(qtbot, window, Qt.Key.Key_N, CTRL)
    assert window.chat_view.messages() == [] and window.controller.conversation_id is None
    assert window.conversations.selected_id() is None
    ask(qtbot, window, "Second question")
    second = window.controller.conversation_id
    assert second != first and titles(window) == ["Second question", "First question"]

    items = window.conversations.list
    rect = items.visualItemRect(items.item(titles(window).index("First question")))
    qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.controller.conversation_id == first
    question, answer = window.chat_view.messages()
    assert question.text_label.text() == "First question" and answer.text() == "Answer one."

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Renamed", True)))
    items.setFocus()
    QTest.keyClick(items, Qt.Key.Key_F2)
    assert sorted(titles(window)) == ["Renamed", "Second question"]
    assert window.conversations.selected_id() == first  # still the one shown

    QTest.keyClick(items, Qt.Key.Key_Delete)
    assert titles(window) == ["Second question"]
    assert window.chat_view.messages() == [] and window.controller.conversation_id is None
    assert window.conversations.undo_bar.isVisible()
    window.conversations.undo_button.click()
    assert sorted(titles(window)) == ["Renamed", "Second question"]
    assert window.controller.conversation_id == first and len(window.chat_view.messages()) == 2
    assert window.conversations.selected_id() == first


def test_a_long_title_is_cut_short_not_scrolled_sideways(qtbot, window: MainWindow) -> None:
    ask(qtbot, window, "A question long enough that its title cannot fit in the list " * 2)
    items = window.conversations.list
    assert items.visualItemRect(items.item(0)).width() <= items.viewport().width()
    assert not items.horizontalScrollBar().isVisible()
    assert "A question long enough" in items.item(0).toolTip()  # the whole title on hover


def _click_conversation(qtbot, window: MainWindow, title: str) -> None:
    items = window.conversations.list
    rect = items.visualItemRect(items.item(titles(window).index(title)))
    qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_switching_conversation_while_streaming_asks_and_yes_stops_and_saves(
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services, monkeypatch
) -> None:
    ask(qtbot, window, "Older question")
    older = window.controller.conversation_id
    shortcut(qtbot, window, Qt.Key.Key_N, CTRL)
    start_slow_answer(qtbot, window, server)
    streaming = window.controller.conversation_id
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Yes)

    _click_conversation(qtbot, window, "Older question")

    assert len(asked) == 1 and "still arriving" in asked[0]
    assert not window.controller.busy and window.composer.send_button.text() == "Send"
    assert window.controller.conversation_id == older
    assert window.conversations.selected_id() == older
    stopped = services.history().messages(streaming)[-1]
    assert stopped.status == "stopped" and stopped.text
    ask(qtbot, window, "Still works?")  # the window was not left busy
    assert len(window.chat_view.messages()) == 4


def test_switching_conversation_while_streaming_and_cancel_keeps_the_answer_coming(
    qtbot, window: MainWindow, server: FakeOpenAI, monkeypatch
) -> None:
    ask(qtbot, window, "Older question")
    shortcut(qtbot, window, Qt.Key.Key_N, CTRL)
    start_slow_answer(qtbot, window, server)
    streaming = window.controller.conversation_id
    answer_question(monkeypatch, QMessageBox.StandardButton.Cancel)

    _click_conversation(qtbot, window, "Older question")

    assert window.controller.busy and window.controller.conversation_id == streaming
    assert window.conversations.selected_id() == streaming
    answer = window.chat_view.last_answer()
    assert answer is not None
    grown = len(answer.text())
    qtbot.waitUntil(lambda: len(answer.text()) > grown, timeout=TIMEOUT_MS)
    window.composer.stop_requested.emit()
    wait_idle(qtbot, window)


# -- shortcuts ------------------------------------------------------------------------------
def test_ctrl_r_regenerates_the_last_answer_as_a_new_version(
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services
) -> None:
    server.push(Scenario(text="First try."), Scenario(text="Second try."))
    ask(qtbot, window, "Explain")
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        shortcut(qtbot, window, Qt.Key.Key_R, CTRL)
    wait_idle(qtbot, window)

    _question, answer = window.chat_view.messages()
    assert answer.text() == "Second try."
    assert answer.version_label.text() == "2/2" and answer.previous_button.isVisible()
    stored = services.history().messages(window.controller.conversation_id)
    assert [(m.role, m.text) for m in stored] == [
        ("user", "Explain"),
        ("assistant", "Second try."),
    ]
    assert server.requests[-1].user_text() == "Explain"
    # The first answer was kept: page back to it.
    answer.previous_button.click()
    _question, answer = window.chat_view.messages()
    assert answer.text() == "First try." and answer.version_label.text() == "1/2"


def test_ctrl_shift_e_puts_the_last_question_back_for_editing_and_deletes_nothing(
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services, image_files
) -> None:
    ask(qtbot, window, "Keep this one")
    window.composer.attach_files([image_files["small"]])
    wait_ready(qtbot, window, 1)
    ask(qtbot, window, "Fix this question")
    conv = window.controller.conversation_id

    shortcut(qtbot, window, Qt.Key.Key_E, CTRL_SHIFT)

    assert window.composer.text() == "Fix this question"
    assert "new version" in window.composer.message()
    wait_ready(qtbot, window, 1)
    assert len(window.chat_view.messages()) == 4  # nothing left the conversation
    stored = services.history().messages(conv)
    assert [m.text for m in stored if m.role == "user"] == ["Keep this one", "Fix this question"]
    server.push(Scenario(text="The fixed answer."))
    ask(qtbot, window, "Fixed question")
    assert server.requests[-1].images() == [(400, 300, "auto")]
    assert server.requests[-1].user_text() == "Fixed question"
    assert "Fix this question" not in str(server.requests[-1].body)
    stored = services.history().messages(conv)
    assert [m.text for m in stored] == [
        stored[0].text,
        stored[1].text,
        "Fixed question",
        "The fixed answer.",
    ]
    assert stored[2].versions == 2


def test_ctrl_shift_c_copies_the_last_answer(qtbot, window: MainWindow, server: FakeOpenAI) -> None:
    server.push(Scenario(text="Copy **me**, please."))
    ask(qtbot, window, "Say something")
    QGuiApplication.clipboard().setText("something else")
    shortcut(qtbot, window, Qt.Key.Key_C, CTRL_SHIFT)
    assert QGuiApplication.clipboard().text() == "Copy **me**, please."


# -- closing --------------------------------------------------------------------------------
def test_closing_while_streaming_asks_and_cancel_keeps_streaming(
    qtbot, window: MainWindow, server: FakeOpenAI, monkeypatch
) -> None:
    start_slow_answer(qtbot, window, server)
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert len(asked) == 1 and window.isVisible() and window.controller.busy
    window.composer.stop_requested.emit()
    wait_idle(qtbot, window)


def test_closing_while_streaming_and_answering_yes_stops_and_waits(  # noqa: PLR0917
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services, monkeypatch, stream_threads
) -> None:
    start_slow_answer(qtbot, window, server)
    conv_id = window.controller.conversation_id
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Yes)

    assert window.close()

    assert len(asked) == 1 and not window.isVisible()
    assert not any(thread.is_running() for thread in stream_threads)  # joined, not left behind
    reply = services.history().messages(conv_id)[-1]
    assert reply.status == "stopped" and reply.text
    assert server.requests[-1].client_left.wait(2)


# -- single instance ------------------------------------------------------------------------
@pytest.fixture
def instance(qtbot, window: MainWindow) -> InstanceServer:
    """The first instance's server, wired to the window as app.run_window wires it."""
    server = InstanceServer()
    assert server.listen()
    server.show_requested.connect(window.show_and_raise)
    server.files_requested.connect(window.attach_files)
    yield server
    server.close()


# The offscreen platform cannot raise a window; Xvfb has no window manager to ask either.
RAISE_UNSUPPORTED = pytest.mark.qt_log_ignore("This plugin does not support raise")


@RAISE_UNSUPPORTED
def test_a_second_launch_raises_the_window(qtbot, window: MainWindow, instance) -> None:
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(instance.show_requested, timeout=TIMEOUT_MS):
        assert send_to_running("show")
    assert window.isVisible() and not window.isMinimized()


@RAISE_UNSUPPORTED
def test_a_second_launch_with_capture_and_images(
    qtbot, window: MainWindow, instance, image_files
) -> None:
    with qtbot.waitSignal(instance.capture_requested, timeout=TIMEOUT_MS):
        assert send_to_running("capture")
    paths = [str(image_files["small"]), str(image_files["4k"])]
    with qtbot.waitSignal(instance.files_requested, timeout=TIMEOUT_MS) as received:
        assert send_to_running("show", paths)
    assert received.args == [paths]
    wait_ready(qtbot, window, 2)
    assert [a.name for a in window.composer.attachments()] == ["small.png", "screen-4k.png"]


def test_no_running_instance_means_this_one_starts(qapp) -> None:
    assert not send_to_running("show")


def test_clicking_a_sent_thumbnail_opens_the_image_as_sent(
    qtbot, window: MainWindow, server: FakeOpenAI, image_files: dict
) -> None:
    from PySide6.QtWidgets import QLabel

    from desktop_app.ui.common.image_viewer import ImageViewer

    window.composer.attach_files([image_files["4k"]])
    wait_ready(qtbot, window, 1)
    ask(qtbot, window, "what is this?")
    window.chat_view.image_clicked.emit(0, 0)
    viewers = [w for w in QApplication.topLevelWidgets() if isinstance(w, ImageViewer)]
    assert len(viewers) == 1 and viewers[0].isVisible()
    captions = " ".join(label.text() for label in viewers[0].findChildren(QLabel))
    assert "1365×768" in captions
    viewers[0].close()
