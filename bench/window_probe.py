"""Child process of the start-up and memory benchmarks: start a window, time its first paint.

    window_probe.py bare|app --spawned T --out FILE [--load ID] [--idle S] [--cpu S] [--marker]

`app` runs AskShot's real start-up (`desktop_app.app.main([])`, the `askshot`
entry point) with the profile the environment points at; `bare` shows a plain
PySide6 window with the same kinds of widgets. Nothing in the product is
patched: an event filter on the QApplication notices the first Paint of a
widget inside a QMainWindow, and a zero timer after it marks the end of that
frame. T is the parent's `perf_counter()` just before it spawned this process,
so both modes are timed from spawn to painted frame the same way.

With `--load ID` (app only) the conversation is opened after the first paint;
`--idle` then lets the loop idle before RSS is read, and `--cpu` measures the
process's CPU while idle for that long.
"""

from __future__ import annotations

import time

_IMPORTED = time.perf_counter()

import json  # noqa: E402 - the clock above comes first
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402


def _options(argv: list[str]) -> tuple[str, dict[str, str]]:
    """Tiny parser: argparse alone would add a few ms to both modes."""
    mode, rest = argv[0], argv[1:]
    opts: dict[str, str] = {}
    while rest:
        key = rest.pop(0).lstrip("-")
        opts[key] = "1" if key == "marker" else rest.pop(0)
    return mode, opts


def _bare_window() -> object:
    """A QMainWindow with toolbar, splitter, list, browser, editor, buttons and status bar."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import (
        QHBoxLayout,
        QListWidget,
        QMainWindow,
        QPlainTextEdit,
        QPushButton,
        QSplitter,
        QTextBrowser,
        QVBoxLayout,
        QWidget,
    )

    window = QMainWindow()
    window.setWindowTitle("Bare")
    window.resize(1100, 760)
    toolbar = window.addToolBar("Main")
    for text in ("New chat", "Capture region", "Attach image…", "Settings…"):
        toolbar.addAction(QAction(text, window))
    conversations = QListWidget()
    conversations.addItems([f"Conversation {i}" for i in range(5)])
    right = QWidget()
    column = QVBoxLayout(right)
    column.addWidget(QTextBrowser(), 1)
    column.addWidget(QPlainTextEdit())
    buttons = QHBoxLayout()
    for text in ("Capture", "Attach", "Send"):
        buttons.addWidget(QPushButton(text))
    column.addLayout(buttons)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(conversations)
    splitter.addWidget(right)
    splitter.setSizes([260, 840])
    window.setCentralWidget(splitter)
    window.statusBar().showMessage("Ready")
    window.show()
    return window


def main() -> int:
    mode, opts = _options(sys.argv[1:])
    spawned = float(opts["spawned"])
    result: dict[str, object] = {"mode": mode, "imported_s": _IMPORTED - spawned}

    if mode == "app":
        # The product's own factory; run_window() below gets this same instance back.
        from desktop_app.ui.window.application import create_application

        app = create_application()
    else:
        from PySide6.QtWidgets import QApplication

        app = QApplication(sys.argv[:1])
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    def finish() -> None:
        Path(opts["out"]).write_text(json.dumps(result))
        QApplication.quit()

    def after_idle() -> None:
        import psutil

        proc = psutil.Process()
        memory = proc.memory_full_info()
        result["rss_bytes"] = memory.rss
        result["uss_bytes"] = memory.uss
        result["threads"] = proc.num_threads()
        cpu_seconds = float(opts.get("cpu", "0"))
        if cpu_seconds <= 0:
            finish()
            return
        start_cpu, start_wall = time.process_time(), time.perf_counter()

        def measured() -> None:
            wall = time.perf_counter() - start_wall
            result["idle_cpu_percent"] = 100 * (time.process_time() - start_cpu) / wall
            finish()

        QTimer.singleShot(round(cpu_seconds * 1000), measured)

    def painted() -> None:
        now = time.perf_counter()
        result["first_paint_s"] = now - spawned
        result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if "marker" in opts:
            print("askshot-bench: first paint", file=sys.stderr, flush=True)
        if mode == "app" and "load" in opts:
            import psutil

            window = next(w for w in app.topLevelWidgets() if isinstance(w, QMainWindow))
            result["rss_before_load_bytes"] = psutil.Process().memory_info().rss
            start = time.perf_counter()
            window.controller.load_conversation(int(opts["load"]))  # type: ignore[attr-defined]
            app.processEvents()  # lay out and paint what was loaded
            result["load_s"] = time.perf_counter() - start
            result["rss_after_load_bytes"] = psutil.Process().memory_info().rss
        if "idle" in opts:
            QTimer.singleShot(round(float(opts["idle"]) * 1000), after_idle)
        else:
            finish()

    class FirstPaint(QObject):
        """Notices the first Paint inside a main window; the frame ends at the next pass."""

        seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                not self.seen
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and isinstance(watched.window(), QMainWindow)
            ):
                self.seen = True
                QTimer.singleShot(0, painted)
            return False

    probe = FirstPaint()
    app.installEventFilter(probe)
    if mode == "app":
        from desktop_app.app import main as askshot_main

        return askshot_main([])
    window = _bare_window()
    code = app.exec()
    del window
    return code


if __name__ == "__main__":
    raise SystemExit(main())
