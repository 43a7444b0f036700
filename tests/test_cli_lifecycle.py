"""`askshot ask` never loses what it printed: kills, bad input, requests too large to send."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop_app.core.history import History
from tests.cli_helpers import ROOT, TEST_KEY, askshot, start_askshot
from tests.image_factory import screenshot
from tests.openai_scenarios import Scenario
from tests.openai_server import FakeOpenAI


def _history() -> History:
    return History(Path(os.environ["ASKSHOT_DATA_DIR"]) / "history.sqlite3")


class _Reader(threading.Thread):
    """Collects a child's stdout as it arrives, with the time of the last byte."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(name="test-stdout-reader", daemon=True)
        self.process = process
        self.data = bytearray()
        self.lock = threading.Lock()
        self.first = threading.Event()

    def run(self) -> None:
        assert self.process.stdout is not None
        while chunk := os.read(self.process.stdout.fileno(), 4096):
            with self.lock:
                self.data += chunk
            self.first.set()

    def text(self) -> str:
        with self.lock:
            return self.data.decode("utf-8", "replace")


def _slow_answer(openai_server: FakeOpenAI) -> tuple[subprocess.Popen[bytes], _Reader]:
    # 400 deltas, 25 ms apart: ten seconds of answer.
    openai_server.push(Scenario(chunks=400, delay=0.025))
    process = start_askshot("ask", "--base-url", openai_server.base_url, "hi")
    reader = _Reader(process)
    reader.start()
    assert reader.first.wait(30), "the answer never started"
    return process, reader


