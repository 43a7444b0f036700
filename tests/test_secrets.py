"""SecretStore with keyring's own backends (in-memory, fail, null, chainer) and no daemon."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, chainer, fail, null
from keyring.errors import PasswordSetError

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.secrets import (
    KeyringUnavailable,
    SecretStore,
    insecure_transport_warning,
    mask,
)
from tests.memory_keyring import MemoryKeyring

KEY = "sk-proj-Memo.yKeyringKey0123456789abcd"
ENV_KEY = "sk-Envi.onmentKey0123456789efgh"


@pytest.fixture
def fresh_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make keyring choose its backend again from PYTHON_KEYRING_BACKEND."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)


# -- the ordinary path (in-memory keyring from conftest) ----------------------


def test_set_then_get_through_a_fresh_store(fresh_keyring: None) -> None:
    SecretStore().set("OpenAI", f"  {KEY}\n")  # pasted with whitespace

    assert SecretStore().get("OpenAI") == KEY
    assert MemoryKeyring._store == {("askshot", "OpenAI"): KEY}


def test_status_shows_where_the_key_is_and_only_its_tail(fresh_keyring: None) -> None:
    store = SecretStore()
    assert store.status("OpenAI").describe() == "no key set for OpenAI"
    store.set("OpenAI", KEY)

    status = store.status("OpenAI")

    assert (status.source, status.masked, status.problem) == ("keyring", "sk-proj-…abcd", None)
    assert status.backend == "memory keyring MemoryKeyring"
    assert status.describe() == "sk-proj-…abcd (stored in the keyring)"
    assert KEY not in repr(status) and KEY not in repr(store)


def test_delete_reports_whether_there_was_a_key(fresh_keyring: None) -> None:
    store = SecretStore()
    store.set("OpenRouter", KEY)

    assert store.delete("OpenRouter") is True
    assert store.get("OpenRouter") is None
    assert store.delete("OpenRouter") is False


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("sk-abcd.fghijklmnopqrstuvwxyz", "sk-…wxyz"),
        ("sk-or-v1-0123.56789abcdef0123", "sk-or-v1-…0123"),
        ("sk-shortkey12", "sk-…12"),  # short keys show less
        ("abc", "…"),
        ("", ""),
    ],
)
def test_mask_shows_at_most_four_characters(key: str, masked: str) -> None:
    assert mask(key) == masked


def test_empty_or_multiline_key_is_refused(fresh_keyring: None) -> None:
    store = SecretStore()
    for bad in ("   ", "sk-one\nsk-two"):
        with pytest.raises(AppError) as caught:
            store.set("OpenAI", bad)
        assert caught.value.kind is ErrorKind.BAD_INPUT
    assert MemoryKeyring._store == {}


# -- OPENAI_API_KEY -----------------------------------------------------------


def test_env_key_overrides_the_keyring_for_openai(
    fresh_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SecretStore()
    store.set("OpenAI", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)

    assert store.get("OpenAI") == ENV_KEY
    assert store.status("OpenAI").source == "env"
    # A custom profile pointing at api.openai.com is OpenAI too.
    assert store.get("Work", "https://api.openai.com/v1") == ENV_KEY


def test_env_key_never_goes_to_gateways(
    fresh_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SecretStore()
    store.set("OpenRouter", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)

    assert store.get("OpenRouter", "https://openrouter.ai/api/v1") == KEY
    assert store.get("Gate.AI", "https://gate.example/v1") is None
    assert store.status("Gate.AI", "https://gate.example/v1").source == "none"
    # A custom profile on OpenAI's own host is OpenAI: the variable applies.
    assert store.get("Work", "https://api.openai.com/v1") == ENV_KEY
    assert store.status("Work", "https://api.openai.com/v1").source == "env"


# -- no usable keyring ----------------------------------------------------------


def _assert_unavailable(exc: KeyringUnavailable) -> None:
    assert exc.kind is ErrorKind.AUTH
    assert exc.message.startswith("No usable keyring")
    assert "gnome-keyring or KWallet" in exc.message
    assert "OPENAI_API_KEY" in exc.message and "session" in exc.message


def test_fail_backend_chosen_by_keyring_is_reported(
    fresh_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    store = SecretStore()

    for call in (lambda: store.set("OpenAI", KEY), lambda: store.get("OpenAI")):
        with pytest.raises(KeyringUnavailable) as caught:
            call()
        _assert_unavailable(caught.value)
        assert "no keyring backend was found" in caught.value.message
    assert store.backend_name() == "no keyring"


@pytest.mark.parametrize(
    "backend",
    [null.Keyring(), type("Empty", (chainer.ChainerBackend,), {"backends": []})()],
    ids=["null", "empty-chainer"],
)
def test_backends_that_silently_drop_keys_are_refused(backend: KeyringBackend) -> None:
    store = SecretStore(backend)

    with pytest.raises(KeyringUnavailable) as caught:
        store.set("OpenAI", KEY)

    _assert_unavailable(caught.value)
    assert store.status("OpenAI").problem == caught.value.message


def test_session_key_when_the_keyring_cannot_be_used() -> None:
    store = SecretStore(fail.Keyring())
    store.set_session_key("OpenAI", KEY)

    assert store.get("OpenAI") == KEY
    status = store.status("OpenAI")
    assert status.source == "session"
    assert status.problem is not None and "No usable keyring" in status.problem
    assert store.delete("OpenAI") is True  # forgets the session key
    with pytest.raises(KeyringUnavailable):
        store.get("OpenAI")


def test_env_key_still_works_without_a_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    store = SecretStore(fail.Keyring())

    assert store.get("OpenAI") == ENV_KEY
    with pytest.raises(KeyringUnavailable):  # OpenRouter never gets the OpenAI key
        store.get("OpenRouter", "https://openrouter.ai/api/v1")


def test_dbus_errors_from_a_missing_bus_become_a_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # secretstorage lets FileNotFoundError escape when the bus socket is gone.
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/askshot-bus")
    store = SecretStore(SecretService.Keyring())

    with pytest.raises(KeyringUnavailable) as caught:
        store.get("OpenAI")

    _assert_unavailable(caught.value)
    assert caught.value.message.startswith("No usable keyring (Secret Service: ")


class EchoingKeyring(KeyringBackend):
    """A backend whose errors repeat the password (some do)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"could not store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


