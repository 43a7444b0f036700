"""Edits applied to full-size pixels: what each one does to the pixels, and nothing else."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageDraw

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.image_edits import (
    ARROW_COLOR,
    Edit,
    apply_edits,
    arrow_width,
    label_font,
    normalized,
)


def gradient(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """An image where every pixel differs from its neighbours, so any change shows."""
    image = Image.new("RGB", size)
    image.putdata(
        [
            ((x * 7) % 256, (y * 5) % 256, (x + y) % 256)
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    return image


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def changed_box(before: Image.Image, after: Image.Image) -> tuple[int, int, int, int] | None:
    """The (x0, y0, x1, y1) of every pixel that differs, or None."""
    return ImageChops.difference(before.convert("RGB"), after.convert("RGB")).getbbox()


def test_redact_is_opaque_black_exactly_in_the_box() -> None:
    source = gradient()
    result = apply_edits(source, [Edit("redact", (50, 40, 100, 30))])
    assert result.size == source.size and result.mode == "RGB"
    region = result.crop((50, 40, 150, 70))
    assert region.getcolors() == [(100 * 30, (0, 0, 0))]
    assert changed_box(source, result) == (50, 40, 150, 70)


def test_redact_hides_transparent_pixels_too() -> None:
    # A redaction over a transparent area must not leave the area see-through.
    source = Image.new("RGBA", (60, 60), (255, 0, 0, 0))
    result = apply_edits(source, [Edit("redact", (10, 10, 20, 20))])
    assert result.mode == "RGBA"
    assert result.getpixel((15, 15)) == (0, 0, 0, 255)
    assert result.getpixel((5, 5)) == (255, 0, 0, 0)


def test_the_source_image_is_never_changed() -> None:
    source = gradient()
    copy = source.copy()
    apply_edits(source, [Edit("redact", (0, 0, 50, 50)), Edit("crop", (0, 0, 100, 100))])
    assert changed_box(copy, source) is None


def test_highlight_tints_yellow_and_keeps_what_is_under_it_readable() -> None:
    source = Image.new("RGB", (200, 100), "white")
    ImageDraw.Draw(source).rectangle((60, 40, 140, 60), fill="black")  # "text"
    result = apply_edits(source, [Edit("highlight", (50, 30, 100, 40))])
    r, g, b = rgb(result, (55, 35))  # white under the highlight: now yellow
    assert r > 230 and g > 210 and b < 200
    dark = rgb(result, (100, 50))  # black under the highlight: still dark
    assert max(dark) < 110
    assert changed_box(source, result) == (50, 30, 150, 70)


def test_arrow_is_a_red_line_with_a_head() -> None:
    source = Image.new("RGB", (1920, 1080), "white")
    result = apply_edits(source, [Edit("arrow", (100, 500, 900, 500))])
    red = ARROW_COLOR[:3]
    width = arrow_width(source.size)
    assert width >= 3
    # The shaft: red, a few pixels thick.
    column = [result.getpixel((400, y)) for y in range(490, 511)]
    assert 3 <= column.count(red) <= width + 2
    # The head: wider than the shaft near the tip, and the tip is at the end point.
    head_column = [result.getpixel((890, y)) for y in range(470, 531)]
    assert head_column.count(red) > width * 2
    assert result.getpixel((898, 500)) == red
    # Nothing outside the arrow.
    x0, y0, x1, y1 = changed_box(source, result) or (0, 0, 0, 0)
    assert x0 >= 95 and x1 <= 905 and y0 >= 470 and y1 <= 530


def test_a_zero_length_arrow_draws_nothing() -> None:
    source = gradient()
    assert changed_box(source, apply_edits(source, [Edit("arrow", (10, 10, 10, 10))])) is None


def test_label_draws_text_on_a_readable_background() -> None:
    source = gradient((600, 200))
    result = apply_edits(source, [Edit("label", (40, 60, 0, 30), text="Click here")])
    x0, y0, x1, y1 = changed_box(source, result) or (0, 0, 0, 0)
    assert 30 <= x0 <= 40 and 50 <= y0 <= 70
    assert x1 - x0 > 100 and y1 - y0 >= 25  # a line of text at about 30 px
    pixels = [rgb(result, (x, y)) for y in range(y0, y1) for x in range(x0, x1)]
    # Mostly the near-white background (the gradient barely shows through), black glyphs on it.
    assert sum(min(p) > 200 for p in pixels) > len(pixels) * 0.6
    assert sum(max(p) < 60 for p in pixels) > 100
    # An empty label changes nothing.
    assert changed_box(source, apply_edits(source, [Edit("label", (40, 60, 0, 30))])) is None


def test_label_font_is_dejavu_when_installed() -> None:
    font = label_font(24)
    if hasattr(font, "getname"):
        assert font.getname()[0] == "DejaVu Sans"
    else:
        pytest.skip("DejaVu Sans is not installed; Pillow's default font is used")


def test_crop_applies_last_and_boxes_stay_in_original_coordinates() -> None:
    source = gradient()
    edits = [
        Edit("redact", (100, 100, 20, 20)),
        Edit("crop", (0, 0, 10, 10)),  # replaced by the later crop
        Edit("crop", (50, 60, 200, 150)),
        Edit("redact", (240, 200, 30, 30)),  # after the crop, still original coordinates
    ]
    result = apply_edits(source, edits)
    assert result.size == (200, 150)
    # The first redaction lands at (100-50, 100-60) in the cropped image.
    assert result.crop((50, 40, 70, 60)).getcolors() == [(400, (0, 0, 0))]
    # The second one is clipped by the crop's right edge (x 190..200 of 200).
    assert result.crop((190, 140, 200, 150)).getcolors() == [(100, (0, 0, 0))]
    # Everything else is the source's pixels at the offset.
    untouched = result.crop((0, 0, 40, 40))
    assert changed_box(source.crop((50, 60, 90, 100)), untouched) is None


def test_boxes_dragged_backwards_or_past_the_edge_are_handled() -> None:
    assert normalized((100, 80, -40, -30)) == (60, 50, 40, 30)
    source = gradient()
    result = apply_edits(source, [Edit("redact", (100, 80, -40, -30))])
    assert changed_box(source, result) == (60, 50, 100, 80)
    result = apply_edits(source, [Edit("redact", (380, 280, 100, 100))])
    assert changed_box(source, result) == (380, 280, 400, 300)
    result = apply_edits(source, [Edit("crop", (-50, -50, 100, 100))])
    assert result.size == (50, 50)
    # Entirely outside: nothing to redact.
    assert changed_box(source, apply_edits(source, [Edit("redact", (500, 500, 10, 10))])) is None


def test_a_crop_that_leaves_nothing_is_refused_with_a_sentence() -> None:
    with pytest.raises(AppError) as info:
        apply_edits(gradient(), [Edit("crop", (500, 500, 50, 50))])
    assert info.value.kind is ErrorKind.BAD_INPUT
    assert "crop" in info.value.message and info.value.message.endswith(".")


def test_an_unknown_edit_is_refused() -> None:
    with pytest.raises(AppError) as info:
        apply_edits(gradient(), [Edit("blur", (0, 0, 10, 10))])
    assert info.value.kind is ErrorKind.BAD_INPUT
    assert "blur" in info.value.message


def test_other_modes_come_back_as_rgb_or_rgba() -> None:
    palette = gradient().convert("P")
    assert apply_edits(palette, [Edit("redact", (0, 0, 5, 5))]).mode == "RGB"
    grey = gradient().convert("L")
    out = apply_edits(grey, [Edit("highlight", (0, 0, 5, 5))])
    assert out.mode == "RGB" and out.size == grey.size
    la = gradient().convert("LA")
    assert apply_edits(la, []).mode == "RGBA"


def test_no_edits_gives_the_same_pixels() -> None:
    source = gradient()
    assert changed_box(source, apply_edits(source, [])) is None
