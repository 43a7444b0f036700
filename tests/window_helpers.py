"""Fixtures and helpers for driving the whole AskShot window against the fake server.

The window is built the way `app.run_window` builds it (`Services()` then
`MainWindow(services)`), with the OpenAI profile pointed at the fake server
through `OPENAI_BASE_URL` and a key in `OPENAI_API_KEY` (what the SDK reads).
Every stream thread the controller starts is recorded; a test that leaves one
running fails (napari's `_dangling_qthreads`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.context import Services
from desktop_app.ui.chat import stream_worker
from desktop_app.ui.chat.view import AnswerWidget
from desktop_app.ui.markdown.browser import MarkdownBrowser
from desktop_app.ui.window.main_window import MainWindow
from tests.image_factory import screenshot
from tests.openai_server import FakeOpenAI

KEY = "sk-proj-Wind.wTestKey000000000000000000000000Zz9"
TIMEOUT_MS = 10_000


@pytest.fixture(name="stream_threads")
def stream_threads_fixture(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[list[stream_worker.StreamThread]]:
    """Every StreamThread started during the test; all must have ended by its end."""
    started: list[stream_worker.StreamThread] = []
    original = stream_worker.StreamThread.start

    def recording_start(self: stream_worker.StreamThread) -> None:
        started.append(self)
        original(self)

    monkeypatch.setattr(stream_worker.StreamThread, "start", recording_start)
    yield started
    running = [t for t in started if t.is_running()]
    for thread in running:  # do not leave it behind for the next test either
        thread.stop()
    assert not running, f"{len(running)} stream thread(s) still running after the test"


@pytest.fixture(name="server")
def server_fixture(openai_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """The fake server, with the OpenAI profile and its key pointed at it."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return openai_server


@pytest.fixture(name="services")
def services_fixture(server: FakeOpenAI) -> Iterator[Services]:
    built = Services()
    yield built
    built.close()


def open_window(qtbot, services: Services) -> MainWindow:
    window = MainWindow(services)
    qtbot.addWidget(window, before_close_func=_close_quietly)
    window.show()
    qtbot.waitExposed(window)
    return window


def _close_quietly(window: MainWindow) -> None:
    """Tear-down: cancel and join any stream, stop image jobs (as quitting does)."""
    window.controller.shutdown()
    window.composer.shutdown()


@pytest.fixture(name="window")
def window_fixture(qtbot, services: Services, stream_threads: list) -> MainWindow:
    return open_window(qtbot, services)


@pytest.fixture(scope="module", name="image_files")
def image_files_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 4K screenshot PNG and a small PNG, real files on disk."""
    folder = tmp_path_factory.mktemp("window-images")
    paths = {"4k": folder / "screen-4k.png", "small": folder / "small.png"}
    screenshot().save(paths["4k"], compress_level=1)
    screenshot(400, 300).save(paths["small"])
    return paths


def wait_ready(qtbot, window: MainWindow, count: int | None = None) -> None:
    """Until every attached image is prepared (and `count` are attached, if given)."""
    composer = window.composer

    def ready() -> bool:
        enough = count is None or len(composer.attachments()) == count
        return enough and composer.is_ready() and composer.images.preparing() == 0

    qtbot.waitUntil(ready, timeout=TIMEOUT_MS)


def wait_idle(qtbot, window: MainWindow) -> None:
    """Until the current answer has ended (finished, failed or stopped)."""
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=TIMEOUT_MS)


def ask(qtbot, window: MainWindow, question: str) -> AnswerWidget:
    """Type a question, send it as Enter would, and wait for the answer to end."""
    window.composer.set_text(question)
    with qtbot.waitSignal(window.controller.busy_changed, timeout=TIMEOUT_MS):
        window.composer.send_button.click()
    wait_idle(qtbot, window)
    answer = window.chat_view.last_answer()
    assert answer is not None
    return answer


def answer_question(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list:
    """Make every QMessageBox.question answer `button`; returns the questions asked."""
    asked: list[str] = []

    def fake_question(_parent, title, text, *args, **kwargs):
        asked.append(f"{title}: {text}")
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(fake_question))
    return asked


def process_events() -> None:
    QApplication.processEvents()


def anchor_rect(browser: MarkdownBrowser, href: str) -> QRect:
    """Where the link `href` is drawn, in the browser viewport's coordinates."""
    doc = browser.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(doc)
                cursor.setPosition(fragment.position())
                start = browser.cursorRect(cursor)
                cursor.setPosition(fragment.position() + fragment.length())
                end = browser.cursorRect(cursor)
                return QRect(start.topLeft(), QPoint(end.left(), end.bottom()))
            it += 1
        block = block.next()
    raise AssertionError(f"no anchor {href}")
