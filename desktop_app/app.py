"""Composition root: the one place that builds AskShot's long-lived objects.

`main()` decides between the command line and the window. Heavy modules
(`openai`, `keyring`, Qt) are imported only on the path that needs them, so the
window starts about as fast as a bare Qt window (DESIGN.md's budget).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.spend import SessionSpend

if TYPE_CHECKING:
    from desktop_app.core.chat_client import ChatClient
    from desktop_app.core.history import History
    from desktop_app.core.secrets import SecretStore
    from desktop_app.core.settings import ProviderProfile, Settings
    from desktop_app.ui.capture import CaptureController


CAPTURE_DELAY_SECONDS = 3


def _env_seconds(name: str, default: float) -> float:
    """A timeout from the environment (slow local models need longer ones)."""
    import os

    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


class Services:
    """Settings, secrets, history and the session's spend, shared by CLI and window.

    History opens lazily: `askshot --version` or `key status` never touch SQLite.
    """

    def __init__(self) -> None:
        from desktop_app.core.secrets import SecretStore
        from desktop_app.core.settings import load_settings
        from desktop_app.core.turns import price_overrides

        self.settings: Settings
        self.settings, self.settings_notice = load_settings()
        self.secrets: SecretStore = SecretStore()
        self.spend = SessionSpend(
            self.settings.session_budget_usd, price_overrides(self.settings.price_overrides)
        )
        self._history: History | None = None
        self._clients: dict[tuple[str, str, str | None, bool], ChatClient] = {}
        self.notices: list[str] = [self.settings_notice] if self.settings_notice else []

    def history(self) -> History:
        if self._history is None:
            from desktop_app.core.history import History

            self._history = History()
            if self._history.notice:
                self.notices.append(self._history.notice)
                print(f"askshot: {self._history.notice}", file=sys.stderr)
        return self._history

    def save_settings(self) -> None:
        from desktop_app.core.settings import save_settings

        save_settings(self.settings)

    def resolve_profile(
        self,
        provider: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        *,
        require_complete: bool = True,
    ) -> ProviderProfile:
        from desktop_app.core.settings import resolve_profile

        return resolve_profile(
            self.settings, provider, base_url, model, require_complete=require_complete
        )

    def api_key_for(self, profile: ProviderProfile) -> str | None:
        """The key to send, or an AUTH error that says how to set one."""
        from desktop_app.core.secrets import KeyringUnavailable, insecure_transport_warning

        try:
            key = self.secrets.get(profile.name, profile.base_url)
        except KeyringUnavailable:
            if profile.needs_key:
                raise
            key = None  # a local server needs no key: a missing keyring is no obstacle
        if key is None and profile.needs_key:
            raise AppError(
                ErrorKind.AUTH,
                f"No API key is set for {profile.name}. Add it in Settings or run "
                f'`askshot key set --provider "{profile.name}"` (it goes into the OS '
                "keyring), or set OPENAI_API_KEY.",
            )
        if key is not None:
            warning = insecure_transport_warning(profile.base_url)
            if warning:
                print(f"askshot: warning: {warning}", file=sys.stderr)
        return key

    def chat_client(
        self, profile: ProviderProfile, key: str | None, *, fresh: bool = False
    ) -> ChatClient:
        """The client for this endpoint and key, kept for the next question.

        Reusing it keeps the SDK's connection pool: a new client costs an SSL
        context (~20 ms) and, on a real endpoint, a new TLS handshake. `fresh`
        gives a client of one's own (Settings' connection test closes its own).
        """
        from desktop_app.core.chat_client import ChatClient

        identity = (profile.name, profile.base_url, key, profile.stream_options)
        client = self._clients.get(identity)
        if client is not None and not fresh:
            return client

        def remember_rejection() -> None:
            # The endpoint refused stream_options once: never send it to it again.
            self.settings.set_stream_options(profile.name, False)
            self.save_settings()

        client = ChatClient(
            base_url=profile.base_url,
            api_key=key,
            stream_options=profile.stream_options,
            on_stream_options_rejected=remember_rejection,
            read_timeout=_env_seconds("ASKSHOT_READ_TIMEOUT", 45.0),
        )
        if not fresh:
            self._clients[identity] = client
        return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        if self._history is not None:
            self._history.close()


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
    from desktop_app.ui.application import create_application

    app = create_application()
    if self_test:
        from desktop_app.ui.self_test import run_self_test

        return run_self_test(app)

    from pathlib import Path

    from desktop_app.ui.single_instance import InstanceServer, send_to_running

    paths = [str(Path(p).resolve()) for p in images]
    if send_to_running("capture" if capture else "show", paths):
        return 0  # the running AskShot took the request
    server = InstanceServer()
    server.listen()

    from PySide6.QtCore import QTimer

    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.tray import Tray

    services = Services()
    window = MainWindow(services)
    capture: list[CaptureController] = []  # made on first use (~35 ms of imports)

    def capturer() -> CaptureController:
        if not capture:
            from desktop_app.ui.capture import CaptureController

            controller = CaptureController(window)
            controller.captured.connect(on_captured)
            controller.cancelled.connect(window.show_and_raise)
            controller.failed.connect(window.show_capture_failure)
            capture.append(controller)
        return capture[0]

    def start_capture() -> None:
        capturer().capture_region(window)

    def start_full_screen_capture() -> None:
        capturer().capture_full_screen(window)

    def start_delayed_capture() -> None:
        capturer().capture_after(CAPTURE_DELAY_SECONDS, window)  # time to open a menu

    def on_captured(image: object) -> None:
        window.attach_image(image, "Screen capture")
        if services.settings.capture_send_immediately:
            # The option in Settings: ask the default question at once.
            if not window.composer.text().strip():
                window.composer.set_text(services.settings.capture_default_question)
            window.composer.request_send()

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
