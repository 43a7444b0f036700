"""Real images of every kind the app must accept, generated with Pillow."""

from __future__ import annotations

import base64
import io
import random
import struct
import zlib

from PIL import Image, ImageDraw, ImageFont

RED = (220, 20, 30)
GREEN = (20, 200, 40)
BLUE = (30, 40, 210)
TITLE_BAR = (40, 44, 52)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def decode_data_url(url: str) -> tuple[str, Image.Image]:
    """The mime type and the decoded image a server would receive."""
    head, _, payload = url.partition(",")
    assert head.startswith("data:") and head.endswith(";base64"), head
    image = Image.open(io.BytesIO(base64.b64decode(payload, validate=True)))
    image.load()
    return head[5:-7], image


def quadrants(width: int, height: int) -> Image.Image:
    """Top-left red, top-right green, bottom-left blue, bottom-right white."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 2 - 1, height // 2 - 1), fill=RED)
    draw.rectangle((width // 2, 0, width - 1, height // 2 - 1), fill=GREEN)
    draw.rectangle((0, height // 2, width // 2 - 1, height - 1), fill=BLUE)
    return image


def screenshot(width: int = 3840, height: int = 2160) -> Image.Image:
    """Flat UI colours and lines of text, like a desktop screenshot."""
    image = Image.new("RGB", (width, height), (246, 246, 248))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=22)
    draw.rectangle((0, 0, width, 120), fill=TITLE_BAR)
    draw.rectangle((0, 120, 420, height), fill=(230, 232, 236))
    words = [
        "error",
        "dialog",
        "settings",
        "file",
        "edit",
        "view",
        "help",
        "quick",
        "brown",
        "fox",
        "jumps",
        "lazy",
        "dog",
    ]
    rnd = random.Random(7)
    for y in range(140, height - 30, 30):
        line = " ".join(rnd.choice(words) for _ in range(rnd.randint(5, 25)))
        draw.text((450, y), line, fill=(20, 20, 20), font=font)
        draw.text((20, y), rnd.choice(words), fill=(60, 60, 60), font=font)
    draw.rectangle((2000, 400, 3000, 900), fill=(255, 255, 255), outline=(0, 120, 215), width=3)
    return image


def photo(width: int = 1600, height: int = 1200) -> Image.Image:
    """Smooth gradients plus sensor-like noise: almost every pixel a new colour."""
    channels = []
    for sigma, angle in ((40, 0), (35, 90), (30, 45)):
        gradient = Image.linear_gradient("L").rotate(angle).resize((width, height))
        noise = Image.effect_noise((width, height), sigma)
        channels.append(Image.blend(gradient, noise, 0.3))
    return Image.merge("RGB", channels)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size but carries almost no data (a decompression bomb's header)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def animated_gif() -> bytes:
    """Two frames: red, then blue."""
    first = Image.new("RGB", (64, 48), RED)
    second = Image.new("RGB", (64, 48), BLUE)
    return encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)


def jpeg_with_orientation(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(image, "JPEG", quality=95, exif=exif)
