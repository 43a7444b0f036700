"""Loading, normalising, downscaling and encoding real images of every kind.

Each test decodes the data URL that would go on the wire and checks its size
and pixels, not just the metadata we report.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.images import Kind, PreparedImage, load_image, prepare_image
from tests import image_factory as f


def wire(prepared: PreparedImage) -> Image.Image:
    """The image as the server will decode it, after checking the reported facts."""
    mime, image = f.decode_data_url(prepared.data_url())
    assert mime == prepared.mime
    assert image.size == prepared.sent_size
    assert prepared.sha256 == hashlib.sha256(prepared.data).hexdigest()
    return image


def close(a: tuple[int, ...], b: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def screenshot_png() -> bytes:
    return f.encode(f.screenshot(), "PNG")


# --- the 4K screenshot ----------------------------------------------------


def test_4k_screenshot_goes_up_as_lossless_1365x768_png(
    tmp_path: Path, screenshot_png: bytes
) -> None:
    path = tmp_path / "screen.png"
    path.write_bytes(screenshot_png)
    prepared = prepare_image(path, "gpt-4o-mini", "high")
    assert prepared.name == "screen.png"
    assert prepared.original_size == (3840, 2160)
    assert prepared.kind == "screenshot"
    assert prepared.tokens == 36835
    image = wire(prepared)
    assert (prepared.mime, image.size, image.mode) == ("image/png", (1365, 768), "RGB")
    # A flat area keeps its exact colour: nothing lossy happened to it.
    assert image.getpixel((700, 10)) == f.TITLE_BAR
    assert image.getpixel((1300, 700)) == (246, 246, 248)
    part = prepared.part()
    assert part.detail == "high" and part.data_url.startswith("data:image/png;base64,")


def test_downscale_is_one_clean_lanczos_pass(screenshot_png: bytes) -> None:
    """The two-thread resize joins without a seam: same pixels as one resize."""
    original = Image.open(io.BytesIO(screenshot_png))
    expected = original.resize((1365, 768), Image.Resampling.LANCZOS, reducing_gap=1.0)
    sent = wire(prepare_image(screenshot_png, "gpt-4o", "high"))
    assert sent.tobytes() == expected.tobytes()


def test_4k_screenshot_at_low_detail_fits_512(screenshot_png: bytes) -> None:
    prepared = prepare_image(screenshot_png, "gpt-4o-mini", "low")
    assert wire(prepared).size == (512, 288)
    assert prepared.tokens == 2833
    assert prepared.name == "pasted image"


def test_unknown_model_gets_at_most_2048_and_no_cost(screenshot_png: bytes) -> None:
    prepared = prepare_image(screenshot_png, "llava:13b", "high")
    assert wire(prepared).size == (2048, 1152)
    assert prepared.tokens is None


def test_patch_model_gets_the_patch_budget(screenshot_png: bytes) -> None:
    prepared = prepare_image(screenshot_png, "gpt-4.1-mini", "auto")
    assert wire(prepared).size == (1650, 928)
    assert prepared.tokens == 2443


# --- every input kind --------------------------------------------------------


def test_small_image_is_never_upscaled() -> None:
    prepared = prepare_image(f.encode(f.quadrants(120, 80), "PNG"), "gpt-4o-mini", "high")
    image = wire(prepared)
    assert image.size == (120, 80)
    assert image.getpixel((0, 0)) == f.RED
    assert prepared.tokens == 2833 + 5667


@pytest.mark.parametrize("kind", ["auto", "screenshot", "photo"])
def test_rgba_png_keeps_its_transparency(kind: Kind) -> None:
    source = Image.new("RGBA", (200, 100), (*f.GREEN, 255))
    ImageDraw.Draw(source).rectangle((0, 0, 49, 99), fill=(0, 0, 0, 0))
    prepared = prepare_image(f.encode(source, "PNG"), "gpt-4o-mini", "high", kind=kind)
    image = wire(prepared)
    assert (prepared.mime, image.mode) == ("image/png", "RGBA")
    assert image.getpixel((10, 50))[3] == 0
    assert image.getpixel((150, 50)) == (*f.GREEN, 255)


def test_opaque_alpha_is_dropped() -> None:
    source = Image.new("RGBA", (64, 64), (*f.BLUE, 255))
    assert wire(prepare_image(f.encode(source, "PNG"), "gpt-4o", "high")).mode == "RGB"


def test_palette_png_with_transparency_becomes_rgba() -> None:
    source = f.quadrants(64, 64).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    corner = source.getpixel((63, 63))
    assert isinstance(corner, int)
    data = f.encode(source, "PNG", transparency=corner)
    image = wire(prepare_image(data, "gpt-4o", "high"))
    assert image.mode == "RGBA"
    assert image.getpixel((63, 63))[3] == 0
    assert image.getpixel((0, 0)) == (*f.RED, 255)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_grey_is_scaled_not_clipped(fmt: str) -> None:
    # Four 16-px bands: white, mid grey (32896/65535·255 = 128), dark (1024 -> 4,
    # where a plain convert would clip it to 255), black.
    row = struct.pack("<64H", *([65535] * 16 + [32896] * 16 + [1024] * 16 + [0] * 16))
    source = Image.frombytes("I;16", (64, 32), row * 32)
    data = f.encode(source, fmt)
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    image = wire(prepare_image(data, "gpt-4o", "high"))
    assert image.mode == "RGB"
    assert image.getpixel((8, 16)) == (255, 255, 255)
    assert image.getpixel((24, 16)) == (128, 128, 128)
    assert image.getpixel((40, 16)) == (4, 4, 4)
    assert image.getpixel((56, 16)) == (0, 0, 0)


def test_cmyk_jpeg_becomes_rgb() -> None:
    source = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # pure red in CMYK
    data = f.encode(source, "JPEG", quality=95)
    image = load_image(data)
    assert image.mode == "RGB"
    assert close(image.getpixel((32, 32)), (255, 0, 0))


def test_exif_orientation_6_is_applied() -> None:
    # Stored 3200×2400 landscape with red top-left; orientation 6 means "rotate
    # 90° clockwise to view", so the upright image is portrait, red top-right.
    data = f.jpeg_with_orientation(f.quadrants(3200, 2400), 6)
    upright = load_image(data)
    assert upright.size == (2400, 3200)
    assert close(upright.getpixel((2390, 10)), f.RED)
    assert close(upright.getpixel((10, 10)), f.BLUE)

    # prepare_image decodes at a reduced JPEG scale; the result must agree.
    prepared = prepare_image(data, "gpt-4o-mini", "high")
    assert prepared.original_size == (2400, 3200)
    image = wire(prepared)
    assert image.size == (768, 1024)
    assert close(image.getpixel((760, 8)), f.RED)
    assert close(image.getpixel((8, 8)), f.BLUE)


def test_animated_gif_sends_its_first_frame() -> None:
    image = wire(prepare_image(f.animated_gif(), "gpt-4o", "high"))
    assert image.size == (64, 48)
    assert close(image.getpixel((32, 24)), f.RED, tolerance=4)


@pytest.mark.parametrize(
    ("fmt", "options"), [("BMP", {}), ("WEBP", {"lossless": True}), ("TIFF", {})]
)
def test_other_formats(fmt: str, options: dict[str, object]) -> None:
    data = f.encode(f.quadrants(100, 60), fmt, **options)
    image = wire(prepare_image(data, "gpt-4o", "high"))
    assert image.size == (100, 60)
    assert image.getpixel((0, 0)) == f.RED
    assert image.getpixel((99, 0)) == f.GREEN


@pytest.mark.parametrize("mode", ["1", "L", "LA"])
def test_grey_and_bilevel_become_8_bit_colour(mode: str) -> None:
    image = load_image(f.encode(Image.new(mode, (10, 10), 1 if mode == "1" else 200), "PNG"))
    assert image.mode in ("RGB", "RGBA")


def test_a_decoded_image_can_be_passed_directly() -> None:
    prepared = prepare_image(f.quadrants(2000, 1000), "gpt-4o", "high", name="capture")
    assert prepared.name == "capture"
    assert wire(prepared).size == (1536, 768)


# --- screenshot or photo ---------------------------------------------------


def test_photo_goes_up_as_jpeg() -> None:
    prepared = prepare_image(f.photo(), "gpt-4o-mini", "high")
    assert prepared.kind == "photo"
    image = wire(prepared)
    assert (prepared.mime, image.size, image.mode) == ("image/jpeg", (1024, 768), "RGB")


def test_the_caller_can_force_lossless() -> None:
    prepared = prepare_image(f.photo(), "gpt-4o-mini", "high", kind="screenshot")
    assert prepared.mime == "image/png"


def test_forcing_photo_on_a_screenshot_uses_jpeg(screenshot_png: bytes) -> None:
    assert prepare_image(screenshot_png, "gpt-4o", "low", kind="photo").mime == "image/jpeg"


# --- refusals ----------------------------------------------------------------


def refused(source: object, *, name: str | None = None) -> str:
    with pytest.raises(AppError) as caught:
        prepare_image(source, "gpt-4o-mini", "high", name=name)  # type: ignore[arg-type]
    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert caught.value.exit_code == 2
    return caught.value.message


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_bytes(b"these are my notes, not a picture\n" * 10)
    message = refused(path)
    assert "notes.png" in message and "not an image" in message


def test_unsupported_format_is_refused() -> None:
    message = refused(f.encode(f.quadrants(10, 10), "PPM"), name="scan.ppm")
    assert "“scan.ppm”" in message and "PNG, JPEG, WebP" in message


def test_empty_file_and_empty_bytes(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    assert "empty.jpg" in refused(path) and "empty" in refused(path)
    assert "empty" in refused(b"")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "does not exist" in refused(tmp_path / "gone.png")
    assert "is a folder" in refused(tmp_path)


def test_truncated_png(screenshot_png: bytes) -> None:
    message = refused(screenshot_png[: len(screenshot_png) // 2], name="half.png")
    assert "“half.png”" in message and "truncated" in message


# pytest resets warning filters per test; the app's own filter silences this.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_headers_are_refused_before_decoding() -> None:
    # 20000×20000 trips Pillow's own hard limit; 12000×9000 trips ours (100 MP).
    for width, height in ((20000, 20000), (12000, 9000)):
        message = refused(f.png_header_only(width, height), name="bomb.png")
        assert "megapixels" in message and "Crop or scale" in message


def test_a_large_image_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="desktop_app.core.images"):
        refused(f.png_header_only(8000, 7000), name="big.png")  # 56 MP, then truncated
    assert "big.png" in caplog.text and "8000×7000" in caplog.text


def test_load_image_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(AppError, match=r"gone\.webp"):
        load_image(tmp_path / "gone.webp")
