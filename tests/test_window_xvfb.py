"""The real app (`python -m desktop_app`) on a real X server, driven by X tools.

Xvfb stands in for the desktop, xclip for another program that copied a
screenshot, and xdotool for the person at the keyboard. The fake OpenAI server
runs in this process; the app runs as a child with a throw-away profile. What
the user would see is checked where it lands: the server's recorded request,
the SQLite history and a screenshot of the screen.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from PIL import Image

from desktop_app.core.history import History, Message
from tests.image_factory import screenshot
from tests.openai_server import FakeOpenAI, Scenario
from tests.xvfb import XvfbServer, skip_unless_tools, start_xvfb

pytestmark = pytest.mark.xvfb

REPO = Path(__file__).resolve().parent.parent
KEY = "sk-proj-Xvfb.indowTestKey0000000000000000000Qq1"
ANSWER = "It is a **desktop screenshot** with a settings dialog."
T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)  # polling an outside process: there is no signal to wait on


class App:
    """One AskShot child process with its own profile, and the X tools that drive it."""

    def __init__(self, x: XvfbServer, fake: FakeOpenAI, profile: Path) -> None:
        self.x = x
        self.env = x.env(
            ASKSHOT_CONFIG_DIR=str(profile / "config"),
            ASKSHOT_DATA_DIR=str(profile / "data"),
            OPENAI_API_KEY=KEY,
            OPENAI_BASE_URL=fake.base_url,
            PYTHON_KEYRING_BACKEND="tests.memory_keyring.MemoryKeyring",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        )
        self.history_path = profile / "data" / "history.sqlite3"
        profile.mkdir(parents=True, exist_ok=True)
        self.log = (profile / "app.log").open("w")
        self.process = self.launch()
        try:
            found = x.run(
                "xdotool", "search", "--sync", "--onlyvisible", "--name", "^AskShot$", timeout=30
            )
        except BaseException:  # no window: do not leave the app behind
            self.process.kill()
            self.process.wait(timeout=10)
            self.log.close()
            raise
        self.window_id = found.stdout.split()[0]

    def launch(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "desktop_app", *args],
            env=self.env,
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def keys(self, *keys: str) -> None:
        self.x.run("xdotool", "windowfocus", "--sync", self.window_id)  # no WM: no activate
        self.x.run("xdotool", "key", "--clearmodifiers", *keys)

    def type(self, text: str) -> None:
        self.x.run("xdotool", "windowfocus", "--sync", self.window_id)
        self.x.run("xdotool", "type", "--delay", "5", text)

    def answers(self) -> list[Message]:
        """Every finished answer in the app's history (read beside the running app)."""
        if not self.history_path.exists():
            return []
        with History(self.history_path) as history:
            return [
                m
                for c in history.conversations()
                for m in history.messages(c.id)
                if m.role == "assistant" and m.status != "pending"
            ]

    def stop(self) -> int:
        """Quit as a user would (Ctrl+Q); SIGTERM, then SIGKILL, if it does not."""
        try:
            if self.process.poll() is None:
                try:
                    self.keys("ctrl+q")
                    return self.process.wait(timeout=10)
                except (subprocess.SubprocessError, OSError):
                    self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
            return self.process.returncode
        finally:
            self.log.close()


@pytest.fixture(scope="module")
def x() -> Iterator[XvfbServer]:
    skip_unless_tools("xclip", "import")
    server = start_xvfb(1280, 800)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def app(x: XvfbServer, fake: FakeOpenAI, tmp_path: Path) -> Iterator[App]:
    running = App(x, fake, tmp_path / "profile")
    try:
        yield running
    finally:
        code = running.stop()
        log = (tmp_path / "profile" / "app.log").read_text(errors="replace")
        assert code == 0, f"AskShot exited with {code}:\n{log}"
        assert "Traceback" not in log, log


@pytest.fixture
def clipboard_png(x: XvfbServer, tmp_path: Path) -> Iterator[Path]:
    """A 1920×1080 screenshot PNG on the CLIPBOARD, served by xclip until the test ends."""
    path = tmp_path / "copied.png"
    screenshot(1920, 1080).save(path)
    with clipboard_serving(x, path):
        yield path


@contextlib.contextmanager
def clipboard_serving(x: XvfbServer, path: Path) -> Iterator[None]:
    """xclip offers the PNG at `path` on the CLIPBOARD while the block runs."""
    # -quiet keeps xclip in the foreground, so its PID is the process serving the selection.
    owner = subprocess.Popen(
        ["xclip", "-quiet", "-selection", "clipboard", "-t", "image/png", "-i", str(path)],
        env=x.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def offered() -> bool:
            targets = subprocess.run(
                ["xclip", "-selection", "clipboard", "-t", "TARGETS", "-o"],
                env=x.env(),
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            return "image/png" in targets.stdout

        wait_for("xclip to own the clipboard", offered, timeout=10)
        yield
    finally:
        owner.kill()
        owner.wait(timeout=5)


def test_paste_a_copied_screenshot_ask_and_read_the_answer(
    x: XvfbServer, fake: FakeOpenAI, app: App, clipboard_png: Path, tmp_path: Path
) -> None:
    fake.push(Scenario(text=ANSWER, usage=(36_862, 57, 0)))

    app.keys("ctrl+v")
    app.type("What is in this picture?")
    app.keys("Return")  # sends as soon as the pasted image is prepared

    answers = wait_for("the answer in history", lambda: [a for a in app.answers() if a.text])
    assert [(a.text, a.status) for a in answers] == [(ANSWER, "complete")]
    sent = fake.requests[-1]
    assert sent.images() == [(1365, 768, "auto")]  # 1920×1080 as gpt-4o-mini looks at it
    assert sent.user_text() == "What is in this picture?"
    assert sent.authorization == f"Bearer {KEY}"

    shot = tmp_path / "screen.png"
    x.run("import", "-window", "root", str(shot), timeout=20)
    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50, "the screen is blank"


def test_a_second_launch_hands_its_image_to_the_running_window(
    fake: FakeOpenAI, app: App, tmp_path: Path
) -> None:
    image = tmp_path / "second.png"
    screenshot(400, 300).save(image)

    second = app.launch(str(image))
    assert second.wait(timeout=20) == 0  # it delivered the request and left
    # The running window reads the request on its next event-loop turn; the keys
    # below reach it through X later than that, and Return waits for the image.
    app.type("And this one?")
    app.keys("Return")

    wait_for("the answer in history", lambda: [a for a in app.answers() if a.text])
    assert fake.requests[-1].images() == [(400, 300, "auto")]
    assert fake.requests[-1].user_text() == "And this one?"
