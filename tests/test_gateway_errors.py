"""Gateways' own error shapes become sentences: the gateway's text as text, never a dict.

The bodies are the ones a real LiteLLM proxy (1.x, no database) sent in front of the
fake server, and OpenRouter's documented ones; the client is the real openai SDK.
"""

from __future__ import annotations

import threading

import pytest

from desktop_app.core.chat_client import ChatClient
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import ChatMessage, ChatRequest, ResponseStarted
from tests.openai_scenarios import OPENROUTER_KEY
from tests.openai_server import FakeOpenAI, Scenario

KEY = "sk-test.gateway-0123456789"  # fake

# LiteLLM relaying the upstream provider's 401 (its own key for OpenAI is wrong).
UPSTREAM_401 = {
    "message": "litellm.AuthenticationError: AuthenticationError: OpenAIException - Incorrect "
    "API key provided: sk-te*****7890. You can find your API key at "
    "https://platform.openai.com/account/api-keys.. Received Model Group=gpt-4o-mini\n"
    "Available Model Group Fallbacks=None",
    "type": None,
    "param": None,
    "code": "401",
}
# LiteLLM with a database, rejecting a virtual key it did not issue.
GATEWAY_401 = {
    "message": "Authentication Error, Invalid proxy server token passed. Received API Key = "
    "sk-...6789, Key Hash (Token) =3b1f. Unable to find token in cache or "
    "`LiteLLM_VerificationTokenTable`",
    "type": "auth_error",
    "param": "None",
    "code": "401",
}
# LiteLLM without a database answers any key but its master key like this.
GATEWAY_NO_DB = {"message": "No connected db.", "type": "no_db_connection", "code": "400"}
# LiteLLM's unknown model: the message is a Python dict's repr.
UNKNOWN_MODEL_400 = {
    "message": "{'error': '/chat/completions: Invalid model name passed in model=gpt-nope. "
    "Call `/v1/models` to view available models for your key.'}",
    "type": "None",
    "param": "None",
    "code": "400",
}


def ask(server: FakeOpenAI, model: str = "gpt-4o-mini") -> tuple[list[object], AppError]:
    client = ChatClient(base_url=server.base_url, api_key=KEY)
    request = ChatRequest(model=model, messages=(ChatMessage("user", "hi"),))
    events: list[object] = []
    try:
        with pytest.raises(AppError) as caught:
            events.extend(client.stream(request, threading.Event()))
    finally:
        client.close()
    return events, caught.value


def test_an_upstream_401_relayed_by_a_gateway_is_not_blamed_on_your_key() -> None:
    with FakeOpenAI() as server:
        server.push(Scenario(status=401, error=UPSTREAM_401))
        _, error = ask(server)
    assert error.kind is ErrorKind.AUTH
    assert error.message.startswith(
        f"The gateway at 127.0.0.1:{server.port} accepted your key, but the provider behind it "
        "rejected the gateway's own key for gpt-4o-mini (HTTP 401). Your key is fine"
    )
    assert "Incorrect API key provided" in error.message
    assert "Received Model Group" not in error.message
    assert "{" not in error.message


def test_openrouter_names_the_upstream_provider() -> None:
    body = {
        "code": 401,
        "message": "Provider returned error",
        "metadata": {"provider_name": "Azure", "raw": "invalid subscription key"},
    }
    with FakeOpenAI() as server:
        server.push(Scenario(status=401, error=body))
        _, error = ask(server)
    assert "but Azure rejected the gateway's own key" in error.message


@pytest.mark.parametrize(("body", "status"), [(GATEWAY_401, 401), (GATEWAY_NO_DB, 400)])
def test_a_gateways_own_auth_error_asks_for_the_gateways_key(
    body: dict[str, object], status: int
) -> None:
    with FakeOpenAI() as server:
        server.push(Scenario(status=status, error=body))
        _, error = ask(server)
    assert (error.kind, error.status) == (ErrorKind.AUTH, status)
    assert error.message.startswith(
        f"The gateway at 127.0.0.1:{server.port} did not accept your key (HTTP {status}): it is "
        "not a key this gateway issued, or it was revoked. Copy the key from the gateway's "
        "console into Settings"
    )
    assert KEY not in error.message


def test_a_400_for_an_unknown_model_names_the_model_and_shows_text_not_a_dict() -> None:
    with FakeOpenAI() as server:
        server.push(Scenario(status=400, error=UNKNOWN_MODEL_400))
        _, error = ask(server, model="gpt-nope")
    assert error.kind is ErrorKind.BAD_INPUT
    assert error.message.startswith(
        f"The server at 127.0.0.1:{server.port} does not offer the model “gpt-nope” (HTTP 400). "
        "Run `askshot models`"
    )
    assert (
        "The server said: “/chat/completions: Invalid model name passed in model=gpt-nope."
        in error.message
    )
    assert "{'error'" not in error.message and "'}" not in error.message


def test_out_of_credits_says_how_much_is_left_when_the_gateway_tells() -> None:
    with FakeOpenAI(credits=OPENROUTER_KEY) as server:
        server.push("insufficient_credits")
        _, error = ask(server)
    assert (error.kind, error.status) == (ErrorKind.QUOTA, 402)
    assert "out of credits" in error.message
    assert error.message.endswith("The key has $7.25 of credit left.")

    with FakeOpenAI() as server:  # no /key: nothing is made up
        server.push("insufficient_credits")
        _, error = ask(server)
    assert "credit left" not in error.message


def test_the_completion_id_is_the_request_id_when_no_header_carries_one() -> None:
    with FakeOpenAI() as server:
        server.push(
            Scenario(
                fault="mid_stream_error",
                after=0,
                headers={"x-request-id": ""},
                error={"message": "Upstream went away", "code": 502},
            )
        )
        events, error = ask(server)
    ids = [e.request_id for e in events if isinstance(e, ResponseStarted) and e.request_id]
    assert ids and ids[0].startswith("chatcmpl-fake")
    assert error.request_id == ids[0]
    assert error.text().endswith(f"(request id: {error.request_id})")


def test_test_connection_reports_an_unknown_model_without_sending_a_chat() -> None:
    with FakeOpenAI(api_key=KEY, catalogue="openrouter") as server:
        client = ChatClient(base_url=server.base_url, api_key=KEY)
        try:
            with pytest.raises(AppError) as caught:
                client.test_connection("openai/gpt-4o-mimi")
            ok = client.test_connection("openai/gpt-4o-mini")
        finally:
            client.close()
    error = caught.value
    assert (error.kind, error.reason) == (ErrorKind.BAD_INPUT, "unknown_model")
    assert error.message == (
        f"Connected to 127.0.0.1:{server.port}, but it does not offer the model "
        "“openai/gpt-4o-mimi” (5 models listed). Pick one from the list (`askshot models`) or "
        "check the spelling in Settings."
    )
    assert ok == (
        f"Connected to 127.0.0.1:{server.port}: openai/gpt-4o-mini is one of the 5 models it "
        "offers. It can see images. Credit left: $7.25."
    )
    assert not [r for r in server.requests if r.path.endswith("/chat/completions")]


def test_test_connection_with_a_rejected_key_spends_nothing() -> None:
    with FakeOpenAI(api_key="sk-the-right-one-000000") as server:
        client = ChatClient(base_url=server.base_url, api_key=KEY)
        try:
            with pytest.raises(AppError) as caught:
                client.test_connection("gpt-4o-mini")
        finally:
            client.close()
    assert caught.value.kind is ErrorKind.AUTH
    assert caught.value.request_id == server.requests[-1].request_id
    assert [r.method for r in server.requests] == ["GET"]
