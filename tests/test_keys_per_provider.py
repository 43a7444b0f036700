"""`OPENAI_API_KEY` goes to OpenAI only: never to a gateway, a custom server or a local one."""

from __future__ import annotations

import pytest

from desktop_app.context import Services
from desktop_app.core.chat_client import PLACEHOLDER_KEY
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.providers import ProviderProfile
from desktop_app.core.settings import load_settings, save_settings
from tests.cli_helpers import TEST_KEY, askshot
from tests.openai_scenarios import Scenario
from tests.openai_server import FakeOpenAI

GATEWAY_KEY = "sk-or-v1-gate.0123456789abcdefghij"  # fake


@pytest.fixture
def env_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    return TEST_KEY


def _profiles(base_url: str) -> None:
    """A gateway and a local server on `base_url`, saved as the user would."""
    settings, _ = load_settings()
    settings.add_profile(ProviderProfile("Gateway", base_url, "gpt-4o-mini"))
    settings.add_profile(ProviderProfile("Local", base_url, "llava", needs_key=False))
    settings.add_profile(ProviderProfile("Work", "https://api.openai.com/v1", "gpt-4o-mini"))
    save_settings(settings)


def test_only_openai_profiles_get_the_environment_key(env_key: str) -> None:
    _profiles("https://gateway.example/v1")
    services = Services()
    try:
        assert services.api_key_for(services.resolve_profile("OpenAI")) == env_key
        assert services.api_key_for(services.resolve_profile("Work")) == env_key
        assert services.api_key_for(services.resolve_profile("Local")) is None
        assert services.api_key_for(services.resolve_profile("Local server")) is None
        for name in ("OpenRouter", "Gateway"):
            with pytest.raises(AppError) as caught:
                services.api_key_for(services.resolve_profile(name))
            assert caught.value.kind is ErrorKind.AUTH
            assert f'askshot key set --provider "{name}"' in caught.value.message
            assert "OPENAI_API_KEY" not in caught.value.message  # it would not help
            assert env_key not in caught.value.message
    finally:
        services.close()


def test_a_gateway_uses_its_own_stored_key(env_key: str) -> None:
    _profiles("https://gateway.example/v1")
    services = Services()
    try:
        services.secrets.set("Gateway", GATEWAY_KEY)
        assert services.api_key_for(services.resolve_profile("Gateway")) == GATEWAY_KEY
        status = services.secrets.status("Gateway", "https://gateway.example/v1")
        assert status.source == "keyring"
    finally:
        services.close()


def test_the_env_key_never_reaches_another_server(env_key: str, openai_server: FakeOpenAI) -> None:
    _profiles(openai_server.base_url)
    openai_server.push(Scenario(text="Local answer."), Scenario(text="OpenAI answer."))

    gateway = askshot("ask", "--provider", "Gateway", "hi", key=env_key)
    local = askshot("ask", "--provider", "Local", "hi", key=env_key)
    openai = askshot("ask", "--base-url", openai_server.base_url, "hi", key=env_key)

    assert gateway.code == ErrorKind.AUTH.exit_code, gateway.err
    assert "No API key is set for Gateway" in gateway.err
    assert local.code == 0, local.err
    assert openai.code == 0, openai.err
    # Every request counts: the local server's (its /models is read too, to price
    # a model the built-in table does not know) carry no key; OpenAI's last one does.
    *local, openai_request = [request.authorization for request in openai_server.requests]
    assert local and set(local) == {f"Bearer {PLACEHOLDER_KEY}"}
    assert openai_request == f"Bearer {env_key}"


def test_key_status_says_which_key_is_sent(env_key: str) -> None:
    _profiles("https://gateway.example/v1")

    gateway = askshot("key", "status", "--provider", "Gateway", key=env_key)
    local = askshot("key", "status", "--provider", "Local", key=env_key)
    work = askshot("key", "status", "--provider", "Work", key=env_key)

    assert "Key:      no key set for Gateway" in gateway.out
    assert "OPENAI_API_KEY is set, but it is only sent to OpenAI" in gateway.out
    assert "Key:      none needed" in local.out
    assert "from the OPENAI_API_KEY environment variable" in work.out
    assert env_key not in gateway.out + local.out + work.out
