"""What a `keyring` backend is, in words, and whether it can be trusted with a key.

Only called after `keyring` has been imported (secrets.py imports it lazily),
so importing this module costs nothing at start-up.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

_NAMES = {
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Locker",
    "keyring.backends.fail.Keyring": "no keyring",
    "keyring.backends.null.Keyring": "null keyring (stores nothing)",
}

# /proc/<pid>/comm of the process that owns org.freedesktop.secrets (15 chars max)
_DAEMONS = {
    "gnome-keyring-d": "GNOME Keyring",
    "kwalletd5": "KWallet",
    "kwalletd6": "KWallet",
    "ksecretd": "KWallet",
    "keepassxc": "KeePassXC",
}


def _qualname(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _members(backend: KeyringBackend) -> list[KeyringBackend] | None:
    """The chained backends when `backend` is keyring's chainer, else None."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        return list(type(backend).backends)
    return None


def _secret_service_daemon() -> str | None:
    """Which program provides the Secret Service on this D-Bus session, if known."""
    try:
        import secretstorage
        from jeepney.bus_messages import message_bus
        from jeepney.wrappers import unwrap_msg

        connection = secretstorage.dbus_init()
        with contextlib.closing(connection):
            reply = connection.send_and_get_reply(
                message_bus.GetConnectionUnixProcessID("org.freedesktop.secrets"), timeout=2
            )
        pid = int(unwrap_msg(reply)[0])
        comm = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except Exception:  # only a nicer label is at stake; "Secret Service" is still true
        return None
    return _DAEMONS.get(comm, comm or None)


def describe_backend(backend: KeyringBackend) -> str:
    """A name a person recognises: "Secret Service (GNOME Keyring)", "macOS Keychain"."""
    members = _members(backend)
    if members is not None:
        return " + ".join(describe_backend(m) for m in members) or "no keyring"
    qualname = _qualname(backend)
    name = _NAMES.get(qualname)
    if name == "Secret Service":
        daemon = _secret_service_daemon()
        return f"Secret Service ({daemon})" if daemon else name
    if name:
        return name
    return str(getattr(type(backend), "name", "") or type(backend).__name__)


def _plaintext(backend: KeyringBackend) -> bool:
    return "plaintext" in type(backend).__name__.lower()


def backend_problem(backend: KeyringBackend) -> str | None:
    """Why `backend` cannot hold a key (a clause), or None when it can."""
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring):
        return "no keyring backend was found"
    if isinstance(backend, null.Keyring):
        return "the keyring is switched off (null backend)"
    members = _members(backend)
    if members is not None:
        if not members:
            return "no keyring backend was found"
        backend = members[0]  # the chainer writes to its first member
    if _plaintext(backend):
        return (
            f"the only keyring found ({describe_backend(backend)}) keeps keys in a plain-text "
            "file, which AskShot does not use"
        )
    return None
