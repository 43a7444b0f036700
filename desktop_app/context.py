"""The shared context: settings, secrets, history, spend and chat clients.

Qt-free, built once by the composition root (`desktop_app.app`) and handed to
the window or the command line; tests build their own.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.spend import SessionSpend

if TYPE_CHECKING:
    from desktop_app.core.catalogue import Catalogue, Credits
    from desktop_app.core.chat_client import ChatClient
    from desktop_app.core.conversation import ConversationEngine
    from desktop_app.core.history import History
    from desktop_app.core.secrets import SecretStore
    from desktop_app.core.settings import ProviderProfile, Settings


def _catalogue_key(profile: ProviderProfile) -> tuple[str, str]:
    return (profile.name, profile.base_url.rstrip("/"))


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
        self._engine: ConversationEngine | None = None
        self._clients: dict[tuple[str, str, str | None, bool], ChatClient] = {}
        self.notices: list[str] = [self.settings_notice] if self.settings_notice else []
        self._catalogues: dict[tuple[str, str], Catalogue] = {}
        # The active profile's cached catalogue prices count from the start (no network).
        with contextlib.suppress(AppError):
            self.cached_catalogue(self.settings.active_profile())

    def history(self) -> History:
        if self._history is None:
            from desktop_app.core.history import History

            self._history = History()
            if self._history.notice:
                self.notices.append(self._history.notice)
                print(f"askshot: {self._history.notice}", file=sys.stderr)
        return self._history

    def history_reader(self) -> History:
        """A read-only view of the history, owned by the caller (close it when done).

        It never creates, migrates or write-locks the file, so `askshot history`
        and `spend` work while another AskShot is writing; a missing file reads
        as an empty history.
        """
        from desktop_app.core.history import History

        return History(read_only=True)

    def engine(self, *, save: bool = True) -> ConversationEngine:
        """The conversation engine every door runs turns through (`save=False`: no history).

        Answers a full disk or a lock kept aside last time are written first.
        """
        from desktop_app.core.conversation import ConversationEngine

        if not save:
            return ConversationEngine(self.settings, self.spend, None)
        if self._engine is None:
            from desktop_app.core import unsaved

            history = self.history()
            unsaved.replay(history)
            self._engine = ConversationEngine(self.settings, self.spend, history)
        return self._engine

    # -- the provider's model catalogue --------------------------------------------------

    def catalogue(self, profile: ProviderProfile, *, refresh: bool = False) -> Catalogue:
        """The provider's `/models`, from the disk cache unless stale or `refresh`.

        Fetching needs the key (OpenAI lists models to key holders only). Raises
        AppError: reason "no_catalogue" when the server has no /models (the typed
        model id still works), or the usual key and network errors.
        """
        from desktop_app.core import catalogue as cat

        cached = None if refresh else self.cached_catalogue(profile)
        if cached is not None and not cached.stale():
            return cached
        key = self.api_key_for(profile)
        client = self.chat_client(profile, key)
        fresh = cat.build(profile.name, client.list_models())
        self._remember(profile, fresh)
        try:
            cat.save_cached(self._catalogue_path(profile), fresh)
        except OSError as exc:  # a read-only data folder: the list still works this time
            print(f"askshot: the model list could not be cached ({exc}).", file=sys.stderr)
        return fresh

    def cached_catalogue(self, profile: ProviderProfile) -> Catalogue | None:
        """The last catalogue fetched for this provider, however old; never the network.

        Check `.stale()` before trusting it; its prices count for estimates anyway.
        """
        from desktop_app.core import catalogue as cat

        found = self._catalogues.get(_catalogue_key(profile))
        if found is None:
            found = cat.load_cached(self._catalogue_path(profile))
            if found is not None:
                self._remember(profile, found)
        return found

    def credits(self, profile: ProviderProfile) -> Credits | None:
        """The credit left at the gateway (OpenRouter's /key), or None where it has no such
        endpoint. Network: call it off the GUI thread."""
        key = self.api_key_for(profile)
        return self.chat_client(profile, key).credits()

    def _remember(self, profile: ProviderProfile, catalogue: Catalogue) -> None:
        self._catalogues[_catalogue_key(profile)] = catalogue
        self.spend.catalogue_prices.update(catalogue.prices())

    @staticmethod
    def _catalogue_path(profile: ProviderProfile) -> Path:
        from desktop_app.core.catalogue import cache_path
        from desktop_app.core.paths import data_dir

        return cache_path(data_dir() / "catalogues", profile.name, profile.base_url)

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

        profile = resolve_profile(
            self.settings, provider, base_url, model, require_complete=require_complete
        )
        if profile.base_url:
            self.cached_catalogue(profile)  # its prices count for this run's estimates
        return profile

    def api_key_for(self, profile: ProviderProfile) -> str | None:
        """The key to send, or an AUTH error that says how to set one.

        `OPENAI_API_KEY` goes to the OpenAI profile (or one on api.openai.com)
        only, and never to a profile that needs no key.
        """
        from desktop_app.core.secrets import (
            KeyringUnavailable,
            env_key_applies,
            insecure_transport_warning,
        )

        try:
            key = self.secrets.get(profile.name, profile.base_url, use_env=profile.needs_key)
        except KeyringUnavailable:
            if profile.needs_key:
                raise
            key = None  # a local server needs no key: a missing keyring is no obstacle
        if key is None and profile.needs_key:
            env_hint = (
                ", or set OPENAI_API_KEY" if env_key_applies(profile.name, profile.base_url) else ""
            )
            raise AppError(
                ErrorKind.AUTH,
                f"No API key is set for {profile.name}. Add it in Settings or run "
                f'`askshot key set --provider "{profile.name}"` (it goes into the OS '
                f"keyring){env_hint}.",
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
            with contextlib.suppress(AppError):  # remembered for this run at least
                self.save_settings()

        client = ChatClient(
            base_url=profile.base_url,
            api_key=key,
            stream_options=profile.stream_options,
            on_stream_options_rejected=remember_rejection,
            read_timeout=_env_seconds("ASKSHOT_READ_TIMEOUT", 45.0),
            first_content_timeout=self.settings.first_content_timeout_seconds,
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
