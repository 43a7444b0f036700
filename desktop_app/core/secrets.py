"""API keys: the OS keyring behind a small interface, never a file.

One keyring entry per provider profile: service ``"askshot"``, username = the
profile's name (``secret-tool lookup service askshot username OpenAI`` finds
the OpenAI key on Linux). `keyring` is imported on first use, not at start-up.

When no keyring works, every method says so with an `AppError` (kind AUTH)
that explains what to install or unlock, and `set_session_key` keeps a key in
memory for this run only. There is deliberately no file fallback.

Keys never appear in a repr, an exception message or a log line; `mask` shows
at most the last four characters.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.keyring_backends import backend_problem, describe_backend

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "askshot"
ENV_KEY = "OPENAI_API_KEY"
OPENAI_HOST = "api.openai.com"

log = logging.getLogger(__name__)

_NO_BACKEND = ("no usable keyring", "no keyring")

KeySource = Literal["env", "keyring", "session", "none"]
_SOURCE_TEXT = {
    "env": "from the OPENAI_API_KEY environment variable",
    "keyring": "stored in the keyring",
    "session": "for this session only (not stored)",
}


class KeyringUnavailable(AppError):
    """No usable keyring; `message` says what is missing and how to fix it."""

    def __init__(self, message: str, *, backend: str) -> None:
        super().__init__(ErrorKind.AUTH, message)
        self.backend = backend


@dataclass(frozen=True)
class KeyStatus:
    """Where a provider's key comes from, safe to print (the key is masked)."""

    provider: str
    source: KeySource
    masked: str | None
    backend: str
    problem: str | None = None  # why the keyring cannot be used, if it cannot

    @property
    def has_key(self) -> bool:
        return self.source != "none"

    def describe(self) -> str:
        if self.source == "none":
            return f"no key set for {self.provider}"
        return f"{self.masked} ({_SOURCE_TEXT[self.source]})"


def mask(key: str) -> str:
    """`sk-…abcd`: a known public prefix, then at most the last 4 characters."""
    key = key.strip()
    if not key:
        return ""
    prefixes = ("sk-or-v1-", "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-ant-", "sk-")
    prefix = next((p for p in prefixes if key.startswith(p)), "")
    rest = key[len(prefix) :]
    shown = 4 if len(rest) >= 16 else 2 if len(rest) >= 8 else 0
    return f"{prefix}…{rest[-shown:] if shown else ''}"


def _scrub(text: str, *secrets: str | None) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask(secret))
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def insecure_transport_warning(base_url: str) -> str | None:
    """A sentence when a key would travel unencrypted to another machine."""
    parts = urlsplit(base_url.strip())
    if parts.scheme.lower() != "http":
        return None
    host = (parts.hostname or "").lower()
    if _is_loopback(host):
        return None
    return (
        f"The API key would be sent unencrypted over http:// to {host or 'the server'}, "
        "where anyone on the network path can read it; use an https:// base URL, or a "
        "server on this computer."
    )


def env_key_applies(provider: str, base_url: str | None) -> bool:
    """Whether `OPENAI_API_KEY` may be sent for this profile: OpenAI's own only.

    Sending an OpenAI key to a gateway or another server would hand it to a
    third party, so every other profile uses its own stored key or none.
    """
    if provider == "OpenAI":
        return True
    host = (urlsplit(base_url or "").hostname or "").lower()
    return host == OPENAI_HOST


def _fix_hint() -> str:
    if sys.platform == "darwin":
        return "Unlock your login keychain in Keychain Access, then try again."
    if sys.platform == "win32":
        return "Make sure Windows Credential Manager works for your account, then try again."
    return (
        "Install and unlock gnome-keyring or KWallet (or KeePassXC with Secret Service "
        "integration on) in a desktop session with D-Bus, then try again."
    )


