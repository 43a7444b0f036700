"""Local OCR with the real Tesseract, and the secret finder on what it reads."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from desktop_app.core import ocr
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.image_edits import Edit, apply_edits
from desktop_app.core.privacy import find_secrets

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FAKE_KEY = "sk-proj-Fake.Key0123456789abcdefABCDEF"
EMAIL = "jane.doe@example.com"

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="tesseract is not installed (apt-get install tesseract-ocr)",
)
needs_dejavu = pytest.mark.skipif(
    not Path(DEJAVU).is_file(), reason="DejaVu Sans is not installed (fonts-dejavu-core)"
)

Box = tuple[int, int, int, int]


@pytest.fixture
def fresh_lookup() -> Iterator[None]:
    """Look tesseract up again under this test's PATH, and again after it."""
    ocr._binary.cache_clear()
    yield
    ocr._binary.cache_clear()


def draw_text(
    image: Image.Image,
    xy: tuple[int, int],
    text: str,
    px: int = 28,
    fill: str | tuple[int, ...] = "black",
) -> Box:
    """Draw `text` and return its ink box as (left, top, width, height)."""
    font = ImageFont.truetype(DEJAVU, px)
    draw = ImageDraw.Draw(image)
    draw.text(xy, text, font=font, fill=fill)
    x0, y0, x1, y1 = (round(v) for v in draw.textbbox(xy, text, font=font))
    return x0, y0, x1 - x0, y1 - y0


def covers(outer: Box, inner: Box) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and outer[0] + outer[2] >= inner[0] + inner[2]
        and outer[1] + outer[3] >= inner[1] + inner[3]
    )


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def screenshot() -> tuple[Image.Image, dict[str, Box]]:
    """A white 1920x1080 image with an email and a key at known places, among other text."""
    image = Image.new("RGB", (1920, 1080), "white")
    boxes = {
        "before_email": draw_text(image, (240, 200), "Contact"),
        "email": draw_text(image, (400, 200), EMAIL),
        "after_email": draw_text(image, (760, 200), "for access"),
        "label": draw_text(image, (1000, 640), "API key:"),
        "key": draw_text(image, (1140, 640), FAKE_KEY),
        "other": draw_text(image, (240, 900), "The quarterly report is attached."),
    }
    return image, boxes


@needs_tesseract
@needs_dejavu
def test_finds_an_email_and_a_key_where_they_were_drawn() -> None:
    image, drawn = screenshot()
    findings = find_secrets(ocr.read_words(image))
    assert sorted(f.kind for f in findings) == ["api_key", "email"]
    by_kind = {f.kind: f.box for f in findings}
    assert covers(by_kind["email"], drawn["email"])
    assert covers(by_kind["api_key"], drawn["key"])
    # Only the secrets: the words around them stay visible.
    for name in ("before_email", "after_email", "label", "other"):
        assert not any(overlaps(box, drawn[name]) for box in by_kind.values()), name


@needs_tesseract
@needs_dejavu
def test_redacting_the_findings_leaves_nothing_to_find_and_the_rest_untouched() -> None:
    image, _ = screenshot()
    findings = find_secrets(ocr.read_words(image))
    redacted = apply_edits(image, [Edit("redact", f.box) for f in findings])
    text = ocr.read_text(redacted)
    assert "@" not in text and "sk-" not in text and "Key0123" not in text
    assert "Contact" in text and "quarterly report" in text
    # Pixels outside the boxes are the original ones.
    mask = Image.new("L", image.size, 255)
    for f in findings:
        x, y, w, h = f.box
        ImageDraw.Draw(mask).rectangle((x, y, x + w - 1, y + h - 1), fill=0)
    outside = ImageChops.multiply(ImageChops.difference(image, redacted).convert("L"), mask)
    assert outside.getbbox() is None


@needs_tesseract
@needs_dejavu
def test_read_text_gives_lines_in_reading_order() -> None:
    image = Image.new("RGB", (900, 300), "white")
    draw_text(image, (20, 20), "First line of text")
    draw_text(image, (20, 120), "Second line here")
    assert ocr.read_text(image) == "First line of text\nSecond line here"


@needs_tesseract
@needs_dejavu
def test_words_carry_boxes_lines_and_confidences() -> None:
    image = Image.new("RGB", (800, 200), "white")
    drawn = draw_text(image, (100, 80), "Hello world")
    words = ocr.read_words(image)
    assert [w.text for w in words] == ["Hello", "world"]
    assert words[0].line == words[1].line
    assert all(w.confidence > 80 for w in words)
    for word in words:
        # Inside the drawn text, give or take a pixel of antialiasing.
        grown = (drawn[0] - 2, drawn[1] - 2, drawn[2] + 4, drawn[3] + 4)
        assert covers(grown, word.box)


