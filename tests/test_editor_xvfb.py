"""The editor in the real app on a real X server: paste, double-click, draw a box, send.

The pasted image is a flat, unusual colour, so its thumbnail and its place in
the editor can be found in a screenshot of the screen; xdotool then
double-clicks and drags there as a person would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from tests.openai_server import FakeOpenAI, Scenario, decode_data_url
from tests.test_window_xvfb import (  # noqa: F401 (fixtures)
    App,
    clipboard_serving,
    fake,
    wait_for,
    x,
)
from tests.xvfb import XvfbServer

pytestmark = pytest.mark.xvfb

MAGENTA = (230, 0, 200)
SIZE = (1152, 768)  # sent unscaled to gpt-4o-mini (its short side is 768)


@pytest.fixture
def app(x: XvfbServer, fake: FakeOpenAI, tmp_path: Path) -> Iterator[App]:  # noqa: F811
    running = App(x, fake, tmp_path / "profile")
    try:
        yield running
    finally:
        code = running.stop()
        log = (tmp_path / "profile" / "app.log").read_text(errors="replace")
        assert code == 0, f"AskShot exited with {code}:\n{log}"
        assert "Traceback" not in log, log


@pytest.fixture
def magenta_png(x: XvfbServer, tmp_path: Path) -> Iterator[Path]:  # noqa: F811
    """A flat magenta PNG on the CLIPBOARD, served by xclip until the test ends."""
    path = tmp_path / "magenta.png"
    Image.new("RGB", SIZE, MAGENTA).save(path)
    with clipboard_serving(x, path):
        yield path


def colour_box(
    x: XvfbServer,  # noqa: F811
    tmp_path: Path,
    colour: tuple[int, int, int] = MAGENTA,
    within: tuple[int, int, int, int] | None = None,
) -> tuple[int, int, int, int] | None:
    """The bounding box of the pixels of `colour` on screen (or `within` a part), or None."""
    shot = tmp_path / "screen.png"
    x.run("import", "-window", "root", str(shot))
    image = Image.open(shot).convert("RGB")
    if within is not None:
        image = image.crop(within)
    red, green, blue = (
        band.point(lambda v, c=c: 255 if abs(v - c) < 12 else 0)
        for band, c in zip(image.split(), colour, strict=True)
    )
    return ImageChops.multiply(ImageChops.multiply(red, green), blue).getbbox()


def test_paste_edit_redact_and_send_the_boxed_pixels(
    x: XvfbServer,  # noqa: F811
    fake: FakeOpenAI,  # noqa: F811
    app: App,
    magenta_png: Path,
    tmp_path: Path,
) -> None:
    fake.push(Scenario(text="A box.", usage=(900, 3, 0)))
    app.keys("ctrl+v")
    thumb = wait_for("the thumbnail", lambda: colour_box(x, tmp_path), timeout=20)
    centre = ((thumb[0] + thumb[2]) // 2, (thumb[1] + thumb[3]) // 2)
    x.run("xdotool", "mousemove", "--sync", str(centre[0]), str(centre[1]))
    x.run("xdotool", "click", "--repeat", "2", "--delay", "80", "1")

    found = x.run("xdotool", "search", "--sync", "--onlyvisible", "--name", "^Edit ", timeout=20)
    editor_id = found.stdout.split()[0]

    def editor_image() -> tuple[int, int, int, int] | None:
        box = colour_box(x, tmp_path)
        return box if box and box[2] - box[0] > 200 else None  # the big one, not the thumbnail

    shown = wait_for("the image in the editor", editor_image, timeout=20)
    scale = (shown[2] - shown[0]) / SIZE[0]
    # A box over the middle of the image, in image pixels, then on screen.
    target = (300, 200, 850, 560)
    a = (round(shown[0] + target[0] * scale), round(shown[1] + target[1] * scale))
    b = (round(shown[0] + target[2] * scale), round(shown[1] + target[3] * scale))
    x.run("xdotool", "windowfocus", "--sync", editor_id)
    x.run("xdotool", "key", "--clearmodifiers", "r")
    x.run("xdotool", "mousemove", "--sync", str(a[0]), str(a[1]), "mousedown", "1")
    x.run("xdotool", "mousemove", "--sync", str((a[0] + b[0]) // 2), str((a[1] + b[1]) // 2))
    x.run("xdotool", "mousemove", "--sync", str(b[0]), str(b[1]), "mouseup", "1")
    expected = (a[0] - shown[0], a[1] - shown[1], b[0] - shown[0], b[1] - shown[1])

    def box_drawn() -> bool:  # the whole box, not the rubber band halfway
        drawn = colour_box(x, tmp_path, (0, 0, 0), within=shown)
        return drawn is not None and all(
            abs(p - q) <= 2 for p, q in zip(drawn, expected, strict=True)
        )

    wait_for("the black box on screen where it was dragged", box_drawn)
    x.run("xdotool", "key", "--clearmodifiers", "Return")  # Done

    app.type("What is in the box?")
    app.keys("Return")
    wait_for("the answer in history", lambda: [m for m in app.answers() if m.text], timeout=30)
    (url,) = [p["image_url"]["url"] for p in fake.requests[-1].parts("image_url")]
    sent = decode_data_url(url).convert("RGB")
    w, h = sent.size
    assert (w, h) == SIZE
    slack = round(2 / scale) + 2  # a screen pixel or two, in image pixels
    inner = (target[0] + slack, target[1] + slack, target[2] - slack, target[3] - slack)
    assert sent.crop(inner).getextrema() == ((0, 0), (0, 0), (0, 0))  # solid black
    outer = [(target[0] - slack - 5, 400), (target[2] + slack + 5, 400), (600, 100), (600, 700)]
    assert all(sent.getpixel(p) == MAGENTA for p in outer)  # unchanged around it