class ForgetfulKeyring(EchoingKeyring):
    """Accepts every write and keeps nothing."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


def test_key_never_appears_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = SecretStore(EchoingKeyring())

    with pytest.raises(KeyringUnavailable) as caught:
        store.set("OpenAI", KEY)

    assert KEY not in caught.value.message and KEY not in str(caught.value)
    assert "sk-proj-…abcd" in caught.value.message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert caplog.records, "the failure was not logged"
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_a_write_that_is_not_kept_is_an_error() -> None:
    with pytest.raises(KeyringUnavailable) as caught:
        SecretStore(ForgetfulKeyring()).set("OpenAI", KEY)
    assert "did not keep it" in caught.value.message


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt's PlaintextKeyring: a key file on disk."""

    priority = 0.5  # type: ignore[assignment]
    folder: ClassVar[Path]

    def get_password(self, service: str, username: str) -> str | None:
        path = self.folder / f"{service}-{username}"
        return path.read_text() if path.exists() else None

    def set_password(self, service: str, username: str, password: str) -> None:
        (self.folder / f"{service}-{username}").write_text(password)

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


def test_a_plaintext_file_keyring_is_never_used(tmp_path: Path) -> None:
    PlaintextKeyring.folder = tmp_path
    chained = type("Chain", (chainer.ChainerBackend,), {"backends": [PlaintextKeyring()]})

    for backend in (PlaintextKeyring(), chained()):
        with pytest.raises(KeyringUnavailable) as caught:
            SecretStore(backend).set("OpenAI", KEY)
        assert "plain-text file" in caught.value.message
    assert list(tmp_path.glob("askshot-*")) == []


# -- transport and start-up ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com/v1",
        "http://localhost:11434/v1",
        "http://127.0.0.1:1234/v1",
        "http://127.8.9.10/v1",
        "http://[::1]:8080/v1",
        "HTTP://LOCALHOST/v1",
    ],
)
def test_no_warning_for_https_or_this_computer(url: str) -> None:
    assert insecure_transport_warning(url) is None


@pytest.mark.parametrize("url", ["http://192.168.1.20:11434/v1", "http://gateway.example/v1"])
def test_warning_for_plain_http_to_another_machine(url: str) -> None:
    warning = insecure_transport_warning(url)
    assert warning is not None
    assert "unencrypted" in warning and "https://" in warning


def test_importing_settings_and_secrets_does_not_import_keyring() -> None:
    code = (
        "import sys, desktop_app.core.secrets, desktop_app.core.settings;"
        "print('keyring' in sys.modules, 'secretstorage' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.split() == ["False", "False"]
