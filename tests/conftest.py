"""Shared fixtures: every test gets a throw-away profile and no real key."""

from __future__ import annotations

import os
import sys
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that use a QApplication as gui (as qutebrowser does)."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "qapp" in fixtures or "qtbot" in fixtures:
            item.add_marker(pytest.mark.gui)


from tests.fixtures_server import openai_server  # noqa: E402,F401  (a shared fixture)
