"""An unexpected exception keeps AskShot running, saves the draft first and shows a report."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from desktop_app.ui.window import crash

KEY = "sk-proj-Abc123.fake-key-for-tests"


class Faulty(QObject):
    """A slot that raises, as a bug in any widget's slot would."""

    poked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.poked.connect(self._on_poked)

    @Slot()
    def _on_poked(self) -> None:
        raise ValueError(f"cannot reach https://user:hunter2@example.invalid/v1 with {KEY}")


@pytest.fixture
def handler(qapp: QApplication) -> Iterator[crash.CrashHandler]:
    installed = crash.install()
    saved: list[str] = []
    crash.set_saver(lambda: saved.append("draft"))
    installed.saved = saved  # type: ignore[attr-defined]
    yield installed
    installed.uninstall()
    crash.set_saver(None)
    if installed.dialog is not None:
        installed.dialog.close()
        installed.dialog.report.clear()


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_shows_a_scrubbed_report_and_the_app_goes_on(
    qtbot, handler: crash.CrashHandler
) -> None:
    faulty = Faulty()
    faulty.poked.emit()
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    assert handler.dialog is not None
    report = handler.dialog.report.toPlainText()
    assert "ValueError: cannot reach" in report and "_on_poked" in report
    assert "AskShot " in report and "PySide6 " in report and "Python " in report
    assert KEY not in report and "sk-proj" not in report and "hunter2" not in report
    assert handler.saved == ["draft"]  # type: ignore[attr-defined]  (before the dialog)

    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))  # the event loop still runs
    qtbot.waitUntil(lambda: ticked == [True])

    handler.dialog.copy_button.click()
    assert QApplication.clipboard().text() == report


@pytest.mark.qt_no_exception_capture
def test_an_error_on_a_python_thread_is_reported_on_the_gui_thread(
    qtbot, handler: crash.CrashHandler
) -> None:
    def fails() -> None:
        raise RuntimeError(f"token={KEY}")

    thread = threading.Thread(target=fails, name="askshot-test-failing")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    assert handler.dialog is not None
    report = handler.dialog.report.toPlainText()
    assert "RuntimeError" in report and "askshot-test-failing" in report
    assert KEY not in report


def test_scrub_removes_keys_tokens_and_url_credentials() -> None:
    text = (
        f"key {KEY} Authorization: Bearer abc.def "
        "url https://me:secret@gateway.invalid/v1 api_key=xyz123"
    )
    cleaned = crash.scrub(text)
    for secret in (KEY, "abc.def", "me:secret", "xyz123"):
        assert secret not in cleaned
    assert "https://…(removed)@gateway.invalid/v1" in cleaned
