"""QImage <-> Pillow conversions and thumbnails, safe to call off the GUI thread.

`QImage` (unlike `QPixmap`) is reentrant, so the image workers build thumbnails
as QImages and the GUI thread only turns them into pixels on screen when painting.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QByteArray, QMimeData, Qt
from PySide6.QtGui import QImage, QPixmap

THUMBNAIL_PX = 160  # long side of a stored thumbnail: crisp at 200% in an 80-px box


# QImage formats Pillow can read in place (little-endian byte order): no Qt conversion.
_F = QImage.Format
_RAW_MODES: dict[QImage.Format, tuple[str, str]] = {
    _F.Format_RGB32: ("RGB", "BGRX"),
    _F.Format_ARGB32: ("RGBA", "BGRA"),
    _F.Format_ARGB32_Premultiplied: ("RGBA", "BGRa"),
    _F.Format_RGB888: ("RGB", "RGB"),
    _F.Format_RGBX8888: ("RGB", "RGBX"),
    _F.Format_RGBA8888: ("RGBA", "RGBA"),
    _F.Format_RGBA8888_Premultiplied: ("RGBA", "RGBa"),
}


def qimage_to_pil(image: QImage) -> Image.Image:
    """Copy a QImage's pixels into Pillow: RGBA when it can be transparent, else RGB.

    Common formats are read in place (a 4K capture: ~25 ms instead of ~95-190 ms
    through `convertToFormat`). The device pixel ratio is ignored on purpose: a
    capture's pixels are what we send.
    """
    if image.isNull():
        raise ValueError("the image is empty")
    modes = _RAW_MODES.get(image.format()) if sys.byteorder == "little" else None
    if modes is None:
        if image.hasAlphaChannel():
            image = image.convertToFormat(_F.Format_RGBA8888)
            modes = ("RGBA", "RGBA")
        else:
            image = image.convertToFormat(_F.Format_RGB888)
            modes = ("RGB", "RGB")
    mode, raw = modes
    size = (image.width(), image.height())
    # bytesPerLine: rows may be padded to 4 bytes.
    return Image.frombytes(mode, size, image.constBits(), "raw", raw, image.bytesPerLine())


def pil_to_qimage(image: Image.Image) -> QImage:
    """A QImage that owns a copy of the pixels (Pillow's buffer may go away)."""
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if image.mode == "RGBA":
        fmt, channels = QImage.Format.Format_RGBA8888, 4
    else:
        fmt, channels = QImage.Format.Format_RGB888, 3
    data = image.tobytes()
    wrapped = QImage(data, image.width, image.height, image.width * channels, fmt)
    return wrapped.copy()


def fit_size(width: int, height: int, box: int) -> tuple[int, int]:
    """`width`×`height` scaled down (never up) to fit a `box`×`box` square."""
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def make_thumbnail(image: Image.Image, box: int = THUMBNAIL_PX) -> QImage:
    """A small QImage of `image` whose long side is at most `box` pixels."""
    size = fit_size(image.width, image.height, box)
    small = (
        image
        if size == image.size
        else image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    )
    return pil_to_qimage(small)


def qimage_from_bytes(data: bytes) -> QImage:
    """Decode PNG/JPEG/WebP bytes into a QImage (a null image if Qt cannot read them)."""
    image = QImage()
    image.loadFromData(QByteArray(data))
    return image


def images_in_mime(mime: QMimeData) -> tuple[list[Path], QImage | None]:
    """Local files in `mime` (file managers copy them as text/uri-list), else its image data.

    Files win over image data, and image data over text that comes with it
    (browsers offer an image with its HTML).
    """
    files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    if files or not mime.hasImage():
        return files, None
    data = mime.imageData()
    image = data.toImage() if isinstance(data, QPixmap) else data
    return [], image if isinstance(image, QImage) and not image.isNull() else None


def thumbnail_from_bytes(data: bytes, box: int = THUMBNAIL_PX) -> QImage:
    """A thumbnail straight from encoded bytes (history, a sent image); null if unreadable."""
    image = qimage_from_bytes(data)
    if image.isNull() or max(image.width(), image.height()) <= box:
        return image
    return image.scaled(
        *fit_size(image.width(), image.height(), box),
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
