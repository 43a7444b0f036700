"""Preparing attachments off the GUI thread.

Decoding, downscaling and encoding a 4K image takes ~100 ms, far longer than a
frame, so every step runs on a small private `QThreadPool`; results come back
as signals that Qt queues to GUI-thread slots. A new image reports twice: first
its prepared bytes and thumbnail (the image can be sent), then the kept copy
(a 4K LANCZOS downscale alone takes ~130 ms; nobody waits for it to send).

What an attachment keeps (never a full-size decoded image: twenty 4K QImages
hold 690 MB): a thumbnail of at most 160 px, the bytes prepared for the current
model and detail, and a `SourceCopy` to prepare it again when the detail or
model changes. The copy is the source downscaled to the largest size any model
is ever sent at (2048 px on the long side; more only for very long, thin images
on patch models), so a later preparation has every pixel the model could use.
It is kept compressed: raw pixels through zlib level 1 for screenshots
(lossless, ~25 ms; a 4K screenshot's copy is ~700 kB) and JPEG q95 for photos
(PNG of a photo is ~5 MB and slow). A file path would cost nothing but breaks
when the file is moved or edited before sending; the original encoded bytes
can be 100 MB for a large photo.
"""

from __future__ import annotations

import io
import logging
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal, Union

from PIL import Image
from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal
from PySide6.QtGui import QImage

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Detail
from desktop_app.core.image_tokens import POLICIES, image_tokens, sent_size
from desktop_app.core.images import PreparedImage, load_image, prepare_image
from desktop_app.ui.qt_images import make_thumbnail, qimage_to_pil

log = logging.getLogger(__name__)

Source = Union[QImage, Path, bytes]  # noqa: UP007 (a runtime alias on Python 3.10)
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


@dataclass(frozen=True)
class NewImage:
    """The first result of preparing a freshly added image; its `SourceCopy` follows."""

    prepared: PreparedImage
    thumbnail: QImage


@dataclass(frozen=True)
class Thumbnail:
    """What rebuilding a restored image yields (its prepared bytes are already there)."""

    thumbnail: QImage
    copy: SourceCopy


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


def prepare_new(
    source: Source, model: str, detail: Detail, name: str
) -> Iterator[NewImage | SourceCopy]:
    """Decode once; yield the prepared bytes and thumbnail, then the kept copy.

    The full-size image lives only in this generator's frame, on the worker.
    """
    image = qimage_to_pil(source) if isinstance(source, QImage) else load_image(source, name)
    prepared = prepare_image(image, model, detail, name=name)
    yield NewImage(prepared, make_thumbnail(image))
    yield keep_copy(image, prepared)


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


def rebuild_thumbnail(prepared: PreparedImage) -> Thumbnail:
    """For an image restored without its copy: the prepared bytes are the best source left."""
    image = load_image(prepared.data, prepared.name)
    return Thumbnail(make_thumbnail(image), SourceCopy(image.size, prepared.data))


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


class ImagePreparer(QObject):
    """Runs preparation jobs on a private thread pool and reports each on the GUI thread.

    A job returns one result, or is a generator that yields several in turn.

    Signals:
        job_reported(key, result): the job for `key` returned or yielded `result`.
        job_failed(key, error): the job for `key` raised; `error` is an AppError.
    """

    job_reported = Signal(object, object)
    job_failed = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._closed = threading.Event()
        # Without an explicit shutdown(): stop when the app quits or the owner is deleted,
        # so no job runs Python while the interpreter finalises.
        self.destroyed.connect(partial(_drain, self._pool, self._closed))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def submit(self, key: object, name: str, job: Callable[[], Any]) -> None:
        """Run `job()` on a worker thread; `name` names the image in error messages."""
        if not self._closed.is_set():
            self._pool.start(partial(self._run, key, name, job))

    def shutdown(self) -> None:
        """Drop queued jobs and wait for running ones; no signal is emitted afterwards."""
        _drain(self._pool, self._closed)

    def _run(self, key: object, name: str, job: Callable[[], Any]) -> None:
        """Runs on a pool thread."""
        try:
            result = job()
            for item in result if isinstance(result, Iterator) else (result,):
                if not self._emit("job_reported", key, item):
                    return
        except AppError as error:
            self._emit("job_failed", key, error)
        except MemoryError:
            reason = "is too large to prepare in the memory available. Crop or scale it down."
            self._emit("job_failed", key, _error(name, reason))
        except Exception as exc:  # a bug: report it, never kill the worker
            log.exception("preparing %s failed", name)
            reason = f"could not be prepared ({type(exc).__name__}). Save it as a PNG and retry."
            self._emit("job_failed", key, _error(name, reason))

    def _emit(self, signal: str, key: object, value: object) -> bool:
        """Emit unless shut down; False when nothing should be emitted any more."""
        if self._closed.is_set():
            return False
        try:
            getattr(self, signal).emit(key, value)
        except RuntimeError:  # the preparer was deleted meanwhile
            return False
        return True


def _error(name: str, reason: str) -> AppError:
    return AppError(ErrorKind.BAD_INPUT, f"“{name}” {reason}")


def _drain(pool: QThreadPool, closed: threading.Event) -> None:
    closed.set()
    pool.clear()
    pool.waitForDone()
