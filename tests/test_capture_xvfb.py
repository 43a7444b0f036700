"""Region capture on a real X server with two monitors, at 100%, 200% and mixed scales.

Xvfb is split into two RandR monitors; a pattern window whose every pixel encodes
its own coordinates stands for other applications; a child process (tests/
capture_driver.py) shows a magenta "AskShot" window and runs the capture while
xdotool drives the pointer and keys. Every captured pixel is checked.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from PIL import Image

from tests.capture_driver import pattern_bytes
from tests.xvfb import LineReader, Monitor, XvfbServer, skip_unless_tools, start_xvfb

pytestmark = pytest.mark.xvfb

ROOT = (3200, 2104)
SIDE_BY_SIDE = (Monitor("Left", 1920, 1080, 0, 0), Monitor("Right", 1280, 1024, 1920, 0))
STACKED = (Monitor("Top", 1280, 1024, 320, 0), Monitor("Bottom", 1920, 1080, 0, 1024))
REPO = Path(__file__).resolve().parent.parent


def _spawn(server: XvfbServer, args: Sequence[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.capture_driver", *args],
        env=server.env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
    )


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="module")
def desktop() -> Iterator[XvfbServer]:
    """Xvfb with the pattern window covering the whole X screen."""
    skip_unless_tools("xrandr")
    server = start_xvfb(*ROOT)
    pattern = _spawn(server, ["pattern", str(ROOT[0]), str(ROOT[1])], QT_SCALE_FACTOR="1")
    try:
        LineReader(pattern).wait_for("pattern-shown")
        yield server
    finally:
        _stop(pattern)
        server.stop()


@pytest.fixture(scope="module")
def pattern() -> bytes:
    return pattern_bytes(*ROOT)


def _scale_env(scale: str) -> dict[str, str]:
    return {"QT_SCREEN_SCALE_FACTORS": scale} if "=" in scale else {"QT_SCALE_FACTOR": scale}


def run_capture(
    server: XvfbServer,
    out: Path,
    scale: str,
    actions: Sequence[Sequence[str]],
    *,
    mode: str = "region",
    monitors: Sequence[Monitor] = SIDE_BY_SIDE,
) -> str:
    """Run one capture in the driver, perform ``actions`` (xdotool argument lists)
    once the overlay is up, and return the driver's final line."""
    server.set_monitors(monitors)
    driver = _spawn(server, ["capture", "--mode", mode, "--out", str(out)], **_scale_env(scale))
    try:
        lines = LineReader(driver)
        assert lines.wait_for("screens").startswith(f"screens {len(monitors)} ")
        if mode == "region":
            lines.wait_for("overlay-shown")
        for action in actions:
            server.run("xdotool", *action)
        result = lines.wait_for("captured", "cancelled", "failed")
        assert driver.wait(timeout=10) == 0
        return result
    finally:
        _stop(driver)


def drag(x0: int, y0: int, x1: int, y1: int) -> list[str]:
    return ["mousemove", str(x0), str(y0), "mousedown", "1",
            "mousemove", str(x1), str(y1), "mouseup", "1"]  # fmt: skip


def assert_pattern(path: Path, pattern: bytes, rect: tuple[int, int, int, int]) -> None:
    """The image at ``path`` is exactly the desktop's pixels in ``rect`` (physical)."""
    x, y, w, h = rect
    image = Image.open(path).convert("RGB")
    assert image.size == (w, h)
    data = image.tobytes()
    stride = ROOT[0] * 3
    for row in range(h):
        got = data[row * w * 3 : (row + 1) * w * 3]
        start = (y + row) * stride + x * 3
        expected = pattern[start : start + w * 3]
        if got != expected:
            col = next(i for i in range(w) if got[i * 3 : i * 3 + 3] != expected[i * 3 : i * 3 + 3])
            pytest.fail(
                f"pixel ({col}, {row}) is {tuple(got[col * 3 : col * 3 + 3])}, expected the "
                f"desktop's ({x + col}, {y + row}) = {tuple(expected[col * 3 : col * 3 + 3])}"
            )


