"""Edits a person makes to an image before it is sent: crop, redact, highlight, arrow, label.

Every edit's coordinates are in the ORIGINAL (full-size) image's pixels, whatever
order the edits come in. `apply_edits` draws the marks in sequence (a later
mark covers an earlier one) and applies the crop last; if there are several
crops, the last one wins. So cropping never moves a box drawn earlier or later.
A redaction is an opaque black fill of the pixels themselves: nothing of what
was under it survives in the result (a blur or pixelation could be reversed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from desktop_app.core.errors import AppError, ErrorKind

EDIT_KINDS = ("crop", "redact", "highlight", "arrow", "label")
REDACT_COLOR = (0, 0, 0, 255)
HIGHLIGHT_COLOR = (255, 230, 0, 96)  # translucent yellow: the text under it stays readable
ARROW_COLOR = (220, 30, 30, 255)
LABEL_TEXT_COLOR = (0, 0, 0, 255)
LABEL_BACKGROUND = (255, 255, 255, 230)
LABEL_DEFAULT_PX = 24
_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    "C:/Windows/Fonts/DejaVuSans.ttf",
)

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Edit:
    """One edit. `box` is left, top, width, height in the original image's pixels;
    for an arrow it is x1, y1 (the tail), x2, y2 (the head). A label's box gives
    where its text starts (left, top) and its height (the text size; 0 for the default).
    """

    kind: str
    box: tuple[int, int, int, int]
    text: str = ""


def normalized(box: Box) -> Box:
    """A box with a negative width or height (dragged up or left) made positive."""
    left, top, width, height = box
    if width < 0:
        left, width = left + width, -width
    if height < 0:
        top, height = top + height, -height
    return left, top, width, height


def _clamped(box: Box, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) inside the image, or None if nothing of the box is inside."""
    left, top, width, height = normalized(box)
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(size[0], left + width), min(size[1], top + height)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


@cache
def label_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at `size` px if installed, else Pillow's built-in font."""
    for path in _FONT_PATHS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _redact(image: Image.Image, box: Box) -> None:
    area = _clamped(box, image.size)
    if area is not None:
        # paste() replaces pixels (alpha included): fully opaque, nothing blended.
        image.paste(REDACT_COLOR, area)


def _highlight(image: Image.Image, box: Box) -> None:
    area = _clamped(box, image.size)
    if area is None:
        return
    x0, y0, x1, y1 = area
    layer = Image.new("RGBA", (x1 - x0, y1 - y0), HIGHLIGHT_COLOR)
    image.alpha_composite(layer, (x0, y0))


def arrow_width(size: tuple[int, int]) -> int:
    """A line width that reads at the image's size: 4 px on a 1080p screenshot."""
    return max(3, round(min(size) / 270))


def _arrow(image: Image.Image, box: Box) -> None:
    x1, y1, x2, y2 = box
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    if length < 1:
        return
    width = arrow_width(image.size)
    head = max(width * 5, 14)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    # The shaft stops where the head begins, so the tip stays sharp.
    base_x, base_y = x2 - ux * min(head, length), y2 - uy * min(head, length)
    draw = ImageDraw.Draw(image)
    draw.line([(x1, y1), (base_x, base_y)], fill=ARROW_COLOR, width=width)
    half = head * 0.55
    draw.polygon(
        [
            (x2, y2),
            (base_x - uy * half, base_y + ux * half),
            (base_x + uy * half, base_y - ux * half),
        ],
        fill=ARROW_COLOR,
    )


def _label(image: Image.Image, box: Box, text: str) -> None:
    if not text.strip():
        return
    left, top, _width, height = normalized(box)
    size = height if height > 0 else LABEL_DEFAULT_PX
    font = label_font(max(8, size))
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = draw.multiline_textbbox((left, top), text, font=font)
    pad = max(3, size // 5)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rounded_rectangle(
        (x0 - pad, y0 - pad, x1 + pad, y1 + pad), radius=pad, fill=LABEL_BACKGROUND
    )
    image.alpha_composite(layer)
    draw.multiline_text((left, top), text, font=font, fill=LABEL_TEXT_COLOR)


def apply_edits(image: Image.Image, edits: Sequence[Edit]) -> Image.Image:
    """A new image with `edits` applied to the full-size pixels (see the module's note).

    The result is RGBA when the source has transparency, else RGB. Raises
    AppError(BAD_INPUT) for an unknown kind or a crop that leaves nothing.
    """
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    work = image.convert("RGBA")  # always a copy: the caller's image is never changed
    crop: Box | None = None
    for edit in edits:
        if edit.kind == "crop":
            crop = edit.box
        elif edit.kind == "redact":
            _redact(work, edit.box)
        elif edit.kind == "highlight":
            _highlight(work, edit.box)
        elif edit.kind == "arrow":
            _arrow(work, edit.box)
        elif edit.kind == "label":
            _label(work, edit.box, edit.text)
        else:
            raise AppError(
                ErrorKind.BAD_INPUT,
                f"{edit.kind!r} is not an image edit; use one of {', '.join(EDIT_KINDS)}.",
            )
    if crop is not None:
        area = _clamped(crop, work.size)
        if area is None or area[2] - area[0] < 2 or area[3] - area[1] < 2:
            raise AppError(
                ErrorKind.BAD_INPUT,
                "The crop leaves nothing of the image; draw the crop box over the part to keep.",
            )
        work = work.crop(area)
    return work if has_alpha else work.convert("RGB")
