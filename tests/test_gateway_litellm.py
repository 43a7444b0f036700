"""`askshot ask` through a real gateway: the LiteLLM proxy in front of the fake server.

The proxy comes from `packaging/litellm-venv.sh` (a separate venv, pinned); without it
these tests skip with the reason. What LiteLLM really does, found by trying it:
an upstream refusal, a plain JSON reply to a streamed request and an upstream that
hangs up before the first token all come out as an *empty* stream ending in `stop`.
AskShot must call that no answer (exit 5), never a silent success.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_app.core.chat_client import ChatClient
from desktop_app.core.events import TextDelta, Usage, UsageReported
from tests.chat_client_helpers import ask, run
from tests.cli_helpers import ROOT, askshot
from tests.gateway.litellm_proxy import GATEWAY_KEY, UPSTREAM_KEY, Proxy, missing_reason
from tests.openai_scenarios import Scenario
from tests.openai_server import FakeOpenAI


@dataclass
class Gateway:
    fake: FakeOpenAI  # the upstream: push scenarios here
    proxy: Proxy

    @property
    def base_url(self) -> str:
        return self.proxy.base_url


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """One proxy for the module (it takes seconds to start), stopped by PID at the end."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    fake = FakeOpenAI(api_key=UPSTREAM_KEY)  # only the proxy's configured key gets through
    proxy = Proxy(fake.base_url, tmp_path_factory.mktemp("litellm") / "litellm.log")
    try:
        proxy.wait_ready()
        yield Gateway(fake, proxy)
    finally:
        proxy.stop()
        fake.close()


def _ask(gateway: Gateway, question: str, *extra: str) -> tuple[int, str, str]:
    run = askshot(
        "ask",
        "--provider",
        "OpenAI",  # OPENAI_API_KEY (the proxy's key here) is sent to this profile only
        "--base-url",
        gateway.base_url,
        *extra,
        question,
        key=GATEWAY_KEY,
    )
    assert "Traceback" not in run.err
    return run.code, run.out, run.err


def test_an_answer_streams_through_the_gateway(gateway: Gateway) -> None:
    gateway.fake.push(Scenario(text="It is a **test** screenshot.", usage=(1200, 8, 0)))
    code, out, err = _ask(gateway, "what is this?")

    assert code == 0, err
    assert out == "It is a **test** screenshot.\n"
    upstream = gateway.fake.requests[-1]
    assert upstream.authorization == f"Bearer {UPSTREAM_KEY}"  # the proxy's, not ours
    assert upstream.body["stream"] is True
    assert upstream.user_text() == "what is this?"
    assert "1,200 input" in err and "8 output tokens" in err  # usage made it through


def test_deltas_usage_and_request_id_through_the_gateway(gateway: Gateway) -> None:
    gateway.fake.push(Scenario(text="one two three four five", usage=(50, 5, 0)))
    client = ChatClient(base_url=gateway.base_url, api_key=GATEWAY_KEY, read_timeout=20)
    events, answer, exc = run(client, ask("count"))
    client.close()

    assert exc is None
    assert answer.text == "one two three four five"
    assert sum(isinstance(e, TextDelta) for e in events) == 5  # streamed, not buffered
    # LiteLLM puts usage on a chunk with non-empty choices; it arrives once all the same.
    assert [e for e in events if isinstance(e, UsageReported)] == [UsageReported(Usage(50, 0, 5))]
    assert answer.model == "gpt-4o-mini"  # the gateway's alias, not the upstream's snapshot
    assert answer.request_id  # x-litellm-call-id: the id a LiteLLM admin can look up


@pytest.mark.parametrize(
    "upstream",
    [
        pytest.param(Scenario(refusal="I can't help with that."), id="refusal"),
        pytest.param(Scenario(json_reply=True, text="A plain JSON reply."), id="json_reply"),
        pytest.param(Scenario(fault="drop", after=0), id="upstream_hangs_up"),
    ],
)
def test_an_empty_stream_from_the_gateway_is_not_a_silent_success(
    gateway: Gateway, upstream: Scenario
) -> None:
    gateway.fake.push(upstream)
    code, out, err = _ask(gateway, "who is this?")

    # LiteLLM drops the refusal deltas, cannot stream a JSON reply and hides the hang-up:
    # each arrives as an empty stream that says `stop`. AskShot says so and exits 5.
    assert (code, out) == (5, ""), err
    message = [line for line in err.splitlines() if line.startswith("askshot: ")]
    assert message, err
    assert "sent no answer" in message[0] and "said the answer was complete" in message[0]
    assert "Try again" in message[0]
    assert GATEWAY_KEY not in err


def test_the_proxy_starts_and_answers_with_the_network_closed() -> None:
    """The proxy needs nothing from outside: run it in a network namespace of its own."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not unshare or not ip:
        pytest.skip("needs unshare and ip (util-linux, iproute2) to close the network")
    if subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False).returncode:
        pytest.skip("this machine does not allow a network namespace (unshare -rn)")
    script = f"{ip} link set lo up && exec {sys.executable} -m tests.gateway.litellm_proxy"
    done = subprocess.run(
        [unshare, "-rn", "sh", "-c", script],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in result, result
    assert result["text"] == "Offline and fine."
    assert result["upstream_requests"] == 1