@pytest.mark.parametrize(
    ("scale", "rect"),
    [("1", (150, 120, 300, 200)), ("2", (151, 121, 301, 201)), ("1.25", (333, 207, 97, 41))],
)
def test_region_is_exact_in_physical_pixels(
    desktop: XvfbServer, pattern: bytes, tmp_path: Path, scale: str, rect: tuple[int, ...]
) -> None:
    x, y, w, h = rect
    out = tmp_path / "shot.png"
    result = run_capture(desktop, out, scale, [drag(x, y, x + w, y + h), ["key", "Return"]])
    # The magenta AskShot window covered this area: it was hidden, then shown again.
    assert result == f"captured {w}x{h} window-visible=1"
    assert_pattern(out, pattern, (x, y, w, h))


@pytest.mark.parametrize("scale", ["1", "2", "Left=1;Right=2", "Left=1.25;Right=1.5"])
def test_region_spanning_two_monitors(
    desktop: XvfbServer, pattern: bytes, tmp_path: Path, scale: str
) -> None:
    out = tmp_path / "shot.png"
    result = run_capture(desktop, out, scale, [drag(1800, 500, 2101, 700), ["key", "Return"]])
    assert result == "captured 301x200 window-visible=1"
    assert_pattern(out, pattern, (1800, 500, 301, 200))


def test_region_spanning_a_monitor_above_another(
    desktop: XvfbServer, pattern: bytes, tmp_path: Path
) -> None:
    out = tmp_path / "shot.png"
    actions = [drag(400, 900, 700, 1200), ["key", "Return"]]
    result = run_capture(desktop, out, "1.5", actions, monitors=STACKED)
    assert result == "captured 300x300 window-visible=1"
    assert_pattern(out, pattern, (400, 900, 300, 300))


def test_arrow_keys_nudge_and_resize_by_one_physical_pixel(
    desktop: XvfbServer, pattern: bytes, tmp_path: Path
) -> None:
    out = tmp_path / "shot.png"
    keys = ["key", "Right", "Right", "Down", "shift+Right", "shift+Right", "shift+Right",
            "shift+Up", "Return"]  # fmt: skip
    result = run_capture(desktop, out, "2", [drag(300, 200, 500, 300), keys])
    assert result == "captured 203x99 window-visible=1"
    assert_pattern(out, pattern, (302, 201, 203, 99))


def test_double_click_accepts_the_selection(
    desktop: XvfbServer, pattern: bytes, tmp_path: Path
) -> None:
    out = tmp_path / "shot.png"
    actions = [drag(600, 300, 700, 360), ["click", "--repeat", "2", "--delay", "50", "1"]]
    result = run_capture(desktop, out, "1", actions)
    assert result == "captured 100x60 window-visible=1"
    assert_pattern(out, pattern, (600, 300, 100, 60))


def test_space_takes_the_whole_screen_under_the_cursor(
    desktop: XvfbServer, pattern: bytes, tmp_path: Path
) -> None:
    out = tmp_path / "shot.png"
    result = run_capture(desktop, out, "2", [["mousemove", "2500", "600"], ["key", "space"]])
    assert result == "captured 1280x1024 window-visible=1"
    assert_pattern(out, pattern, (1920, 0, 1280, 1024))


@pytest.mark.parametrize("action", [["key", "Escape"], ["click", "3"]], ids=["esc", "right-click"])
def test_cancel_restores_the_window_and_attaches_nothing(
    desktop: XvfbServer, tmp_path: Path, action: list[str]
) -> None:
    out = tmp_path / "shot.png"
    result = run_capture(desktop, out, "1", [drag(100, 100, 400, 300), action])
    assert result == "cancelled window-visible=1"
    assert not out.exists()


def test_capture_after_delay_takes_the_screen_under_the_cursor(
    desktop: XvfbServer, pattern: bytes, tmp_path: Path
) -> None:
    desktop.set_monitors(SIDE_BY_SIDE)
    desktop.run("xdotool", "mousemove", "700", "700")
    out = tmp_path / "shot.png"
    result = run_capture(desktop, out, "1.5", [], mode="after")
    assert result == "captured 1920x1080 window-visible=1"
    assert_pattern(out, pattern, (0, 0, 1920, 1080))


def test_black_screen_is_reported_not_attached(tmp_path: Path) -> None:
    skip_unless_tools()
    server = start_xvfb(800, 600, extra_args=["-br"])  # black root, no windows
    try:
        out = tmp_path / "shot.png"
        driver = _spawn(server, ["capture", "--mode", "screen", "--out", str(out)])
        try:
            result = LineReader(driver).wait_for("captured", "cancelled", "failed")
        finally:
            _stop(driver)
    finally:
        server.stop()
    assert result.startswith("failed The screen grab came back completely black")
    assert not out.exists()
