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
        from desktop_app.core.secrets import insecure_transport_warning

        key = self.secrets.get(profile.name)
        if key is None and profile.needs_key:
            raise AppError(
                ErrorKind.AUTH,
                f"No API key is set for {profile.name}. Run `askshot key set --provider "
                f'"{profile.name}"` (it goes into the OS keyring) or set OPENAI_API_KEY.',
            )
        if key is not None:
            warning = insecure_transport_warning(profile.base_url)
            if warning:
                print(f"askshot: warning: {warning}", file=sys.stderr)
        return key

    def chat_client(self, profile: ProviderProfile, key: str | None) -> ChatClient:
        from desktop_app.core.chat_client import ChatClient

        def remember_rejection() -> None:
            # The endpoint refused stream_options once: never send it to it again.
            self.settings.set_stream_options(profile.name, False)
            self.save_settings()

        return ChatClient(
            base_url=profile.base_url,
            api_key=key,
            stream_options=profile.stream_options,
            on_stream_options_rejected=remember_rejection,
        )

    def close(self) -> None:
        if self._history is not None:
            self._history.close()


def main(argv: Sequence[str] | None = None) -> int:
    from desktop_app import cli

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = cli.build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        from desktop_app.ui.application import run_gui

        return run_gui(args)
    services = Services()
    for notice in services.notices:
        print(f"askshot: {notice}", file=sys.stderr)
    try:
        return cli.run(args, services)
    finally:
        services.close()
