"""The Wayland path: screenshots through xdg-desktop-portal over D-Bus.

A private dbus-daemon (no service files, so nothing real gets activated) carries a
stand-in portal (tests/capture_portal_service.py); the app runs in a child process
with the offscreen platform and is told it is on Wayland.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.ui.capture.environment import BACKEND_ENV, PORTAL_MISSING, choose_backend
from desktop_app.ui.capture.portal import request_path
from tests.private_bus import start_private_bus
from tests.xvfb import LineReader

REPO = Path(__file__).resolve().parent.parent


# --- choosing the path (no bus needed) ------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Wayland is a Linux thing")
@pytest.mark.parametrize(
    ("platform_name", "env", "expected"),
    [
        ("xcb", {}, "qt"),
        ("wayland", {}, "portal"),
        ("xcb", {"XDG_SESSION_TYPE": "wayland"}, "portal"),  # XWayland sees no windows
        ("xcb", {"WAYLAND_DISPLAY": "wayland-0"}, "portal"),
        ("wayland", {BACKEND_ENV: "qt"}, "qt"),
        ("offscreen", {BACKEND_ENV: "Portal"}, "portal"),
        ("xcb", {BACKEND_ENV: "nonsense"}, "qt"),
    ],
)
def test_backend_choice(platform_name: str, env: dict[str, str], expected: str) -> None:
    assert choose_backend(platform_name, env) == expected


def test_request_path_follows_the_portal_convention() -> None:
    assert (
        request_path(":1.42", "askshot_ab12")
        == "/org/freedesktop/portal/desktop/request/1_42/askshot_ab12"
    )


# --- the real round trip over a private bus ----------------------------------------------------
@pytest.fixture
def session_bus(tmp_path: Path) -> Iterator[str]:
    """A private D-Bus session bus; yields its address, stops the daemon by PID."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("needs dbus-daemon (apt install dbus)")
    daemon, address = start_private_bus(tmp_path, tmp_path)
    try:
        yield address
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        for pipe in (daemon.stdout, daemon.stderr):
            if pipe is not None:
                pipe.close()


def _shot(tmp_path: Path) -> Path:
    """A screenshot with known pixels: a gradient and one red pixel."""
    image = Image.new("RGB", (64, 48))
    for y in range(48):
        for x in range(64):
            image.putpixel((x, y), (x * 4, y * 5, 100))
    image.putpixel((10, 20), (255, 0, 0))
    path = tmp_path / "portal-shot.png"
    image.save(path)
    return path


def _start_portal(
    bus: str, png: Path, response: int = 0
) -> tuple[subprocess.Popen[str], LineReader]:
    service = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.capture_portal_service",
            "--png",
            str(png),
            "--response",
            str(response),
        ],
        env=_env(bus),
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    lines = LineReader(service)
    lines.wait_for("ready")
    return service, lines


def _env(bus: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", BACKEND_ENV)}
    env.update(DBUS_SESSION_BUS_ADDRESS=bus, QT_QPA_PLATFORM="offscreen", XDG_SESSION_TYPE="x11")
    env.update(extra)
    return env


def _run_driver(bus: str, out: Path, mode: str, **env: str) -> str:
    driver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.capture_driver",
            "capture",
            "--mode",
            mode,
            "--out",
            str(out),
        ],
        env=_env(bus, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )
    try:
        result = LineReader(driver).wait_for("captured", "cancelled", "failed", timeout=15)
        assert driver.wait(timeout=10) == 0
        return result
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait(timeout=10)
        if driver.stdout is not None:
            driver.stdout.close()


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def test_on_wayland_region_capture_goes_through_the_portal(
    session_bus: str, tmp_path: Path
) -> None:
    png = _shot(tmp_path)
    service, calls = _start_portal(session_bus, png)
    try:
        out = tmp_path / "captured.png"
        result = _run_driver(session_bus, out, "region", XDG_SESSION_TYPE="wayland")
        assert calls.wait_for("call").startswith("call interactive=True token=askshot_")
    finally:
        _stop(service)
    assert result == "captured 64x48 window-visible=1"
    assert Image.open(out).convert("RGB").tobytes() == Image.open(png).tobytes()


def test_forced_portal_full_screen_is_not_interactive(session_bus: str, tmp_path: Path) -> None:
    png = _shot(tmp_path)
    service, calls = _start_portal(session_bus, png)
    try:
        out = tmp_path / "captured.png"
        result = _run_driver(session_bus, out, "screen", **{BACKEND_ENV: "portal"})
        assert calls.wait_for("call").startswith("call interactive=False")
    finally:
        _stop(service)
    assert result == "captured 64x48 window-visible=1"
    assert Image.open(out).convert("RGB").getpixel((10, 20)) == (255, 0, 0)


def test_closing_the_portal_dialog_cancels(session_bus: str, tmp_path: Path) -> None:
    service, _ = _start_portal(session_bus, _shot(tmp_path), response=1)
    try:
        out = tmp_path / "captured.png"
        result = _run_driver(session_bus, out, "region", XDG_SESSION_TYPE="wayland")
    finally:
        _stop(service)
    assert result == "cancelled window-visible=1"
    assert not out.exists()


def test_portal_error_is_a_failure_with_a_sentence(session_bus: str, tmp_path: Path) -> None:
    service, _ = _start_portal(session_bus, _shot(tmp_path), response=2)
    try:
        result = _run_driver(session_bus, tmp_path / "x.png", "region", XDG_SESSION_TYPE="wayland")
    finally:
        _stop(service)
    assert result.startswith("failed The screenshot portal could not take the screenshot.")


def test_missing_portal_says_what_to_install(session_bus: str, tmp_path: Path) -> None:
    out = tmp_path / "captured.png"
    result = _run_driver(session_bus, out, "region", XDG_SESSION_TYPE="wayland")
    assert result == f"failed {PORTAL_MISSING}"
    assert "xdg-desktop-portal-gnome" in PORTAL_MISSING and "xdg-desktop-portal-kde" in result
    assert not out.exists()