class SecretStore:
    """API keys per provider profile, from the environment, memory or the OS keyring.

    `OPENAI_API_KEY` (what the SDK reads) overrides the keyring for the profile
    named "OpenAI" and for any profile whose base URL is on api.openai.com, and
    is never used for any other profile (gateways, local servers, custom ones):
    an OpenAI key must not travel to a third party. A session key
    (`set_session_key`) ranks just below the environment key and above the keyring.
    `use_env=False` ignores the environment (a profile that needs no key).
    """

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._fixed_backend = backend
        self._session: dict[str, str] = {}
        self._named: tuple[KeyringBackend, str] | None = None  # describing may ask D-Bus

    def __repr__(self) -> str:
        return f"SecretStore(session_keys_for={sorted(self._session)!r})"

    # -- backend ------------------------------------------------------------
    def _backend(self) -> KeyringBackend:
        """The keyring backend, or KeyringUnavailable saying why there is none."""
        try:
            backend = self._fixed_backend  # tests may pass one; otherwise keyring decides
            if backend is None:
                import keyring

                backend = keyring.get_keyring()
            problem = backend_problem(backend)
        except Exception as exc:  # detection runs backend code: D-Bus, config files
            raise self._unavailable(exc, _NO_BACKEND[0]) from None
        if problem:
            raise self._unavailable(problem, self._name_of(backend))
        return backend

    def _name_of(self, backend: KeyringBackend) -> str:
        if self._named is None or self._named[0] is not backend:
            self._named = (backend, describe_backend(backend))
        return self._named[1]

    def backend_name(self) -> str:
        """A human-readable name, e.g. "Secret Service (GNOME Keyring)"."""
        if self._fixed_backend is not None:
            return self._name_of(self._fixed_backend)
        try:
            import keyring

            return self._name_of(keyring.get_keyring())
        except Exception:
            return _NO_BACKEND[0]

    def _unavailable(
        self, cause: BaseException | str, backend: str, key: str | None = None
    ) -> KeyringUnavailable:
        """Turn any backend failure into one sentence; logged, never silent."""
        locked = False
        try:
            from keyring.errors import KeyringLocked

            locked = isinstance(cause, KeyringLocked)
        except ImportError:
            cause = "the keyring package is not installed"
        detail = cause if isinstance(cause, str) else str(cause) or type(cause).__name__
        detail = _scrub(
            detail.strip().rstrip(".!"), key, os.environ.get(ENV_KEY), *self._session.values()
        )
        after = (
            "Until then, enter a key for this session only (or, for OpenAI, set OPENAI_API_KEY)."
        )
        if locked:
            message = (
                f"The keyring is locked and could not be unlocked ({backend}: {detail}). "
                f"Unlock it (log in to the desktop again or open your passwords app). {after}"
            )
        else:
            where = detail if backend in _NO_BACKEND else f"{backend}: {detail}"
            message = f"No usable keyring ({where}). {_fix_hint()} {after}"
        # INFO, not WARNING: the sentence reaches the user through the error or
        # KeyStatus.problem; Python's last-resort handler would print it twice.
        log.info("%s", message)
        return KeyringUnavailable(message, backend=backend)

    def _read(self, provider: str) -> str | None:
        backend = self._backend()
        try:
            value = backend.get_password(SERVICE, provider)
        except Exception as exc:  # KeyringError, D-Bus errors, OSError: all mean "unusable"
            raise self._unavailable(exc, self._name_of(backend)) from None
        return value or None

    # -- public -------------------------------------------------------------
    def _env_key(self, provider: str, base_url: str | None, use_env: bool) -> str:
        if not use_env or not env_key_applies(provider, base_url):
            return ""
        return os.environ.get(ENV_KEY, "").strip()

    def get(
        self, provider: str, base_url: str | None = None, *, use_env: bool = True
    ) -> str | None:
        """The key to use for `provider`, or None when there is none.

        Raises KeyringUnavailable when the keyring had to be asked and cannot
        be used.
        """
        env = self._env_key(provider, base_url, use_env)
        if env:
            return env
        if provider in self._session:
            return self._session[provider]
        return self._read(provider)

    def set(self, provider: str, key: str) -> None:
        """Store `key` in the keyring; KeyringUnavailable if it cannot be kept there."""
        key = _checked(key)
        backend = self._backend()
        name = self._name_of(backend)
        try:
            backend.set_password(SERVICE, provider, key)
            kept = backend.get_password(SERVICE, provider)
        except Exception as exc:
            raise self._unavailable(exc, name, key) from None
        if kept != key:  # e.g. a chained or null backend that drops writes
            raise self._unavailable("the keyring accepted the key but did not keep it", name)
        self._session.pop(provider, None)

    def set_session_key(self, provider: str, key: str) -> None:
        """Keep `key` in memory for this run only (when the keyring cannot be used)."""
        self._session[provider] = _checked(key)

    def delete(self, provider: str) -> bool:
        """Forget the provider's key (session and keyring); True if one was removed."""
        removed = self._session.pop(provider, None) is not None
        try:
            backend = self._backend()
        except KeyringUnavailable:
            if removed:
                return True  # nothing can be in a keyring that cannot be used
            raise
        try:
            if backend.get_password(SERVICE, provider) is None:
                return removed
            backend.delete_password(SERVICE, provider)
        except Exception as exc:
            raise self._unavailable(exc, self._name_of(backend)) from None
        return True

    def status(
        self, provider: str, base_url: str | None = None, *, use_env: bool = True
    ) -> KeyStatus:
        """Where the key `get` would return comes from, masked; never raises for keyring trouble."""
        env = self._env_key(provider, base_url, use_env)
        backend = self.backend_name()
        if env:
            return KeyStatus(provider, "env", mask(env), backend)
        problem: str | None = None
        stored: str | None = None
        try:
            stored = self._read(provider)
        except KeyringUnavailable as exc:
            problem = exc.message
        if provider in self._session:
            return KeyStatus(provider, "session", mask(self._session[provider]), backend, problem)
        if stored:
            return KeyStatus(provider, "keyring", mask(stored), backend, problem)
        return KeyStatus(provider, "none", None, backend, problem)


def _checked(key: str) -> str:
    key = key.strip()
    if not key:
        raise AppError(ErrorKind.BAD_INPUT, "The key is empty; paste the whole API key.")
    if any(c.isspace() for c in key):
        raise AppError(
            ErrorKind.BAD_INPUT,
            "The key contains spaces or line breaks; paste the API key alone, on one line.",
        )
    return key
