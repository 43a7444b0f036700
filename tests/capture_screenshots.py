"""Screenshots of the capture overlay for review, at 100%, 200% and mixed scales.

    python -m tests.capture_screenshots OUT_DIR

Starts its own Xvfb with two monitors (1920×1080 and 1280×1024 to its right),
shows a plausible desktop, opens the overlay, drags a selection and saves what the
screen shows, plus a close-up of the selection, size label and loupe. Not a test:
a person looks at the pictures (the short waits let the overlay repaint).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from tests.xvfb import LineReader, Monitor, XvfbServer, start_xvfb

ROOT = (3200, 1080)
MONITORS = (Monitor("Left", 1920, 1080, 0, 0), Monitor("Right", 1280, 1024, 1920, 0))
REPO = Path(__file__).resolve().parent.parent


def _driver(server: XvfbServer, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.capture_driver", *args],
        env=server.env(**env),
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def shoot(server: XvfbServer, out: Path, crop: tuple[int, int, int, int] | None = None) -> Path:
    time.sleep(0.3)  # let the overlay repaint after the last pointer move
    subprocess.run(
        [sys.executable, "-m", "tests.capture_driver", "shoot", str(out)],
        env=server.env(QT_SCALE_FACTOR="1"),
        cwd=REPO,
        check=True,
    )
    if crop is not None:
        Image.open(out).crop(crop).save(out)
    return out


def session(server: XvfbServer, out_dir: Path, name: str, env: dict[str, str]) -> list[Path]:
    driver = _driver(server, "capture", "--out", str(out_dir / "unused.png"), **env)
    lines = LineReader(driver)
    shots = []
    try:
        lines.wait_for("overlay-shown")
        server.run("xdotool", "mousemove", "1300", "420")
        shots.append(shoot(server, out_dir / f"{name}-idle.png", (700, 0, 1920, 700)))
        server.run(
            "xdotool", "mousemove", "520", "262", "mousedown", "1", "mousemove", "1201", "643"
        )
        shots.append(shoot(server, out_dir / f"{name}-selecting.png"))
        shots.append(
            shoot(server, out_dir / f"{name}-selecting-detail.png", (300, 120, 1500, 1000))
        )
        server.run("xdotool", "mouseup", "1", "mousemove", "1700", "300", "mousedown", "1",
                   "mousemove", "2301", "641", "mouseup", "1")  # fmt: skip
        shots.append(shoot(server, out_dir / f"{name}-spanning.png", (1400, 150, 3200, 1000)))
        server.run("xdotool", "key", "Escape")
        lines.wait_for("cancelled")
    finally:
        driver.kill()
        driver.wait(timeout=10)
    return shots


def main() -> int:
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "capture-screenshots").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    server = start_xvfb(*ROOT)
    background = None
    try:
        server.set_monitors(MONITORS)
        background = _driver(server, "desktop", *map(str, ROOT), QT_SCALE_FACTOR="1")
        LineReader(background).wait_for("desktop-shown")
        shots = []
        for name, env in (
            ("scale100", {"QT_SCALE_FACTOR": "1"}),
            ("scale200", {"QT_SCALE_FACTOR": "2"}),
            ("mixed", {"QT_SCREEN_SCALE_FACTORS": "Left=1.25;Right=2"}),
        ):
            shots += session(server, out_dir, name, env)
        (out_dir / "unused.png").unlink(missing_ok=True)
        print("\n".join(str(p) for p in shots))
    finally:
        if background is not None:
            background.kill()
            background.wait(timeout=10)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