@needs_tesseract
@needs_dejavu
def test_small_text_is_read_and_boxed_in_the_images_own_pixels() -> None:
    # 9 px text: read as is, Tesseract garbles the email; the upscaled read finds it,
    # and its box is in this image's pixels, not the upscaled one's.
    image = Image.new("RGB", (1920, 1080), "white")
    lines = (
        f"Contact: {EMAIL} for access",
        f"OPENAI_API_KEY={FAKE_KEY}",
        "Server 192.168.10.42 responded with status 503 at 14:32",
        "Card 4111 1111 1111 1111 expires 12/27",
        "The quick brown fox jumps over the lazy dog.",
    )
    email_line = draw_text(image, (40, 40), lines[0], px=9)
    for n, line in enumerate(lines[1:], start=1):
        draw_text(image, (40, 40 + 16 * n), line, px=9)
    as_is = ocr.parse_tsv(ocr._run(image))
    assert "email" not in [f.kind for f in find_secrets(as_is)]
    words = ocr.read_words(image)
    emails = [f for f in find_secrets(words) if f.kind == "email"]
    assert len(emails) == 1
    assert overlaps(emails[0].box, email_line)
    assert emails[0].box[3] < 30  # a line of 9 px text, padded; not three times that
    assert all(w.box[0] + w.box[2] <= 1920 and w.box[1] + w.box[3] <= 1080 for w in words)


@needs_tesseract
@needs_dejavu
def test_transparent_images_read_as_text_on_white() -> None:
    image = Image.new("RGBA", (700, 150), (0, 0, 0, 0))
    draw_text(image, (20, 50), "Transparent background", fill=(0, 0, 0, 255))
    assert ocr.read_text(image) == "Transparent background"


@needs_tesseract
def test_an_image_without_text_gives_nothing() -> None:
    assert ocr.read_words(Image.new("RGB", (640, 480), "white")) == []
    assert ocr.read_text(Image.new("RGB", (640, 480), "white")) == ""


@needs_tesseract
@needs_dejavu
def test_a_stuck_read_is_stopped_with_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    image, _ = screenshot()
    monkeypatch.setattr(ocr, "TIMEOUT_SECONDS", 0.01)
    with pytest.raises(AppError) as info:
        ocr.read_words(image)
    assert info.value.kind is ErrorKind.ENVIRONMENT
    assert "stopped" in info.value.message and "crop" in info.value.message


def test_without_tesseract_it_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_lookup: None
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not ocr.available()
    with pytest.raises(AppError) as info:
        ocr.read_words(Image.new("RGB", (10, 10), "white"))
    assert info.value.kind is ErrorKind.BAD_INPUT
    assert info.value.message == ocr.install_hint()
    with pytest.raises(AppError):
        ocr.read_text(Image.new("RGB", (10, 10), "white"))


@pytest.mark.parametrize(
    ("platform", "advice"),
    [
        ("linux", "sudo apt install tesseract-ocr"),
        ("darwin", "brew install tesseract"),
        ("win32", "UB-Mannheim"),
    ],
)
def test_install_hint_fits_the_system(
    monkeypatch: pytest.MonkeyPatch, platform: str, advice: str
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    hint = ocr.install_hint()
    assert hint.startswith("Install Tesseract to read text locally: ")
    assert advice in hint


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for a broken tesseract")
def test_a_failing_tesseract_is_an_environment_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_lookup: None
) -> None:
    # A real process that fails the way a tesseract without language data does.
    broken = tmp_path / "tesseract"
    broken.write_text(
        "#!/bin/sh\ncat >/dev/null\n"
        'echo "Error opening data file /usr/share/tesseract-ocr/5/tessdata/eng.traineddata" >&2\n'
        "exit 1\n"
    )
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ocr.available()
    with pytest.raises(AppError) as info:
        ocr.read_words(Image.new("RGB", (10, 10), "white"))
    assert info.value.kind is ErrorKind.ENVIRONMENT
    assert "eng.traineddata" in info.value.message and "tesseract-ocr-eng" in info.value.message


def test_parse_tsv_scales_boxes_back_and_numbers_lines() -> None:
    header = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\t"
        "left\ttop\twidth\theight\tconf\ttext"
    )
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t300\t300\t-1\t",
        "5\t1\t1\t1\t1\t1\t30\t60\t90\t30\t96.5\tHello",
        "5\t1\t1\t1\t1\t2\t150\t60\t90\t30\t91.0\tworld",
        "5\t1\t1\t1\t1\t3\t250\t60\t9\t30\t10.0\t ",  # a blank word: dropped
        "5\t1\t2\t1\t1\t1\t30\t150\t60\t30\t88.0\tBye",
    ]
    words = ocr.parse_tsv("\n".join([header, *rows]), scale=3)
    assert words == [
        ocr.Word("Hello", (10, 20, 30, 10), 0, 96.5),
        ocr.Word("world", (50, 20, 30, 10), 0, 91.0),
        ocr.Word("Bye", (10, 50, 20, 10), 1, 88.0),
    ]
    assert [[w.text for w in line] for line in ocr.lines(words)] == [["Hello", "world"], ["Bye"]]