def _stream_for(reader: _Reader, seconds: float) -> None:
    """Let the answer stream on for a while (the thing measured here is time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and reader.process.poll() is None:
        reader.join(timeout=deadline - time.monotonic())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_termination_keeps_what_was_printed_marked_cut_off(
    openai_server: FakeOpenAI, signum: int
) -> None:
    process, reader = _slow_answer(openai_server)
    try:
        _stream_for(reader, 2.5)
        process.send_signal(signum)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(10)
    printed = reader.text().strip()
    assert process.returncode == 130, err
    assert b"Traceback" not in err and b"cut off" in err
    with _history() as history:
        _, answer = history.messages(history.conversations()[0].id)
    assert answer.status == "partial"  # shown as "Cut off"
    assert answer.text.strip() == printed


def test_a_hard_kill_loses_at_most_about_a_second(openai_server: FakeOpenAI) -> None:
    process, reader = _slow_answer(openai_server)
    started = time.monotonic()
    try:
        _stream_for(reader, 3.0)
        elapsed = time.monotonic() - started
        process.kill()  # SIGKILL: no handler runs
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(10)
    printed = reader.text()
    per_second = len(printed) / elapsed
    with _history() as history:
        _, answer = history.messages(history.conversations()[0].id)
    assert answer.status == "partial"
    assert printed.startswith(answer.text)
    lost = len(printed) - len(answer.text)
    # At most a second's worth (plus one delta and scheduling slack).
    assert lost <= 1.3 * per_second, (lost, per_second)


def test_a_question_that_is_not_utf8_is_refused_without_a_trace(
    openai_server: FakeOpenAI,
) -> None:
    # What a Latin-1 terminal sends for "café?": Python hands it over as a surrogate.
    run = askshot("ask", "--base-url", openai_server.base_url, "caf\udce9?")
    assert run.code == 2, run.err
    assert "UTF-8" in run.err and "Traceback" not in run.err
    assert openai_server.requests == []
    with _history() as history:
        assert history.conversations() == []


def test_a_request_over_the_context_window_is_not_uploaded(
    openai_server: FakeOpenAI, tmp_path: Path
) -> None:
    shot = tmp_path / "wide.png"
    screenshot(2048, 1024).save(shot)
    images = [arg for _ in range(18) for arg in ("-i", str(shot))]
    run = askshot(
        "ask", *images, "--detail", "high", "--base-url", openai_server.base_url, "compare these"
    )
    assert run.code == 2, run.err
    assert "128,000" in run.err and "nothing was sent" in run.err
    assert openai_server.requests == []
    # --allow-over-budget does not override it: the server would refuse it anyway.
    run = askshot(
        "ask",
        *images,
        "--detail",
        "high",
        "--allow-over-budget",
        "--base-url",
        openai_server.base_url,
        "compare these",
    )
    assert run.code == 2 and openai_server.requests == []


def test_the_budget_counts_the_whole_conversation(
    openai_server: FakeOpenAI, tmp_path: Path
) -> None:
    shot = tmp_path / "shot.png"
    screenshot(2048, 1024).save(shot)
    config = Path(os.environ["ASKSHOT_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text('{"version": 1, "session_budget_usd": 0.02}')
    for _ in range(3):
        openai_server.push(Scenario(text="ok", usage=(10, 1, 0)))
    base = ("--base-url", openai_server.base_url)
    first = askshot("ask", "-i", str(shot), "-i", str(shot), "--detail", "high", *base, "two")
    assert first.code == 0, first.err
    # A text-only follow-up resends both images (~$0.011 of input): under $0.02 it goes...
    follow = askshot("ask", "--continue", *base, "and now?")
    assert follow.code == 0, follow.err
    # ...and under $0.005 it is refused, although its own text costs almost nothing.
    (config / "settings.json").write_text('{"version": 1, "session_budget_usd": 0.005}')
    refused = askshot("ask", "--continue", *base, "and again?")
    assert refused.code == 4, refused.err
    assert "session budget" in refused.err
    assert len(openai_server.requests) == 2


@pytest.mark.parametrize("preset", ["comments_forever", "empty_deltas_forever"])
def test_a_stream_kept_alive_without_content_ends_within_the_limit(
    openai_server: FakeOpenAI, preset: str
) -> None:
    config = Path(os.environ["ASKSHOT_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text('{"version": 1, "first_content_timeout_seconds": 1.5}')
    openai_server.push(preset)
    started = time.monotonic()
    run = askshot("ask", "--base-url", openai_server.base_url, "anyone there?", timeout=30)
    elapsed = time.monotonic() - started
    assert run.code == 5, run.err
    assert "Traceback" not in run.err and "1.5 s" in run.err
    assert elapsed < 15  # the server would keep it alive for a minute
    with _history() as history:
        _, answer = history.messages(history.conversations()[0].id)
    assert answer.status == "error" and answer.error


def test_an_answer_the_locked_history_cannot_take_is_kept_and_written_later(
    openai_server: FakeOpenAI,
) -> None:
    from tests.test_environment_errors import _WRAPPER

    askshot("ask", "--base-url", openai_server.base_url, "create the history first")
    openai_server.push(
        Scenario(text="Kept although the history was locked.", chunks=20, delay=0.05)
    )
    env = dict(os.environ, OPENAI_API_KEY=TEST_KEY, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WRAPPER,
            "0.2",
            "",
            "ask",
            "--base-url",
            openai_server.base_url,
            "lock me out",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    db = Path(os.environ["ASKSHOT_DATA_DIR"]) / "history.sqlite3"
    locker = sqlite3.connect(db, isolation_level=None, timeout=10)
    try:
        assert process.stdout is not None
        assert process.stdout.read(4), "the answer never started"
        locker.execute("BEGIN EXCLUSIVE")  # another program holds the history from here on
        _, err = process.communicate(timeout=60)
    finally:
        if locker.in_transaction:
            locker.execute("ROLLBACK")
        locker.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert b"Traceback" not in err and b"unsaved" in err
    assert b"history the next time" in err
    # The next AskShot that opens the history writes it in.
    openai_server.push(Scenario(text="ok"))
    assert askshot("ask", "--base-url", openai_server.base_url, "next").code == 0
    with _history() as history:
        conversation = next(c for c in history.conversations() if c.title == "lock me out")
        _, answer = history.messages(conversation.id)
    assert (answer.status, answer.text) == ("complete", "Kept although the history was locked.")
