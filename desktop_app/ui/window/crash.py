"""One handler for unexpected exceptions: keep running, save the draft, offer a report.

Installed where the QApplication is made (as qutebrowser's crashsignal does).
PySide6 hands an exception raised in a slot or a Qt virtual to `sys.excepthook`
and carries on; `threading.excepthook` catches a Python thread's. Either way
the registered saver runs first (the window saves the composer's draft), then a
dialog shows a report the user can copy: the traceback and versions, with
anything that looks like an API key, a bearer token or URL credentials removed.
"""

from __future__ import annotations

import logging
import platform
import re
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

_SECRETS = (
    (re.compile(r"\bsk-[A-Za-z0-9_.\-]{6,}"), "sk-…(removed)"),
    (re.compile(r"(?i)\b(bearer)\s+[^\s'\"]+"), r"\1 …(removed)"),
    (re.compile(r"(?i)\b(authorization:)\s*(?!bearer\b)[^\s'\"]+"), r"\1 …(removed)"),
    (re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s@'\"]+@"), r"\1…(removed)@"),
    (re.compile(r"(?i)\b(api[_-]?key|token|password)=([^\s&'\"]+)"), r"\1=…(removed)"),
)


def scrub(text: str) -> str:
    """`text` without what looks like a key, a token or the credentials in a URL."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def versions() -> str:
    from PySide6 import QtCore
    from PySide6 import __version__ as pyside_version

    from desktop_app import __version__

    lines = [
        f"AskShot {__version__}",
        f"Python {platform.python_version()} ({sys.platform}, {platform.machine()})",
        f"PySide6 {pyside_version}, Qt {QtCore.qVersion()}",
        f"OS {platform.platform(terse=True)}",
    ]
    openai = sys.modules.get("openai")
    if openai is not None:
        lines.append(f"openai {getattr(openai, '__version__', '?')}")
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        lines.append(f"platform plugin {app.platformName()}")
    return "\n".join(lines)


def build_report(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None, where: str
) -> str:
    trace = "".join(traceback.format_exception(kind, value, tb))
    return scrub(f"{versions()}\nWhere: {where}\n\n{trace}").rstrip() + "\n"


class CrashDialog(QDialog):
    """Says that something went wrong, that the app goes on, and shows the report to copy."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("AskShot hit a bug")
        self.message = QLabel(
            "Something went wrong inside AskShot. Your unsent question was saved and the "
            "app keeps running. To help fix it, copy the report below into a bug report "
            "(keys and passwords have been removed from it)."
        )
        self.message.setWordWrap(True)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setAccessibleName("Error report")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy report")
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_report)
        self.buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 420)

    def add_report(self, text: str) -> None:
        if self.report.toPlainText():
            text = f"{self.report.toPlainText()}\n--- and then ---\n{text}"
        self.report.setPlainText(text)

    @Slot()
    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report.toPlainText())
        self.copy_button.setText("Copied")


class CrashHandler(QObject):
    """Receives unexpected exceptions from any thread and reports them on the GUI thread.

    Signals:
        reported(str): a report, scrubbed; queued to the GUI thread from other threads.
    """

    reported = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.saver: Callable[[], object] | None = None
        self.dialog: CrashDialog | None = None
        self._previous: tuple[object, object] | None = None
        self.reported.connect(self._on_reported)

    def install(self) -> None:
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
            sys.excepthook = self._on_exception
            threading.excepthook = self._on_thread_exception

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
            self._previous = None

    def _on_exception(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        where = "the window" if _on_gui_thread() else f"thread {threading.current_thread().name}"
        self._report(build_report(kind, value, tb, where))

    def _on_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        self._report(build_report(args.exc_type, args.exc_value, args.exc_traceback, name))

    def _report(self, report: str) -> None:
        log.error("unexpected error\n%s", report)
        self.reported.emit(report)  # direct on the GUI thread, queued from others

    @Slot(str)
    def _on_reported(self, report: str) -> None:
        if self.saver is not None:
            try:
                self.saver()
            except Exception:
                log.exception("saving the draft after an error failed")
        if self.dialog is None:
            self.dialog = CrashDialog()
        self.dialog.add_report(report)
        self.dialog.show()


def _on_gui_thread() -> bool:
    app = QApplication.instance()
    return app is not None and QThread.currentThread() == app.thread()


_HANDLER: list[CrashHandler] = []


def handler() -> CrashHandler:
    """The process's one handler, made on first use (on the GUI thread)."""
    if not _HANDLER:
        _HANDLER.append(CrashHandler())
    return _HANDLER[0]


def install() -> CrashHandler:
    crash = handler()
    crash.install()
    return crash


def set_saver(saver: Callable[[], object] | None) -> None:
    """What to run before the report is shown (the window saves the composer's draft)."""
    handler().saver = saver
