"""What an attachment keeps between preparations, and preparing it again: plain Python.

What an attachment keeps (never a full-size decoded image: twenty 4K images
hold 690 MB): a thumbnail, the bytes prepared for the current model and
detail, and a `SourceCopy` to prepare it again when the detail or model
changes. The copy is the source downscaled to the largest size any model is
ever sent at (2048 px on the long side; more only for very long, thin images
on patch models), so a later preparation has every pixel the model could use.
It is kept compressed: raw pixels through zlib level 1 for screenshots
(lossless, ~25 ms; a 4K screenshot's copy is ~700 kB) and JPEG q95 for photos
(PNG of a photo is ~5 MB and slow). A file path would cost nothing but breaks
when the file is moved or edited before sending; the original encoded bytes
can be 100 MB for a large photo.

Everything here is slow (tens of ms) and runs on a worker; the window's side
(thumbnails as QImages, the worker itself) is in ui/composer/image_jobs.py.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, replace
from typing import Literal

from PIL import Image

from desktop_app.core.events import Detail
from desktop_app.core.image_tokens import POLICIES, image_tokens, sent_size
from desktop_app.core.images import PreparedImage, load_image, prepare_image

_UNKNOWN_MODEL = ""  # image_tokens treats an unknown model as "fit 2048×2048"
COPY_JPEG_QUALITY = 95


@dataclass(frozen=True)
class SourceCopy:
    """The image as far as any model will ever look at it, held compactly."""

    size: tuple[int, int]
    data: bytes
    mode: str = ""  # "RGB"/"RGBA": `data` is zlib'd raw pixels; "": an image file (PNG/JPEG)

    def decode(self, name: str) -> Image.Image:
        if not self.mode:
            return load_image(self.data, name)
        return Image.frombytes(self.mode, self.size, zlib.decompress(self.data))


def copy_size(width: int, height: int) -> tuple[int, int]:
    """The largest size any known model (or an unknown one) is sent at, for any detail."""
    sizes = [sent_size(model, width, height, "high") for model in (*POLICIES, _UNKNOWN_MODEL)]
    return max(sizes, key=lambda size: size[0] * size[1])


def token_basis(
    original: tuple[int, int], kept: tuple[int, int], model: str, detail: Detail
) -> tuple[int, int]:
    """The size costs are computed from: the original, unless the kept copy is smaller
    than what `model` would be sent (only for restored images without their copy)."""
    width, height = sent_size(model, *original, detail)
    return original if width <= kept[0] and height <= kept[1] else kept


def retarget(
    prepared: PreparedImage,
    original: tuple[int, int],
    kept: tuple[int, int],
    model: str,
    detail: Detail,
) -> PreparedImage | None:
    """`prepared` relabelled for `model` and `detail` when its pixels already fit; else None.

    Auto and high send the same pixels, and so do most tile models: no re-encode then.
    """
    basis = token_basis(original, kept, model, detail)
    if sent_size(model, *basis, detail) != prepared.sent_size:
        return None
    tokens = image_tokens(model, *basis, detail)
    if prepared.detail == detail and prepared.tokens == tokens:
        return prepared  # unchanged: keeps take()/restore() identity
    return replace(prepared, detail=detail, tokens=tokens)


def prepare_again(
    copy: SourceCopy,
    original: tuple[int, int],
    *,
    model: str,
    detail: Detail,
    name: str,
    kind: str,
) -> PreparedImage:
    """Prepare from the kept copy for another model or detail, as if from the original."""
    basis = token_basis(original, copy.size, model, detail)
    target = sent_size(model, *basis, detail)
    image = copy.decode(name)
    if image.size != target:
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=1.0)
    chosen: Literal["photo", "screenshot"] = "photo" if kind == "photo" else "screenshot"
    prepared = prepare_image(image, model, detail, name=name, kind=chosen)
    return replace(prepared, original_size=original, tokens=image_tokens(model, *basis, detail))


def keep_copy(image: Image.Image, prepared: PreparedImage) -> SourceCopy:
    """The copy to keep of a full-size `image` (see the module docstring)."""
    size = copy_size(*image.size)
    if prepared.sent_size == size and prepared.mime == "image/png":
        return SourceCopy(size, prepared.data)  # already lossless at that size: share it
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)
    if prepared.kind == "photo" and image.mode == "RGB":
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=COPY_JPEG_QUALITY)
        return SourceCopy(size, buffer.getvalue())
    return SourceCopy(size, zlib.compress(image.tobytes(), 1), image.mode)
