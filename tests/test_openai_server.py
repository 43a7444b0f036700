"""The fake server itself: it must end cleanly and run standalone for manual tests."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from tests.fixtures_server import openai_server  # noqa: F401  (pytest fixture)
from tests.openai_server import FakeOpenAI, Scenario

ROOT = Path(__file__).resolve().parent.parent


def _post(url: str, body: dict) -> bytes:
    request = urllib.request.Request(  # noqa: S310  (127.0.0.1 only)
        url + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.read()


def test_close_releases_a_stalled_stream() -> None:
    server = FakeOpenAI()
    server.push(Scenario(fault="stall", after=1))
    result: list[BaseException | bytes] = []

    def call() -> None:
        try:
            result.append(_post(server.base_url, {"model": "gpt-4o-mini", "stream": True}))
        except Exception as exc:  # the stall ends in an incomplete read
            result.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    for _ in range(500):  # wait (at most 5 s) for the request to arrive
        if server.requests:
            break
        caller.join(0.01)
    server.close()
    caller.join(5)
    assert not caller.is_alive()
    assert not any(t.name == "fake-openai-conn" for t in threading.enumerate())


def test_standalone_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.openai_server", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        base_url = line.split(" at ")[1].split()[0]
        reply = json.loads(
            _post(
                base_url, {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
            )
        )
        assert reply["model"] == "gpt-4o-mini-2024-07-18"
        assert reply["choices"][0]["message"]["content"].startswith("I received **no images**")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_fixture_lists_models_and_records_requests(openai_server: FakeOpenAI) -> None:  # noqa: F811
    request = urllib.request.Request(  # noqa: S310  (127.0.0.1 only)
        openai_server.base_url + "/models", headers={"authorization": "Bearer sk-x"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        listing = json.loads(response.read())
        request_id = response.headers["x-request-id"]
    assert "gpt-4o-mini" in [m["id"] for m in listing["data"]]
    recorded = openai_server.requests[-1]
    assert (recorded.method, recorded.path) == ("GET", "/v1/models")
    assert recorded.authorization == "Bearer sk-x"
    assert recorded.request_id == request_id


def test_forever_presets_are_bounded_by_the_server() -> None:
    with FakeOpenAI() as server:
        for fault in ("comments_forever", "empty_deltas_forever"):
            server.push(Scenario(fault=fault, after=0, forever=0.3))
            body = _post(server.base_url, {"model": "gpt-4o-mini", "stream": True}).decode()
            assert '"finish_reason": "stop"' not in body and "[DONE]" not in body
            if fault == "comments_forever":
                assert body.count(": OPENROUTER PROCESSING") >= 2
            else:
                assert body.count('"delta": {}') >= 2
