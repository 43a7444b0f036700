"""Child process for the Xvfb capture tests (the pytest process is stuck on offscreen Qt).

``python -m tests.capture_driver pattern W H`` covers the X screen with a window whose
every pixel has a colour made from its own coordinates (see ``pattern_rgb``), prints
``pattern-shown`` and runs until killed: it stands for other applications' windows.

``desktop W H`` shows a plausible desktop instead, and ``shoot FILE`` saves what the X
screen shows; both are for ``tests.capture_screenshots``.

``python -m tests.capture_driver capture --mode region --out FILE`` shows a magenta
"AskShot" window, runs a capture with it, prints ``overlay-shown`` when the overlay
is up, then one of ``captured WxH window-visible=N``, ``cancelled window-visible=N``
or ``failed <reason>`` and exits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QWidget

WINDOW_GEOMETRY = QRect(100, 100, 400, 300)  # logical; covers the regions tests select
WINDOW_COLOUR = QColor(255, 0, 255)


def pattern_rgb(x: int, y: int) -> tuple[int, int, int]:
    """A colour unique to each pixel of a screen up to 4096×4096."""
    return (x & 0xFF, y & 0xFF, ((x >> 8) << 4) | (y >> 8))


def pattern_bytes(width: int, height: int) -> bytes:
    """RGB888 rows of the pattern, built a row at a time (no numpy needed)."""
    reds = (bytes(range(256)) * (width // 256 + 1))[:width]
    rows = []
    for y in range(height):
        blue = b"".join(
            bytes([((x >> 8) << 4) | (y >> 8)]) * min(256, width - x) for x in range(0, width, 256)
        )
        row = bytearray(width * 3)
        row[0::3] = reds
        row[1::3] = bytes([y & 0xFF]) * width
        row[2::3] = blue
        rows.append(bytes(row))
    return b"".join(rows)


class PatternWindow(QWidget):
    def __init__(self, width: int, height: int) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self._image = QImage(
            pattern_bytes(width, height), width, height, width * 3, QImage.Format.Format_RGB888
        ).copy()
        self._announced = False
        self.setGeometry(0, 0, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawImage(0, 0, self._image)
        painter.end()
        if not self._announced:
            self._announced = True
            QTimer.singleShot(0, lambda: print("pattern-shown", flush=True))


class AppWindow(QWidget):
    """Stands in for AskShot's main window: must not appear in any capture."""

    def __init__(self, on_first_paint: Callable[[], None]) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self._on_first_paint: Callable[[], None] | None = on_first_paint
        self.setGeometry(WINDOW_GEOMETRY)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), WINDOW_COLOUR)
        painter.end()
        if self._on_first_paint is not None:
            callback, self._on_first_paint = self._on_first_paint, None
            QTimer.singleShot(0, callback)


def run_capture(args: argparse.Namespace) -> int:
    from desktop_app.ui.capture import CaptureController

    app = QApplication.instance() or QApplication(sys.argv[:1])
    names = [
        f"{s.name()}:{s.geometry().x()},{s.geometry().y()},{s.geometry().width()}x"
        f"{s.geometry().height()}@{s.devicePixelRatio():g}"
        for s in QGuiApplication.screens()
    ]
    print(f"screens {len(names)} {' '.join(names)}", flush=True)
    controller = CaptureController(hide_delay_ms=args.hide_delay_ms)
    window: AppWindow

    def start() -> None:
        if args.mode == "region":
            controller.capture_region(window)
        elif args.mode == "screen":
            controller.capture_full_screen(window)
        else:
            controller.capture_after(args.after, window, region=False)

    def on_captured(image: QImage) -> None:
        image.save(args.out)
        print(
            f"captured {image.width()}x{image.height()} window-visible={int(window.isVisible())}",
            flush=True,
        )
        app.quit()

    def on_cancelled() -> None:
        print(f"cancelled window-visible={int(window.isVisible())}", flush=True)
        app.quit()

    def on_failed(reason: str) -> None:
        print(f"failed {reason}", flush=True)
        app.quit()

    controller.overlay_shown.connect(lambda: print("overlay-shown", flush=True))
    controller.captured.connect(on_captured)
    controller.cancelled.connect(on_cancelled)
    controller.failed.connect(on_failed)
    window = AppWindow(start)
    window.show()
    QTimer.singleShot(30_000, app.quit)  # never hang a test run
    app.exec()
    return 0


def run_desktop(args: argparse.Namespace) -> int:
    """A plausible desktop (code, a table, a heading) for screenshots a person looks at."""
    from PySide6.QtWidgets import (
        QHBoxLayout,
        QLabel,
        QPlainTextEdit,
        QTableWidget,
        QTableWidgetItem,
        QVBoxLayout,
    )

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    window = QWidget(None, Qt.WindowType.FramelessWindowHint)
    window.setGeometry(0, 0, args.width, args.height)
    layout = QHBoxLayout(window)
    editor = QPlainTextEdit()
    prose = (
        'Traceback (most recent call last): File "report.py", line {n}, in build_summary '
        "totals = sum(row.amount for row in rows)  # TypeError: unsupported operand type(s)\n"
    )
    editor.setPlainText("".join(prose.format(n=n) for n in range(80)))
    layout.addWidget(editor, 1)
    column = QVBoxLayout()
    column.addWidget(QLabel("<h1>Quarterly report</h1><p>Revenue grew 12% while costs fell.</p>"))
    table = QTableWidget(30, 4)
    for row in range(30):
        for col in range(4):
            table.setItem(row, col, QTableWidgetItem(f"{(row + 1) * (col + 3) * 137 % 9973:,}"))
    column.addWidget(table)
    layout.addLayout(column, 1)
    window.show()
    QTimer.singleShot(200, lambda: print("desktop-shown", flush=True))
    return app.exec()


def run_shoot(args: argparse.Namespace) -> int:
    """Save what the X screen shows right now (all monitors), as a person would see it."""
    from desktop_app.ui.capture.grab import compose, desktop_of, grab_screens

    app = QGuiApplication(sys.argv[:1])
    grabs = grab_screens()
    desktop = desktop_of(grabs, app.platformName())
    image = compose([g.image for g in grabs], desktop.plan_crop(desktop.bounds))
    return 0 if image.save(args.out) else 1


def run_pattern(args: argparse.Namespace) -> int:
    app = QApplication(sys.argv[:1])
    window = PatternWindow(args.width, args.height)
    window.show()
    return app.exec()


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    pattern = sub.add_parser("pattern")
    pattern.add_argument("width", type=int)
    pattern.add_argument("height", type=int)
    desktop = sub.add_parser("desktop")
    desktop.add_argument("width", type=int)
    desktop.add_argument("height", type=int)
    shoot = sub.add_parser("shoot")
    shoot.add_argument("out")
    capture = sub.add_parser("capture")
    capture.add_argument("--mode", choices=("region", "screen", "after"), default="region")
    capture.add_argument("--out", required=True)
    capture.add_argument("--after", type=float, default=0.3)
    capture.add_argument("--hide-delay-ms", type=int, default=50)
    args = parser.parse_args()
    commands = {"pattern": run_pattern, "desktop": run_desktop, "shoot": run_shoot}
    return commands.get(args.command, run_capture)(args)


if __name__ == "__main__":
    sys.exit(main())
