"""Nothing typed or received is lost in the window: drafts, versions, retries, budgets."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from desktop_app.context import Services
from desktop_app.ui.window.main_window import MainWindow
from tests.openai_server import FakeOpenAI, Scenario
from tests.window_helpers import (
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


def test_quitting_keeps_the_typed_question_and_its_images(
    qtbot, server: FakeOpenAI, stream_threads, image_files
) -> None:
    first = Services()
    window = open_window(qtbot, first)
    window.composer.set_text("A question I have not sent yet")
    window.composer.attach_files([image_files["small"]])
    wait_ready(qtbot, window, 1)
    assert window.close()

    # A second start (the first one's history stays open until the test's tear-down,
    # which closes the windows first).
    again = Services()
    reopened = open_window(qtbot, again)
    assert reopened.composer.text() == "A question I have not sent yet"
    wait_ready(qtbot, reopened, 1)
    (image,) = reopened.composer.attachments()
    assert image.prepared is not None and image.prepared.sent_size == (400, 300)
    ask(qtbot, reopened, reopened.composer.text())
    assert server.requests[-1].images() == [(400, 300, "auto")]
    assert again.history().draft(None) is None  # sent: the draft is done


def test_a_draft_survives_a_crash_without_a_clean_quit(
    qtbot, window: MainWindow, services: Services
) -> None:
    window.composer.set_text("typed just before the crash")
    # The debounced save, not closeEvent: a crash never reaches closeEvent.
    qtbot.waitUntil(lambda: services.history().draft(None) is not None, timeout=TIMEOUT_MS)
    assert services.history().draft(None).text == "typed just before the crash"


def test_each_conversation_keeps_its_own_draft(
    qtbot, window: MainWindow, services: Services
) -> None:
    ask(qtbot, window, "First conversation")
    first = window.controller.conversation_id
    window.composer.set_text("half-typed follow-up")
    window.new_chat()
    assert window.composer.text() == ""
    window.composer.set_text("something for the new chat")
    window.controller.load_conversation(first)
    assert window.composer.text() == "half-typed follow-up"
    window.new_chat()
    assert window.composer.text() == "something for the new chat"


def test_abandoning_an_edit_loses_nothing(qtbot, window: MainWindow, services: Services) -> None:
    ask(qtbot, window, "Original question")
    conv = window.controller.conversation_id
    assert window.controller.edit_last_question()
    window.new_chat()  # walk away from the edit
    window.controller.load_conversation(conv)
    stored = services.history().messages(conv)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[0].text == "Original question" and stored[1].text
    assert len(window.chat_view.messages()) == 2


def test_a_failed_regenerate_keeps_the_good_answer(
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services
) -> None:
    server.push(Scenario(text="The good answer."), "server_error")
    ask(qtbot, window, "Question")
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        window.controller.retry()
    wait_idle(qtbot, window)
    stored = services.history().messages(window.controller.conversation_id)
    assert [(m.role, m.text) for m in stored] == [
        ("user", "Question"),
        ("assistant", "The good answer."),
    ]
    shown = [w for w in window.chat_view.messages() if hasattr(w, "browser")]
    assert shown[0].text() == "The good answer."
    assert shown[-1].error_block.isVisible()  # the failed attempt says why, with Retry


def test_retry_on_an_old_failed_turn_retries_that_turn(
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services
) -> None:
    server.push("server_error", Scenario(text="Second answer."), Scenario(text="First answer."))
    failed = ask(qtbot, window, "First question")
    assert failed.error_block.isVisible()
    ask(qtbot, window, "Second question")
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        failed.error_block.retry_button.click()
    wait_idle(qtbot, window)
    assert server.requests[-1].user_text() == "First question"
    stored = services.history().messages(window.controller.conversation_id)
    assert [m.text for m in stored] == [
        "First question",
        "First answer.",
        "Second question",
        "Second answer.",
    ]


def test_a_dropped_stream_keeps_the_question_and_offers_retry(
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services
) -> None:
    server.push(Scenario(fault="drop", after=3), Scenario(text="Whole answer."))
    answer = ask(qtbot, window, "Will this arrive?")
    assert answer.error_block.isVisible() and answer.text()
    assert window.composer.text() == ""  # the question is in the conversation, not lost
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        answer.error_block.retry_button.click()
    wait_idle(qtbot, window)
    stored = services.history().messages(window.controller.conversation_id)
    assert [m.text for m in stored] == ["Will this arrive?", "Whole answer."]


def test_the_budget_question_counts_the_whole_conversation(  # noqa: PLR0917
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services, monkeypatch, image_files
) -> None:
    window.composer.attach_files([image_files["4k"]])
    wait_ready(qtbot, window, 1)
    ask(qtbot, window, "What is on screen?")
    services.spend.budget_usd = services.spend.total_cost + 0.0002  # the image alone is more
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.composer.set_text("and a text-only follow-up?")
    window.composer.send_button.click()
    assert asked and "session budget" in asked[0]
    assert window.composer.text() == "and a text-only follow-up?"
    assert len(server.requests) == 1


def test_a_rate_limit_wait_is_shown(qtbot, window: MainWindow, server: FakeOpenAI) -> None:
    server.push("rate_limited", Scenario(text="Done."))
    reported: list[str] = []
    window.controller.status_reported.connect(reported.append)
    ask(qtbot, window, "busy server?")
    assert any("rate limiting" in text for text in reported)


def test_closing_the_edit_note_sends_the_text_as_a_new_question(
    qtbot, window: MainWindow, server: FakeOpenAI, services: Services
) -> None:
    ask(qtbot, window, "Question one")
    assert window.controller.edit_last_question()
    assert "new version" in window.composer.message()
    window.composer.error_notice.close_button.click()
    assert window.composer.message() == ""
    ask(qtbot, window, "Question one, asked again")
    stored = services.history().messages(window.controller.conversation_id)
    assert [m.text for m in stored if m.role == "user"] == [
        "Question one",
        "Question one, asked again",
    ]
    assert all(m.versions == 1 for m in stored)


def test_a_new_chat_while_an_answer_arrives_asks_first(
    qtbot, window: MainWindow, server: FakeOpenAI, monkeypatch
) -> None:
    server.push(Scenario(chunks=400, delay=0.02))
    window.composer.set_text("Tell me everything")
    window.composer.send_button.click()
    streaming = window.controller.conversation_id
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.Cancel)
    window.new_chat()
    assert len(asked) == 1 and window.controller.busy
    assert window.controller.conversation_id == streaming
    answer_question(monkeypatch, QMessageBox.StandardButton.Yes)
    window.new_chat()
    assert not window.controller.busy and window.controller.conversation_id is None
