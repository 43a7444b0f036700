"""Regression guard: PySide6 6.12.0 on Python < 3.12 drops a reference to None on
every void Qt call and aborts the process after a few thousand (none_dealloc).
pyproject pins PySide6-Essentials below 6.12 there; this catches a bad install."""

from __future__ import annotations

import sys

import pytest


def test_void_qt_calls_keep_none_alive(qapp: object) -> None:
    from PySide6.QtWidgets import QLabel

    if sys.version_info >= (3, 12):
        pytest.skip("None is immortal on Python 3.12+, its refcount is not meaningful")
    label = QLabel()
    label.setText("warm-up")
    before = sys.getrefcount(None)
    for i in range(10_000):
        label.setText(str(i))  # returns None: the leaking kind of call
    after = sys.getrefcount(None)
    # Other code may take a few references meanwhile; the leak takes 10,000.
    assert after >= before - 50, f"None lost {before - after} references in 10,000 setText calls"
