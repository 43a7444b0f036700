"""Composition root: the one place that builds AskShot's long-lived objects.

`main()` decides between the command line and the window. Heavy modules
(`openai`, `keyring`, Qt) are imported only on the path that needs them, so the
window starts about as fast as a bare Qt window (docs/architecture.md's budget).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop_app.context import Services  # the context the entry points build

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from desktop_app.ui.capture import CaptureController


CAPTURE_DELAY_SECONDS = 3


def main(argv: Sequence[str] | None = None) -> int:
    from desktop_app import cli

    args_list = list(sys.argv[1:] if argv is None else argv)
    if cli.is_window_invocation(args_list):
        window_args = cli.build_window_parser().parse_args(args_list)
        return run_window(
            capture=window_args.capture, self_test=window_args.self_test, images=window_args.images
        )
    args = cli.build_parser().parse_args(args_list)
    services = Services()
    for notice in services.notices:
        print(f"askshot: {notice}", file=sys.stderr)
    try:
        return cli.run(args, services)
    finally:
        services.close()


def run_window(
    *, capture: bool = False, self_test: bool = False, images: Sequence[str] = ()
) -> int:
    """Build the window and everything around it, then run the event loop."""
    from desktop_app.ui.window.application import create_application

    app = create_application()
    if self_test:
        from desktop_app.ui.window.self_test import run_self_test

        return run_self_test(app)

    from pathlib import Path

    from desktop_app.ui.window.single_instance import InstanceServer, send_to_running

    paths = [str(Path(p).resolve()) for p in images]
    if send_to_running("capture" if capture else "show", paths):
        return 0  # the running AskShot took the request
    server = InstanceServer()
    server.listen()

    from PySide6.QtCore import QTimer

    from desktop_app.ui.window.main_window import MainWindow
    from desktop_app.ui.window.tray import Tray

    services = Services()
    window = MainWindow(services)
    # Made on first use (~35 ms of imports). Not named `capture`: that is the
    # flag saying this start was `askshot --capture`.
    controllers: list[CaptureController] = []

    def capturer() -> CaptureController:
        if not controllers:
            from desktop_app.ui.capture import CaptureController

            controller = CaptureController(window)
            controller.captured.connect(on_captured)
            controller.edit_requested.connect(on_edit_requested)
            controller.cancelled.connect(window.show_and_raise)
            controller.failed.connect(window.show_capture_failure)
            controllers.append(controller)
        return controllers[0]

    def start_capture() -> None:
        capturer().capture_region(window)

    def start_full_screen_capture() -> None:
        capturer().capture_full_screen(window)

    def start_delayed_capture() -> None:
        capturer().capture_after(CAPTURE_DELAY_SECONDS, window)  # time to open a menu

    def on_captured(image: QImage) -> None:
        window.attach_image(image, "Screen capture")
        if services.settings.capture_send_immediately:
            # The option in Settings: ask the default question at once.
            if not window.composer.text().strip():
                window.composer.set_text(services.settings.capture_default_question)
            window.composer.request_send()

    def on_edit_requested(image: QImage) -> None:
        from desktop_app.ui.editor.capture import edit_capture

        window.show_and_raise()
        edit_capture(
            image,
            window.attach_image,
            kinds=services.settings.privacy_kinds,
            parent=window,
        )

    window.capture_requested.connect(start_capture)
    server.show_requested.connect(window.show_and_raise)
    server.capture_requested.connect(start_capture)
    server.files_requested.connect(window.attach_files)

    tray = Tray(window)
    tray.show_requested.connect(window.show_and_raise)
    tray.new_chat_requested.connect(window.new_chat)
    tray.capture_requested.connect(start_capture)
    tray.full_screen_requested.connect(start_full_screen_capture)
    tray.delayed_capture_requested.connect(start_delayed_capture)
    window.full_screen_capture_requested.connect(start_full_screen_capture)
    window.delayed_capture_requested.connect(start_delayed_capture)
    tray.quit_requested.connect(window.close)
    tray.show()

    window.show()
    for notice in services.notices:
        window.show_notice(notice)
    if paths:
        window.attach_files(paths)
    if capture:
        QTimer.singleShot(0, start_capture)

    try:
        return app.exec()
    finally:
        server.close()
        services.history().purge_deleted()  # deletes whose Undo has passed; slow, so at quit
        services.close()
