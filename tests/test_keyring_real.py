"""SecretStore against a real Secret Service (gnome-keyring on a private D-Bus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.errors import ErrorKind
from desktop_app.core.secrets import KeyringUnavailable, SecretStore, mask
from desktop_app.core.settings import Settings, save_settings
from tests import secret_service as fixtures
from tests.secret_service import SecretServiceSession

# The fixtures live in tests/secret_service.py (conftest.py is shared, not ours).
secret_service = fixtures.secret_service
bus_without_keyring = fixtures.bus_without_keyring

pytestmark = pytest.mark.keyring

KEY = "sk-proj-Real.ecretServiceKey0123456789wxyz"


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_key_goes_into_the_secret_service_and_comes_back(
    secret_service: SecretServiceSession,
) -> None:
    SecretStore().set("OpenAI", KEY)

    assert SecretStore().get("OpenAI") == KEY  # a fresh store, as after a restart
    found = secret_service.secret_tool("lookup", "service", "askshot", "username", "OpenAI")
    assert found.returncode == 0
    assert found.stdout.strip() == KEY  # other programs see it where the docs say


def test_status_names_the_backend_and_masks_the_key(
    secret_service: SecretServiceSession,
) -> None:
    store = SecretStore()
    store.set("OpenRouter", KEY)

    status = store.status("OpenRouter")

    assert status.source == "keyring"
    assert status.backend == "Secret Service (GNOME Keyring)"
    assert status.masked == mask(KEY) == "sk-proj-…wxyz"
    assert status.problem is None
    for text in (repr(status), status.describe(), repr(store)):
        assert KEY not in text
        assert "RealSecret" not in text


def test_delete_removes_the_entry(secret_service: SecretServiceSession) -> None:
    store = SecretStore()
    store.set("OpenAI", KEY)

    assert store.delete("OpenAI") is True

    lookup = secret_service.secret_tool("lookup", "service", "askshot", "username", "OpenAI")
    assert lookup.stdout == ""
    assert SecretStore().get("OpenAI") is None
    assert store.delete("OpenAI") is False
    assert store.status("OpenAI").source == "none"


def test_a_key_stored_by_another_program_is_used(secret_service: SecretServiceSession) -> None:
    stored = secret_service.secret_tool(
        "store", "--label=AskShot Gate.AI", "service", "askshot", "username", "Gate.AI", key=KEY
    )
    assert stored.returncode == 0, stored.stderr

    assert SecretStore().get("Gate.AI") == KEY


def test_no_plaintext_key_in_any_file(secret_service: SecretServiceSession, tmp_path: Path) -> None:
    store = SecretStore()
    store.set("OpenAI", KEY)
    store.set("OpenRouter", KEY[::-1])
    save_settings(Settings())

    keyring_files = list((secret_service.home / ".local/share/keyrings").glob("*.keyring"))
    assert keyring_files, "gnome-keyring wrote no store: the scan below would prove nothing"
    # tmp_path holds the temp HOME (keyring store included), config and data folders.
    assert _files_containing(tmp_path, KEY.encode()) == []
    assert _files_containing(tmp_path, KEY[::-1].encode()) == []


def test_locked_keyring_says_so_and_a_session_key_still_works(
    secret_service: SecretServiceSession,
) -> None:
    SecretStore().set("OpenAI", KEY)
    secret_service.lock_default_collection()
    store = SecretStore()

    with pytest.raises(KeyringUnavailable) as caught:
        store.get("OpenAI")
    assert caught.value.kind is ErrorKind.AUTH
    assert "locked" in caught.value.message
    assert "session" in caught.value.message

    status = store.status("OpenAI")
    assert status.source == "none"
    assert status.problem is not None and "locked" in status.problem

    store.set_session_key("OpenAI", "sk-session-only-key-5678")
    assert store.get("OpenAI") == "sk-session-only-key-5678"
    assert store.status("OpenAI").source == "session"


def test_no_secret_service_on_the_bus(bus_without_keyring: SecretServiceSession) -> None:
    store = SecretStore()

    with pytest.raises(KeyringUnavailable) as caught:
        store.set("OpenAI", KEY)
    message = caught.value.message
    assert caught.value.exit_code == 3
    assert "No usable keyring" in message
    assert "Secret Service" in message  # what is missing
    assert "gnome-keyring or KWallet" in message  # how to fix it
    assert KEY not in message

    with pytest.raises(KeyringUnavailable):
        store.get("OpenAI")
    status = store.status("OpenAI")
    assert status.backend == "no usable keyring"
    assert status.problem == message

    store.set_session_key("OpenAI", KEY)
    assert store.get("OpenAI") == KEY
    assert store.status("OpenAI").describe() == "sk-proj-…wxyz (for this session only (not stored))"
    assert _files_containing(bus_without_keyring.root.parent, KEY.encode()) == []


def test_keyring_daemon_gone_mid_session(secret_service: SecretServiceSession) -> None:
    store = SecretStore()
    store.set("OpenAI", KEY)

    secret_service.stop_keyring()

    with pytest.raises(KeyringUnavailable) as caught:
        store.get("OpenAI")
    assert "Secret Service" in caught.value.message
    assert "session" in caught.value.message
