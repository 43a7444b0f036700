"""Preparing attachments off the GUI thread.

Decoding, downscaling and encoding a 4K image takes ~100 ms, far longer than a
frame, so every step runs on a worker (`ui.common.workers`); results come back
as signals that Qt queues to GUI-thread slots. A new image reports twice: first
its prepared bytes and thumbnail (the image can be sent), then the kept copy
(a 4K LANCZOS downscale alone takes ~130 ms; nobody waits for it to send).
What is kept and why, and the Qt-free steps, are in `core.image_work`.
Redaction (automatic, or the editor's edits) is applied to the decoded
full-size image here, before anything is prepared or kept.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from PIL import Image
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtGui import QImage

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Detail
from desktop_app.core.image_edits import Edit, apply_edits
from desktop_app.core.image_work import SourceCopy, keep_copy
from desktop_app.core.images import PreparedImage, load_image, prepare_image
from desktop_app.ui.common.qt_images import make_thumbnail, qimage_to_pil
from desktop_app.ui.common.workers import Worker

log = logging.getLogger(__name__)

Source = Union[QImage, Path, bytes]  # noqa: UP007 (a runtime alias on Python 3.10)
MAX_RUNNING = 2  # each job may hold a decoded full-size image: bound the memory
Job = Callable[[], Any]


@dataclass(frozen=True)
class NewImage:
    """The first result of preparing a freshly added image; its `SourceCopy` follows."""

    prepared: PreparedImage
    thumbnail: QImage
    redacted: str = ""  # what automatic redaction covered, e.g. "1 email address"


@dataclass(frozen=True)
class ImageText:
    """The text read from an attachment, to send instead of its pixels."""

    text: str


@dataclass(frozen=True)
class Thumbnail:
    """What rebuilding a restored image yields (its prepared bytes are already there)."""

    thumbnail: QImage
    copy: SourceCopy


def prepare_new(
    source: Source, model: str, detail: Detail, name: str, redact: Sequence[str] = ()
) -> Iterator[NewImage | SourceCopy]:
    """Decode once; yield the prepared bytes and thumbnail, then the kept copy.

    The full-size image lives only in this generator's frame, on the worker.
    With `redact` (finder kinds), what the finder sees is covered first, so the
    unredacted pixels are never prepared, kept or saved in a draft.
    """
    image = qimage_to_pil(source) if isinstance(source, QImage) else load_image(source, name)
    redacted = ""
    if redact:
        from desktop_app.ui.editor.finder import redact_found

        image, redacted = redact_found(image, redact)
    yield from _prepare_decoded(image, model, detail, name, redacted)


def decode_source(source: SourceCopy | bytes, name: str) -> Image.Image:
    """An attachment's kept copy or prepared bytes as an image (tens of ms)."""
    return source.decode(name) if isinstance(source, SourceCopy) else load_image(source, name)


def prepare_edited(
    image: Image.Image, edits: Sequence[Edit], model: str, detail: Detail, name: str
) -> Iterator[NewImage | SourceCopy]:
    """An attachment after the editor's Done: the pixels it edited with `edits` applied."""
    yield from _prepare_decoded(apply_edits(image, edits), model, detail, name, "")


def _prepare_decoded(
    image: Image.Image, model: str, detail: Detail, name: str, redacted: str
) -> Iterator[NewImage | SourceCopy]:
    prepared = prepare_image(image, model, detail, name=name)
    yield NewImage(prepared, make_thumbnail(image), redacted)
    yield keep_copy(image, prepared)


def read_image_text(source: SourceCopy | bytes, name: str) -> ImageText:
    """OCR of an attachment's best pixels, for "Send the text instead of the image"."""
    from desktop_app.core import ocr

    return ImageText(ocr.read_text(decode_source(source, name)).strip())


def rebuild_thumbnail(prepared: PreparedImage) -> Thumbnail:
    """For an image restored without its copy: the prepared bytes are the best source left."""
    image = load_image(prepared.data, prepared.name)
    return Thumbnail(make_thumbnail(image), SourceCopy(image.size, prepared.data))


class ImagePreparer(QObject):
    """Runs preparation jobs on workers, two at a time, and reports each on the GUI thread.

    A job returns one result, or is a generator that yields several in turn.

    Signals:
        job_reported(key, result): the job for `key` returned or yielded `result`.
        job_failed(key, error): the job for `key` raised; `error` is an AppError.
    """

    job_reported = Signal(object, object)
    job_failed = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: deque[tuple[object, str, Job]] = deque()
        self._running: dict[Worker, tuple[object, str]] = {}
        self._closed = False
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def submit(self, key: object, name: str, job: Job) -> None:
        """Run `job()` on a worker thread; `name` names the image in error messages."""
        if not self._closed:
            self._queue.append((key, name, job))
            self._start_next()

    def shutdown(self) -> None:
        """Drop queued jobs and wait for running ones; no signal is emitted afterwards."""
        self._closed = True
        self._queue.clear()
        for worker in list(self._running):
            worker.stop(None)  # a running step finishes (~100 ms); the rest is skipped
        self._running.clear()

    def _start_next(self) -> None:
        while self._queue and len(self._running) < MAX_RUNNING:
            key, name, job = self._queue.popleft()
            worker = Worker(job, name="image-job")
            worker.yielded.connect(self._on_worker_reported)
            worker.returned.connect(self._on_worker_reported)
            worker.errored.connect(self._on_worker_errored)
            worker.finished.connect(self._on_worker_finished)
            self._running[worker] = (key, name)
            worker.start()

    def _job_of(self) -> tuple[object, str] | None:
        """The key and name of the job whose worker sent the signal being handled."""
        worker = self.sender()
        if self._closed or not isinstance(worker, Worker):
            return None
        return self._running.get(worker)

    @Slot(object)
    def _on_worker_reported(self, result: object) -> None:
        job = self._job_of()
        if job is not None and result is not None:  # a generator job returns None
            self.job_reported.emit(job[0], result)

    @Slot(object)
    def _on_worker_errored(self, error: object) -> None:
        job = self._job_of()
        if job is None:
            return
        key, name = job
        if isinstance(error, AppError):
            self.job_failed.emit(key, error)
        elif isinstance(error, MemoryError):
            reason = "is too large to prepare in the memory available. Crop or scale it down."
            self.job_failed.emit(key, _error(name, reason))
        else:  # a bug: report it as a sentence
            log.error("preparing %s failed", name, exc_info=error)  # type: ignore[arg-type]
            reason = f"could not be prepared ({type(error).__name__}). Save it as a PNG and retry."
            self.job_failed.emit(key, _error(name, reason))

    @Slot()
    def _on_worker_finished(self) -> None:
        worker = self.sender()
        if isinstance(worker, Worker) and self._running.pop(worker, None) is not None:
            worker.wait()  # it has returned: this only joins the thread
            self._start_next()


def _error(name: str, reason: str) -> AppError:
    return AppError(ErrorKind.BAD_INPUT, f"“{name}” {reason}")
