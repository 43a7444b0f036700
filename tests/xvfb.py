"""A private Xvfb X server for tests that need a real X display (capture, clipboard, paste).

Use the fixtures by importing them into a test module::

    from tests.xvfb import xvfb_display, xvfb_server  # noqa: F401

``xvfb_display`` yields the DISPLAY string (":7"); ``xvfb_server`` yields the
``XvfbServer`` with ``env()`` for child processes, ``run()`` for X tools and
``set_monitors()`` to split the screen into several RandR monitors. Nothing here
touches this process's own environment: the pytest process keeps Qt's offscreen
platform, so run Qt code that needs the X server in a child process started with
``server.env()``. Tests are skipped, with the reason, when Xvfb or xdotool is missing.
"""

from __future__ import annotations

import os
import queue
import select
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pytest

REQUIRED_TOOLS = ("Xvfb", "xdotool")
START_TIMEOUT = 10.0


def missing_tools(*extra: str) -> list[str]:
    return [tool for tool in (*REQUIRED_TOOLS, *extra) if shutil.which(tool) is None]


def skip_unless_tools(*extra: str) -> None:
    """Skip the calling test (or fixture) when an X tool is not installed."""
    missing = missing_tools(*extra)
    if missing:
        pytest.skip(
            f"needs {', '.join(missing)} on PATH (apt install xvfb xdotool x11-xserver-utils xclip)"
        )


@dataclass(frozen=True)
class Monitor:
    """A RandR monitor: a named rectangle of the X screen that Qt shows as a QScreen."""

    name: str
    width: int
    height: int
    x: int
    y: int

    def xrandr_geometry(self) -> str:
        mm_w, mm_h = round(self.width * 25.4 / 96), round(self.height * 25.4 / 96)
        return f"{self.width}/{mm_w}x{self.height}/{mm_h}+{self.x}+{self.y}"


class XvfbServer:
    """A running Xvfb; stop() kills it by PID."""

    def __init__(self, process: subprocess.Popen[bytes], display: str, size: tuple[int, int]):
        self.process = process
        self.display = display
        self.size = size

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a child process that should use this server (and Qt's xcb)."""
        env = dict(os.environ)
        for name in (
            "WAYLAND_DISPLAY",
            "XDG_SESSION_TYPE",
            "QT_SCALE_FACTOR",
            "QT_SCREEN_SCALE_FACTORS",
            "XAUTHORITY",
        ):
            env.pop(name, None)
        env.update(DISPLAY=self.display, QT_QPA_PLATFORM="xcb")
        env.update(extra)
        return env

    def run(self, *args: str | int, timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
        """Run an X client (xdotool, xrandr, xclip) against this server; raise on failure."""
        return subprocess.run(
            [str(a) for a in args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def set_monitors(self, monitors: Sequence[Monitor]) -> None:
        """Replace the RandR monitors (needs xrandr; the server runs with -noreset so
        they stay when the last client disconnects)."""
        listing = self.run("xrandr", "--listmonitors").stdout.splitlines()[1:]
        for line in listing:
            name = line.split()[1].lstrip("+*")
            subprocess.run(
                ["xrandr", "--delmonitor", name], env=self.env(), capture_output=True, check=False
            )
        for i, m in enumerate(monitors):
            self.run(
                "xrandr",
                "--setmonitor",
                m.name,
                m.xrandr_geometry(),
                "screen" if i == 0 else "none",
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_xvfb(
    width: int = 1920, height: int = 1080, *, extra_args: Iterable[str] = ()
) -> XvfbServer:
    """Start Xvfb on a free display and return once it accepts connections.

    ``-displayfd`` makes Xvfb pick a free display number itself and write it to a
    pipe when it is ready, so there is no guessing and no polling.
    """
    read_fd, write_fd = os.pipe()
    try:
        process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                f"{width}x{height}x24",
                "-nolisten",
                "tcp",
                "-noreset",
                *extra_args,
            ],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    finally:
        os.close(write_fd)
    try:
        number = b""
        deadline = time.monotonic() + START_TIMEOUT
        while not number.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([read_fd], [], [], max(0.0, left))
            chunk = os.read(read_fd, 64) if ready else b""
            if not chunk:  # timed out, or Xvfb exited and closed the pipe
                process.kill()
                process.wait(timeout=5)
                raise RuntimeError("Xvfb did not start (no display number within 10 s)")
            number += chunk
    finally:
        os.close(read_fd)
    return XvfbServer(process, f":{int(number)}", (width, height))


@pytest.fixture(scope="module")
def xvfb_server() -> Iterator[XvfbServer]:
    """A 1920×1080 Xvfb shared by the tests of one module."""
    skip_unless_tools()
    server = start_xvfb()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def xvfb_display(xvfb_server: XvfbServer) -> str:
    """The DISPLAY string of a private Xvfb, e.g. ":7"."""
    return xvfb_server.display


class LineReader:
    """Collect a child process's stdout lines on a thread so a test can wait for one.

    ``wait_for("ready")`` returns the first line starting with that prefix, or
    raises with everything seen so far when the timeout passes or the child exits.
    """

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self.process = process
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, *prefixes: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(0.0, left))
            except queue.Empty:
                raise AssertionError(
                    f"no line starting with {prefixes} within {timeout} s; got {self.lines}"
                ) from None
            if line is None:
                raise AssertionError(
                    f"process exited ({self.process.wait()}) before printing {prefixes}; "
                    f"got {self.lines}"
                )
            self.lines.append(line)
            if line.startswith(prefixes):
                return line
