"""`askshot --capture` against the running app under Xvfb: the overlay opens, a dragged
region lands in the composer, and the question goes to the server at the model's size."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_app.core.history import History
from tests.cli_helpers import ROOT
from tests.openai_scenarios import Scenario
from tests.openai_server import FakeOpenAI, decode_data_url
from tests.xvfb import XvfbServer, skip_unless_tools, start_xvfb

pytestmark = pytest.mark.xvfb


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)  # polling an outside process; there is no signal to wait on
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="module")
def xserver() -> Iterator[XvfbServer]:
    skip_unless_tools("xsetroot")
    server = start_xvfb(1600, 1000)
    # Something to capture: a bare Xvfb root is black, which capture rightly refuses.
    server.run("xsetroot", "-solid", "#3366aa")
    yield server
    server.stop()


class RunningApp:
    """The real `python -m desktop_app` on the X server, with a throw-away profile."""

    def __init__(
        self, x: XvfbServer, server: FakeOpenAI, home: Path, *args: str, wait: str = "^AskShot$"
    ) -> None:
        self.x = x
        config, self.data = home / "config", home / "data"
        config.mkdir(parents=True)
        profile = {
            "name": "Test server",
            "base_url": server.base_url,
            "model": "gpt-4o-mini",
            "stream_options": True,
            "needs_key": False,
        }
        (config / "settings.json").write_text(
            json.dumps({"version": 1, "active_provider": "Test server", "providers": [profile]})
        )
        self.env = x.env(
            ASKSHOT_CONFIG_DIR=str(config),
            ASKSHOT_DATA_DIR=str(self.data),
            PYTHONPATH=str(ROOT),
            PYTHON_KEYRING_BACKEND="tests.memory_keyring.MemoryKeyring",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "desktop_app", *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.window = self.wait_window(wait)

    def visible_windows(self, name: str) -> list[str]:
        result = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout.split()

    def wait_window(self, name: str, timeout: float = 20) -> str:
        windows = wait_until(lambda: self.visible_windows(name), timeout, f"window {name}")
        return windows[0]  # type: ignore[index]

    def xdotool(self, *args: str | int) -> None:
        self.x.run("xdotool", *args)

    def askshot(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "desktop_app", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            timeout=30,
            check=False,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()


@pytest.fixture
def app(xserver: XvfbServer, openai_server: FakeOpenAI, tmp_path: Path) -> Iterator[RunningApp]:
    running = RunningApp(xserver, openai_server, tmp_path)
    yield running
    running.stop()


def test_capture_command_reaches_the_running_app_and_the_region_is_asked_about(
    app: RunningApp, openai_server: FakeOpenAI
) -> None:
    openai_server.push(Scenario(text="A dialog box.", usage=(900, 4, 0)))
    second = app.askshot("--capture")
    assert second.returncode == 0, second.stderr
    app.wait_window("^AskShot capture$")
    _drag_region_and_ask(app, openai_server)


def test_capture_command_with_no_askshot_running_opens_the_overlay(
    xserver: XvfbServer, openai_server: FakeOpenAI, tmp_path: Path
) -> None:
    """The global-shortcut path: `askshot --capture` starts AskShot and captures at once."""
    openai_server.push(Scenario(text="A dialog box.", usage=(900, 4, 0)))
    app = RunningApp(xserver, openai_server, tmp_path, "--capture", wait="^AskShot capture$")
    try:
        _drag_region_and_ask(app, openai_server)
    finally:
        app.stop()


def _drag_region_and_ask(app: RunningApp, openai_server: FakeOpenAI) -> None:
    # Drag a 500x300 region; the overlay reports physical pixels (scale 1 here).
    app.xdotool("mousemove", 200, 150)
    app.xdotool("mousedown", 1)
    app.xdotool("mousemove", 450, 300)
    app.xdotool("mousemove", 700, 450)
    app.xdotool("mouseup", 1)
    app.xdotool("key", "Return")
    wait_until(lambda: not app.visible_windows("^AskShot capture$"), 10, "the overlay to close")
    window = app.wait_window("^AskShot$")
    app.xdotool("windowfocus", window)
    app.xdotool("type", "--delay", 5, "What is this?")
    app.xdotool("key", "Return")

    def answered() -> bool:
        db = app.data / "history.sqlite3"
        if not db.exists():
            return False
        with History(db) as history:
            conversations = history.conversations()
            if not conversations:
                return False
            messages = history.messages(conversations[0].id)
            return len(messages) == 2 and messages[1].status == "complete"

    wait_until(answered, 20, "the answer in history")
    request = openai_server.requests[-1]
    assert request.user_text() == "What is this?"
    assert request.images() == [(500, 300, "auto")]
    sent = decode_data_url(request.parts("image_url")[0]["image_url"]["url"]).convert("RGB")
    assert sent.getpixel((250, 150)) == (0x33, 0x66, 0xAA)  # the screen, not our window


def test_escape_cancels_the_capture_and_attaches_nothing(
    app: RunningApp, openai_server: FakeOpenAI
) -> None:
    assert app.askshot("--capture").returncode == 0
    app.wait_window("^AskShot capture$")
    app.xdotool("key", "Escape")
    wait_until(lambda: not app.visible_windows("^AskShot capture$"), 10, "the overlay to close")
    window = app.wait_window("^AskShot$")
    app.xdotool("windowfocus", window)
    app.xdotool("type", "--delay", 5, "Just text")
    app.xdotool("key", "Return")
    wait_until(lambda: openai_server.requests, 20, "the question to arrive")
    assert openai_server.requests[-1].images() == []
