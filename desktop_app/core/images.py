"""Turn a file, pasted bytes or a captured image into a request-ready image part.

`prepare_image` decodes, applies EXIF orientation, normalises to 8-bit RGB or
RGBA, downscales to exactly what the chosen model looks at for the chosen
detail (see `image_tokens`), and encodes: PNG for screenshots so text stays
sharp, JPEG for photos. Every input the user can get wrong becomes an
`AppError(BAD_INPUT)` that names the image and says what to do.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import stat
import struct
import threading
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, Union, cast

from PIL import Image, ImageOps, UnidentifiedImageError

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Detail, ImagePart
from desktop_app.core.image_tokens import image_tokens, sent_size

log = logging.getLogger(__name__)

Kind = Literal["auto", "screenshot", "photo"]
Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]

# Formats the API accepts as input (PNG, JPEG, WebP, GIF) plus BMP and TIFF,
# which we re-encode anyway. JPEG includes MPO (many phone cameras).
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "DIB", "TIFF")
WARN_PIXELS = 50_000_000  # log it: decoding this takes a noticeable moment
MAX_PIXELS = 100_000_000  # refuse: ~400 MB decoded, and likely a decompression bomb
JPEG_QUALITY = 88
PNG_COMPRESS_LEVEL = 1  # fastest deflate; higher levels barely shrink screenshots
# Fewer distinct colours than this share of sampled pixels reads as a screenshot.
PHOTO_COLOUR_SHARE = 0.25
_SAMPLE = 128
SPLIT_RESIZE_PIXELS = 4_000_000  # below this, a second thread costs more than it saves
_EXIF_ORIENTATION = 0x0112

# Pillow warns above ~89 MP; our own explicit limits above replace that warning.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

# What Pillow raises on damaged data varies by plugin and decoder.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


@dataclass(frozen=True)
class PreparedImage:
    """An image encoded for the wire, with what it will cost.

    Holds only the encoded bytes (a few hundred kB), never the decoded image.
    """

    name: str
    original_size: tuple[int, int]
    sent_size: tuple[int, int]
    mime: str
    data: bytes
    sha256: str
    detail: Detail
    tokens: int | None  # None: the model's image pricing is unknown
    kind: Literal["screenshot", "photo"]

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def part(self) -> ImagePart:
        return ImagePart(data_url=self.data_url(), detail=self.detail)


def load_image(source: Source, name: str | None = None) -> Image.Image:
    """Decode a file or bytes into an upright 8-bit RGB or RGBA image; raises AppError."""
    image, _ = _decode(source, name, None)
    return image


def prepare_image(
    source: Source | Image.Image,
    model: str,
    detail: Detail = "auto",
    *,
    name: str | None = None,
    kind: Kind = "auto",
) -> PreparedImage:
    """Load (unless already decoded), downscale for `model` and `detail`, encode.

    A decoded `PIL.Image` (a capture, the clipboard) skips decoding. For a live
    estimate without encoding use `image_tokens(model, *original_size, detail)`.
    """
    if isinstance(source, Image.Image):
        label = name or "image"
        image = _normalise(_upright(source))
        original = image.size
    else:
        label = name or _default_name(source)
        image, original = _decode(source, name, lambda w, h: sent_size(model, w, h, detail))
    target = sent_size(model, *original, detail)
    if image.size != target:
        image = _resize(image, target)
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")  # an opaque alpha channel only costs bytes
    chosen = kind if kind != "auto" else ("photo" if looks_like_photo(image) else "screenshot")
    mime, data = _encode(image, chosen)
    return PreparedImage(
        name=label,
        original_size=original,
        sent_size=image.size,
        mime=mime,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        detail=detail,
        tokens=image_tokens(model, *original, detail),
        kind=chosen,
    )


def prepared_from_bytes(
    data: bytes,
    *,
    mime: str,
    size: tuple[int, int],
    detail: Detail,
    tokens: int | None,
    name: str = "image",
) -> PreparedImage:
    """An already-encoded image from history, ready to send again as it was sent."""
    return PreparedImage(
        name=name,
        original_size=size,
        sent_size=size,
        mime=mime,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        detail=detail,
        tokens=tokens,
        kind="photo" if mime == "image/jpeg" else "screenshot",
    )


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """LANCZOS after a whole-factor box reduce, in two halves on two cores.

    reducing_gap=1.0 box-reduces by the integer part of the factor first (4K ->
    1365×768: 42 ms instead of 92 ms for plain LANCZOS, visually the same).
    Pillow releases the GIL while resampling and reads the filter's support
    across the box edge, so the halves join pixel-identically; ~30 ms total.
    """
    width, height = size
    if image.width * image.height < SPLIT_RESIZE_PIXELS or height < 2:
        return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)
    half = height // 2
    seam = image.height * half / height
    top: list[Image.Image] = []
    worker = threading.Thread(
        target=lambda: top.append(
            image.resize(
                (width, half),
                Image.Resampling.LANCZOS,
                box=(0, 0, image.width, seam),
                reducing_gap=1.0,
            )
        ),
        name="askshot-resize",
    )
    worker.start()
    bottom = image.resize(
        (width, height - half),
        Image.Resampling.LANCZOS,
        box=(0, seam, image.width, image.height),
        reducing_gap=1.0,
    )
    worker.join()
    if not top:  # the worker failed; do it the plain way
        return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)
    out = Image.new(image.mode, size)
    out.paste(top[0], (0, 0))
    out.paste(bottom, (0, half))
    return out


def looks_like_photo(image: Image.Image) -> bool:
    """Cheap guess: screenshots reuse few exact colours, photos almost never repeat one.

    Samples at most 128×128 pixels by nearest neighbour (no blended colours).
    """
    sample = image.convert("RGB") if image.mode != "RGB" else image
    w, h = min(sample.width, _SAMPLE), min(sample.height, _SAMPLE)
    if (w, h) != sample.size:
        sample = sample.resize((w, h), Image.Resampling.NEAREST)
    limit = int(w * h * PHOTO_COLOUR_SHARE)
    if limit < 256:
        return False  # too small to tell; lossless costs little here
    return sample.getcolors(maxcolors=limit) is None


def _encode(image: Image.Image, kind: Literal["screenshot", "photo"]) -> tuple[str, bytes]:
    """Lossless PNG keeps text and alpha exact; JPEG only for an opaque photo."""
    if kind == "screenshot":
        return "image/png", _fast_png(image)
    buffer = io.BytesIO()
    if image.mode == "RGB":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
        return "image/jpeg", buffer.getvalue()
    image.save(buffer, "PNG", compress_level=PNG_COMPRESS_LEVEL)  # a photo with alpha
    return "image/png", buffer.getvalue()


def _fast_png(image: Image.Image) -> bytes:
    """A PNG with no row filters, deflated at level 1.

    Pillow tries every row filter first: on a 1365×768 screenshot that costs
    28 ms for 413 kB; flat UI colours need no filter (14 ms, 374 kB).
    """
    colour_type = {"RGB": 2, "RGBA": 6}[image.mode]
    width, height = image.size
    stride = width * len(image.mode)
    raw = image.tobytes()
    rows = b"".join(b"\x00" + raw[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(rows, PNG_COMPRESS_LEVEL)),
            _png_chunk(b"IEND", b""),
        )
    )


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _default_name(source: Source) -> str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "pasted image"
    return Path(source).name


def _quoted(source: Source, name: str | None) -> str:
    """How an error message names the image."""
    if name:
        return f"“{name}”"
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "The pasted image"
    return f"“{os.fspath(source)}”"


def _bad(label: str, reason: str) -> AppError:
    return AppError(ErrorKind.BAD_INPUT, f"{label} {reason}")


def _decode(
    source: Source,
    name: str | None,
    target: Callable[[int, int], tuple[int, int]] | None,
) -> tuple[Image.Image, tuple[int, int]]:
    """Open, check, orient and normalise; returns the image and its upright full size.

    With `target` (upright size -> size to send), a JPEG is decoded at the
    smallest DCT scale that still covers it: a 12 MP photo decodes 4-8× faster.
    """
    label = _quoted(source, name)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise _bad(
                label, "is empty. Copy the image again, or save it to a file and attach that."
            )
        return _decode_stream(io.BytesIO(source), label, target)
    path = Path(source)
    try:
        with _open_regular(path, label) as stream:
            if os.fstat(stream.fileno()).st_size == 0:
                raise _bad(label, "is an empty file (0 bytes). Choose another image.")
            return _decode_stream(stream, label, target)
    except FileNotFoundError:
        raise _bad(label, "does not exist. Check the path and try again.") from None
    except IsADirectoryError:
        raise _bad(label, "is a folder, not an image file. Choose an image inside it.") from None
    except PermissionError:
        raise _bad(
            label, "cannot be read: permission denied. Check the file's permissions."
        ) from None
    except OSError as exc:
        raise _bad(label, f"cannot be read ({exc.strerror or exc}).") from None


def _open_regular(path: Path, label: str) -> BinaryIO:
    """Open `path` for reading only if it is a regular file.

    A FIFO would block the open (or the read) until some other program writes
    to it, and a device may never end: refuse both at once. O_NONBLOCK keeps
    the open itself from waiting on a FIFO; it changes nothing for a file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise _bad(
                label,
                "is not a regular file (it is a pipe, socket or device), so AskShot cannot "
                "read an image from it. Save the image to a file, or pipe it in with `-i -`.",
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _decode_stream(
    stream: BinaryIO,
    label: str,
    target: Callable[[int, int], tuple[int, int]] | None,
) -> tuple[Image.Image, tuple[int, int]]:
    damaged = (
        "is damaged or incomplete (the file may be truncated). Save or copy it again and retry."
    )
    try:
        image = Image.open(stream, formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise _bad(label, _too_large_reason(None)) from None
    except UnidentifiedImageError:
        raise _bad(
            label, "is not an image AskShot can read. Use a PNG, JPEG, WebP, GIF, BMP or TIFF."
        ) from None
    except _DECODE_ERRORS:
        raise _bad(label, damaged) from None
    pixels = image.width * image.height
    if pixels > MAX_PIXELS:
        raise _bad(label, _too_large_reason(image.size))
    if pixels > WARN_PIXELS:
        log.warning("%s is large (%d×%d); decoding may be slow", label, *image.size)
    try:
        if image.format in ("JPEG", "MPO"):
            # JPEG EXIF sits in the header: orient and pick a DCT scale before decoding.
            upright = _upright_size(image)
            if target is not None:
                tw, th = target(*upright)
                image.draft(None, (tw, th) if upright == image.size else (th, tw))
            image.load()
        else:
            image.load()  # a PNG's EXIF may follow its pixel data
            upright = _upright_size(image)
        return _normalise(_upright(image)), upright
    except Image.DecompressionBombError:
        raise _bad(label, _too_large_reason(None)) from None
    except _DECODE_ERRORS:
        raise _bad(label, damaged) from None


def _too_large_reason(size: tuple[int, int] | None) -> str:
    what = f"is {size[0]}×{size[1]} pixels, more than" if size else "is larger than"
    return (
        f"{what} the {MAX_PIXELS // 1_000_000} megapixels AskShot accepts. "
        "Crop or scale it down and try again."
    )


def _upright_size(image: Image.Image) -> tuple[int, int]:
    orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    return (image.height, image.width) if orientation in (5, 6, 7, 8) else image.size


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; no copy when there is nothing to rotate."""
    if image.getexif().get(_EXIF_ORIENTATION, 1) in (2, 3, 4, 5, 6, 7, 8):
        return ImageOps.exif_transpose(image)
    return image


def _normalise(image: Image.Image) -> Image.Image:
    """8-bit RGB, or RGBA when the image can be transparent."""
    mode = image.mode
    if mode in ("RGB", "RGBA"):
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _to_8bit(image).convert("RGB")
    if mode in ("LA", "La", "PA", "RGBa") or "transparency" in image.info:
        return image.convert("RGBA")  # honours a palette's or a tRNS colour key
    return image.convert("RGB")  # 1, L, P, CMYK, YCbCr, LAB, HSV


def _to_8bit(image: Image.Image) -> Image.Image:
    """Scale 16/32-bit grey to 8 bits (Pillow's plain convert clips at 255)."""
    sixteen_bit = image.mode.startswith("I;16")
    image = image.convert("I")
    low, high = cast("tuple[int, int]", image.getextrema())
    if not sixteen_bit and low >= 0 and high <= 255:
        return image.convert("L")
    scale = 255 / (65535 if sixteen_bit or high <= 65535 else high)
    return image.point(lambda v: v * scale + 0.5).convert("L")  # + 0.5 rounds
