"""The whole window, one turn at a time, against the fake OpenAI server on 127.0.0.1.

A question goes from the composer through the controller's stream thread into
the chat view, history and the status bar; every failure the wire can produce
ends as a sentence at the answer with nothing the user typed or attached lost.
Conversation actions, shortcuts and closing are in test_main_window_actions.py.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_app.ui.window.main_window import MainWindow
from tests.image_factory import encode, screenshot
from tests.openai_server import FakeOpenAI, Scenario
from tests.window_helpers import (
    KEY,
    TIMEOUT_MS,
    answer_question,
    ask,
    image_files_fixture,  # noqa: F401 (fixture)
    server_fixture,  # noqa: F401 (fixture)
    services_fixture,  # noqa: F401 (fixture)
    stream_threads_fixture,  # noqa: F401 (fixture)
    wait_idle,
    wait_ready,
    window_fixture,  # noqa: F401 (fixture)
)


def stored(window: MainWindow) -> list:
    conv_id = window.controller.conversation_id
    assert conv_id is not None
    return window._services.history().messages(conv_id)


# -- a question with an image ---------------------------------------------------------
def test_send_with_image_streams_the_answer_and_saves_both(
    qtbot, window: MainWindow, server: FakeOpenAI, image_files
) -> None:
    window.composer.attach_files([image_files["4k"]])
    wait_ready(qtbot, window, 1)
    text = "The dialog says **Settings** and lists\n\n- file\n- edit\n"
    server.push(Scenario(text=text, usage=(36_862, 57, 0)))

    answer = ask(qtbot, window, "What does the dialog say?")

    assert answer.text() == text
    assert answer.is_finished() and answer.status_label.isHidden()  # complete: no mark
    assert "36,862 input" in answer.footer_label.text()
    sent = server.requests[-1]
    assert sent.images() == [(1365, 768, "auto")]  # a 4K screenshot at the model's size
    assert sent.user_text() == "What does the dialog say?"
    assert window.composer.text() == "" and not window.composer.attachments()
    question_widget = window.chat_view.messages()[0]
    assert len(question_widget.thumbnails()) == 1
    question, reply = stored(window)
    assert (question.role, question.text, question.status) == (
        "user",
        "What does the dialog say?",
        "complete",
    )
    assert [(a.width, a.height, a.detail) for a in question.attachments] == [(1365, 768, "auto")]
    assert (reply.role, reply.text, reply.status) == ("assistant", text, "complete")
    titles = [
        window.conversations.list.item(i).text() for i in range(window.conversations.list.count())
    ]
    assert titles == ["What does the dialog say?"]
    assert window.conversations.selected_id() == window.controller.conversation_id


def test_esc_stops_the_stream_at_once_and_keeps_what_arrived(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    server.push(Scenario(chunks=400, delay=0.02))  # 8 s if nobody stops it
    window.composer.set_text("Describe it at length")
    QTest.keyClick(window.composer.edit, Qt.Key.Key_Return)
    answer = window.chat_view.last_answer()
    assert answer is not None and window.controller.busy
    qtbot.waitUntil(lambda: len(answer.text()) > 30, timeout=TIMEOUT_MS)

    started = time.monotonic()
    QTest.keyClick(window.composer.edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=TIMEOUT_MS)
    elapsed = time.monotonic() - started
    print(f"the stream stopped {elapsed * 1000:.0f} ms after Esc")

    assert elapsed < 1.0
    arrived = answer.text()
    assert arrived and len(arrived) < 1000  # a part, not the whole answer
    assert answer.status_label.text() == "Stopped." and answer.status_label.isVisible()
    assert answer.error_block.isHidden()  # stopping is not an error
    assert server.requests[-1].client_left.wait(2)  # the HTTP stream was closed
    reply = stored(window)[-1]
    assert (reply.status, reply.text) == ("stopped", arrived)
    assert window.composer.send_button.text() == "Send"
    assert window.composer.text() == ""  # the question was answered (partly): not given back


# -- failures ---------------------------------------------------------------------------
# preset (pushed `times` times) → words the sentence must contain
BEFORE_ANY_TEXT = {
    "invalid_api_key": ("rejected the API key", 1),
    "insufficient_credits": ("out of credits", 1),
    "model_not_found": ("is not available", 1),
    "context_length_exceeded": ("too long", 1),
    "invalid_image": ("could not use an attached image", 1),
    "rate_limited": ("rate limiting", 3),  # the first try and both retries
    "insufficient_quota": ("quota", 1),
    "server_error": ("internal error", 1),
    "overloaded": ("overloaded", 1),
    "stall_headers": ("did not answer for 1 s", 1),
}
MID_STREAM = {
    "drop": "dropped",
    "cutoff": "cut off",
    "bad_json": "garbled",
    "mid_stream_error": "in the middle of the answer",
    "stall": "stopped sending for 1 s",
}


@pytest.mark.parametrize("preset", list(BEFORE_ANY_TEXT))
def test_error_before_any_text_gives_everything_back_and_retry_succeeds(  # noqa: PLR0917
    qtbot, window: MainWindow, server: FakeOpenAI, image_files, monkeypatch, preset: str
) -> None:
    monkeypatch.setenv("ASKSHOT_READ_TIMEOUT", "1")
    words, times = BEFORE_ANY_TEXT[preset]
    server.push(*[preset] * times)
    window.composer.attach_files([image_files["small"]])
    wait_ready(qtbot, window, 1)
    sha = window.composer.attachments()[0].prepared.sha256

    answer = ask(qtbot, window, "What is this?")

    message = answer.error_block.message_label.text()
    assert words in message and KEY not in message
    assert answer.error_block.isVisible() and answer.error_block.retry_button.isVisible()
    assert answer.error_block.settings_button.isVisible() == (preset == "invalid_api_key")
    assert answer.text() == "" and answer.footer_label.isHidden()  # nothing to bill
    # Nothing arrived: the question and its image are back in the composer, untouched.
    assert window.composer.text() == "What is this?"
    assert [a.prepared.sha256 for a in window.composer.attachments()] == [sha]
    assert stored(window)[-1].status == "error"

    server.push(Scenario(text="It is a screenshot."))
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        answer.error_block.retry_button.click()
    wait_idle(qtbot, window)

    retried = window.chat_view.last_answer()
    assert retried is not None and retried.text() == "It is a screenshot."
    assert retried.error_block.isHidden()
    assert len(window.chat_view.messages()) == 2  # the failed answer was replaced
    assert [m.status for m in stored(window)] == ["complete", "complete"]
    sent = server.requests[-1]
    assert sent.images() == [(400, 300, "auto")] and sent.user_text() == "What is this?"
    assert window.composer.text() == "" and not window.composer.attachments()  # not twice


@pytest.mark.parametrize("preset", list(MID_STREAM))
def test_error_mid_stream_keeps_the_partial_answer_marked_and_retry_succeeds(
    qtbot, window: MainWindow, server: FakeOpenAI, monkeypatch, preset: str
) -> None:
    monkeypatch.setenv("ASKSHOT_READ_TIMEOUT", "1")
    server.push(Scenario(text="one two three four five six", fault=preset))  # type: ignore[arg-type]

    answer = ask(qtbot, window, "Count for me")

    assert answer.text() == "one two three "  # the three deltas before the fault
    assert answer.status_label.text().startswith("Cut off")
    message = answer.error_block.message_label.text()
    assert MID_STREAM[preset] in message and answer.error_block.retry_button.isVisible()
    assert answer.error_block.settings_button.isHidden()
    assert window.composer.text() == ""  # the question has its (partial) answer
    reply = stored(window)[-1]
    assert (reply.status, reply.text) == ("partial", "one two three ")

    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        answer.error_block.retry_button.click()
    wait_idle(qtbot, window)
    retried = window.chat_view.last_answer()
    assert retried is not None and retried.status_label.isHidden()
    assert [m.status for m in stored(window)] == ["complete", "complete"]


def test_resending_a_failed_question_from_the_composer_sends_it_once(
    qtbot, window: MainWindow, server: FakeOpenAI, image_files
) -> None:
    server.push("server_error")
    window.composer.attach_files([image_files["small"]])
    wait_ready(qtbot, window, 1)
    ask(qtbot, window, "What is this?")
    assert window.composer.text() == "What is this?"

    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        QTest.keyClick(window.composer.edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)

    sent = server.requests[-1]
    users = [m for m in sent.body["messages"] if m["role"] == "user"]
    assert len(users) == 1 and sent.images() == [(400, 300, "auto")]  # not billed twice


# -- the budget ---------------------------------------------------------------------------
def test_over_budget_asks_first_and_cancel_sends_nothing(  # noqa: PLR0917
    qtbot, window: MainWindow, server: FakeOpenAI, services, image_files, monkeypatch
) -> None:
    services.settings.session_budget_usd = services.spend.budget_usd = 0.000_02
    server.push(Scenario(text="Hello.", usage=(100, 20, 0)))  # $0.000027: past the budget
    ask(qtbot, window, "Hi")
    assert "⛔" in window.budget_label.text()

    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.composer.attach_files([image_files["small"]])
    wait_ready(qtbot, window, 1)
    window.composer.set_text("And this?")
    requests = len(server.requests)
    QTest.keyClick(window.composer.edit, Qt.Key.Key_Return)

    assert len(asked) == 1 and "session budget" in asked[0]
    assert len(server.requests) == requests and not window.controller.busy
    assert window.composer.text() == "And this?" and len(window.composer.attachments()) == 1
    assert len(stored(window)) == 2  # the refused question was not saved either

    answer_question(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        QTest.keyClick(window.composer.edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert len(server.requests) == requests + 1
    assert server.requests[-1].images() == [(400, 300, "auto")]


def test_status_bar_totals_are_the_sum_of_reported_usage(
    qtbot, window: MainWindow, server: FakeOpenAI
) -> None:
    server.push(
        Scenario(text="One.", usage=(36_862, 57, 0)), Scenario(text="Two.", usage=(1_000, 10, 500))
    )
    assert window.spend_label.text() == "Session: 0 in · 0 cached · 0 out · $0.00"
    ask(qtbot, window, "First")
    ask(qtbot, window, "Second")

    # gpt-4o-mini: input $0.15/M, cached input $0.075/M, output $0.60/M.
    dollars = (36_862 * 0.15 + 57 * 0.60 + 500 * 0.15 + 500 * 0.075 + 10 * 0.60) / 1e6
    assert f"{dollars:.6f}" == "0.005682"
    assert window.spend_label.text() == "Session: 37,862 in · 500 cached · 67 out · $0.005682"
    costs = [m.cost_usd for m in stored(window) if m.role == "assistant"]
    assert sum(costs) == pytest.approx(dollars)


def test_estimate_includes_the_conversation_so_far(
    qtbot, window: MainWindow, server: FakeOpenAI, image_files
) -> None:
    window.composer.set_text("Next question")
    before = window.composer.estimate().tokens
    window.composer.attach_files([image_files["4k"]])
    wait_ready(qtbot, window, 1)
    ask(qtbot, window, "What is this?")  # the screenshot costs ~36,835 tokens every turn

    window.composer.set_text("Next question")
    assert window.composer.estimate().tokens > before + 36_000


# -- paste and drop -------------------------------------------------------------------------
def test_ctrl_v_pastes_image_data_and_file_urls_into_the_window(
    qtbot, window: MainWindow, server: FakeOpenAI, image_files
) -> None:
    clipboard = QGuiApplication.clipboard()
    mime = QMimeData()
    mime.setImageData(QImage.fromData(encode(screenshot(800, 600), "PNG")))
    clipboard.setMimeData(mime)
    window.composer.focus_question()
    QTest.keyClick(window.composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(image_files["4k"]))])
    clipboard.setMimeData(files)
    QTest.keyClick(window.composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    wait_ready(qtbot, window, 2)

    ask(qtbot, window, "Compare them")
    assert server.requests[-1].images() == [(800, 600, "auto"), (1365, 768, "auto")]


def drop(target: QWidget, mime: QMimeData) -> bool:
    """Drag `mime` over the middle of `target` and drop it, as Qt delivers a real drop:
    the enter event goes up the parents to the first that accepts drops."""
    point = target.rect().center()
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(target, event)
    return event.isAccepted()


def test_drop_on_the_window_attaches_files_and_image_data(
    qtbot, window: MainWindow, server: FakeOpenAI, image_files
) -> None:
    ask(qtbot, window, "Hello")  # something to drop onto: an answer in the chat view
    answer = window.chat_view.last_answer()
    assert answer is not None

    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(image_files["small"]))])
    assert drop(answer.browser.viewport(), files)
    data = QMimeData()
    data.setImageData(QImage.fromData(encode(screenshot(640, 480), "PNG")))
    assert drop(window, data)
    link = QMimeData()
    link.setUrls([QUrl("https://example.com/picture.png")])
    assert not drop(window.chat_view.viewport(), link)  # a web link is not a file to attach
    wait_ready(qtbot, window, 2)

    ask(qtbot, window, "And these?")
    assert server.requests[-1].images() == [(400, 300, "auto"), (640, 480, "auto")]
