"""Shared fixtures: every test gets a throw-away profile and no real key."""

from __future__ import annotations

import os
import sys
import threading
import traceback
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

# GUI tests that do not need a real X server render offscreen; the Xvfb tests
# set DISPLAY and the xcb platform themselves.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _throwaway_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point config and data at tmp_path and drop keys so no test sees the user's."""
    monkeypatch.setenv("ASKSHOT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("ASKSHOT_DATA_DIR", str(tmp_path / "data"))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    # An in-memory keyring unless a test asks for the real Secret Service.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")
    from tests.memory_keyring import MemoryKeyring

    MemoryKeyring.clear()


@pytest.fixture(autouse=True)
def _empty_clipboard_after_test() -> Iterator[None]:
    """Clear Qt's clipboard while Python still runs.

    A QMimeData a test hands to the clipboard is deleted by a Qt static at
    process exit, after Python has finalised, and its wrapper then segfaults.
    """
    yield
    gui = sys.modules.get("PySide6.QtGui")
    if gui is not None and gui.QGuiApplication.instance() is not None:
        gui.QGuiApplication.clipboard().clear()


THREAD_GRACE_S = 3.0  # a thread that is just finishing (it emitted `done`) may end meanwhile


@pytest.fixture(autouse=True)
def _dangling_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that leaves a QThread or an `askshot-*` Python thread running (as napari's
    `_dangling_qthreads` does): every QThread started during the test is recorded with
    where it was started, and after the test each must end within a short grace period.
    """
    from PySide6.QtCore import QThread

    started: weakref.WeakKeyDictionary[QThread, str] = weakref.WeakKeyDictionary()
    real_start = QThread.start

    def recording_start(self: QThread, *args: object) -> None:
        started[self] = "".join(traceback.format_stack(limit=8)[:-1])
        real_start(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    left: list[str] = []
    for thread, where in list(started.items()):
        try:
            if thread.isRunning() and not thread.wait(int(THREAD_GRACE_S * 1000)):
                left.append(f"QThread {thread.objectName() or '?'!r}, started at:\n{where}")
        except RuntimeError:  # its C++ object is gone, so is the thread
            continue
    for thread in threading.enumerate():
        if thread.name.startswith("askshot-") and thread is not threading.current_thread():
            thread.join(THREAD_GRACE_S)
            if thread.is_alive():
                left.append(f"Python thread {thread.name!r}")
    if left:
        pytest.fail("the test left threads running:\n" + "\n".join(left), pytrace=False)


_APPLICATION: list[object] = []  # keeps the session's QApplication alive until exit


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str]) -> object:
    """The QApplication as AskShot makes it (names, icon, the import-hook fix), once."""
    from desktop_app.ui.window.application import create_application

    if not _APPLICATION:
        # pytest's own hooks report exceptions; the crash handler is tested on its own.
        app = create_application(qapp_args or ["askshot-tests"], handle_crashes=False)
        _APPLICATION.append(app)
    return _APPLICATION[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that use a QApplication as gui (as qutebrowser does)."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "qapp" in fixtures or "qtbot" in fixtures:
            item.add_marker(pytest.mark.gui)


from tests.fixtures_server import openai_server  # noqa: E402,F401  (a shared fixture)
