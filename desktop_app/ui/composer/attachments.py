"""The composer's images: each one's state, and the set that keeps them prepared.

An attachment is prepared for one model and detail at a time. When either
changes, the set relabels what already fits (auto and high send the same
pixels; so do most tile models) and re-encodes the rest from the kept copy on
a worker (see core.image_work for what is kept and why). At most one job per image
is in flight; when it lands, the image is synced again, so the last change wins.
An image is ready to send when no job is running for it and its prepared bytes
match the current model and detail; the kept copy may still be on its way.
An edit (the editor's Done) replaces an image's pixels: it is prepared anew
from its best pixels with the edits applied, and nothing of the old one stays.
An image can be sent as its text instead (read by OCR on a worker).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from desktop_app.core.events import Detail
from desktop_app.core.image_edits import Edit
from desktop_app.core.image_tokens import describe_image_cost, image_tokens
from desktop_app.core.image_work import (
    SourceCopy,
    copy_size,
    prepare_again,
    retarget,
    token_basis,
)
from desktop_app.core.images import PreparedImage
from desktop_app.ui.composer.image_jobs import (
    ImagePreparer,
    ImageText,
    NewImage,
    Thumbnail,
    prepare_edited,
    prepare_new,
    read_image_text,
    rebuild_thumbnail,
)


@dataclass(eq=False)
class Attachment:
    """One image in the composer."""

    key: int
    name: str
    prepared: PreparedImage | None = None  # for the model and detail it was last prepared for
    thumbnail: QImage | None = None  # at most 160 px
    copy: SourceCopy | None = None
    kept_size: tuple[int, int] = (0, 0)  # the copy's size, known before the copy arrives
    generation: int = 0  # bumped per submitted job; results of older jobs are dropped
    working: bool = True  # a job that decides `prepared` is queued or running
    source_generation: int = 0  # a kept copy from an older job is of pixels since edited
    redacted: str = ""  # what automatic redaction covered ("" when nothing)
    as_text: bool = False  # send `text` instead of the pixels
    text: str | None = None  # the OCR text, once read

    def source(self) -> SourceCopy | bytes | None:
        """The best pixels there are: the kept copy, else the prepared bytes."""
        if self.copy is not None:
            return self.copy
        return self.prepared.data if self.prepared is not None else None


class AttachmentSet(QObject):
    """The ordered images of one message, kept prepared for the current model and detail.

    Signals:
        added(int, int): an attachment with this key was inserted at this index.
        updated(int): its thumbnail, prepared bytes or working state changed.
        removed(int): it was removed (by the user, take(), or after failing).
        failed(int, str): preparing it failed, with a sentence for the user; removed follows.
        prepared(): a job finished and nothing is waiting any more.
    """

    added = Signal(int, int)
    updated = Signal(int)
    removed = Signal(int)
    failed = Signal(int, str)
    prepared = Signal()

    def __init__(self, model: str, detail: Detail, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.detail: Detail = detail
        self._items: dict[int, Attachment] = {}
        self._taken: dict[str, Attachment] = {}  # the last take(), so restore() keeps copies
        self._next_key = 1
        self._preparer = ImagePreparer(self)
        self._preparer.job_reported.connect(self._on_preparer_job_reported)
        self._preparer.job_failed.connect(self._on_preparer_job_failed)

    # -- reading ---------------------------------------------------------------------
    def __iter__(self) -> Iterator[Attachment]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: int) -> Attachment | None:
        return self._items.get(key)

    def names(self) -> set[str]:
        return {att.name for att in self._items.values()}

    def is_ready(self) -> bool:
        """True when every image is prepared for the current model and detail."""
        return all(self._is_current(att) for att in self._items.values())

    def preparing(self) -> int:
        """How many images are not decoded yet (their size and cost are unknown)."""
        return sum(att.prepared is None for att in self._items.values())

    def basis(self, att: Attachment) -> tuple[int, int] | None:
        """The size its cost is computed from (see image_work.token_basis); None: not decoded."""
        if att.prepared is None:
            return None
        return token_basis(att.prepared.original_size, att.kept_size, self.model, self.detail)

    def tokens(self) -> list[int | None]:
        """Image tokens on the current model and detail, for each decoded image sent as pixels."""
        sizes = [self.basis(att) for att in self._items.values() if not att.as_text]
        return [image_tokens(self.model, *size, self.detail) for size in sizes if size]

    def image_tokens(self, att: Attachment) -> int | None:
        basis = self.basis(att)
        return image_tokens(self.model, *basis, self.detail) if basis else None

    def texts(self) -> list[tuple[str, str]]:
        """(name, text) of each image sent as its text, in order, once read."""
        return [(a.name, a.text) for a in self._items.values() if a.as_text and a.text is not None]

    def caption(self, att: Attachment) -> str:
        """E.g. "1365×768 · 36,835 tokens"; "Preparing…" first while a job runs."""
        basis = self.basis(att)
        cost = describe_image_cost(self.model, *basis, self.detail) if basis else ""
        if att.as_text:
            cost = "Reading its text…" if att.text is None else "Sent as its text"
        elif att.redacted:
            cost = f"{cost}\nRedacted {att.redacted}"
        return f"Preparing…\n{cost}".strip() if att.working else cost

    # -- changing ----------------------------------------------------------------------
    def set_target(self, model: str, detail: Detail) -> None:
        """Prepare every image for `model` and `detail` from now on."""
        if (model, detail) == (self.model, self.detail):
            return
        self.model, self.detail = model, detail
        for att in self:
            self._sync(att)
            self.updated.emit(att.key)

    def add(self, name: str, source: QImage | Path, redact: Sequence[str] = ()) -> int:
        """Append an image and start preparing it; returns its key.

        With `redact` (finder kinds), what the finder sees is covered before anything
        is prepared or kept.
        """
        att = self._insert(name, len(self._items))
        job = partial(prepare_new, source, self.model, self.detail, name, tuple(redact))
        self._submit(att, job)
        att.source_generation = att.generation
        self.updated.emit(att.key)
        return att.key

    def edit(self, key: int, image: Image.Image, edits: Sequence[Edit]) -> bool:
        """Replace the image's pixels by `image` (what the editor showed) with `edits` applied.

        Its old prepared bytes, copy and thumbnail are dropped at once, so a draft
        saved from now on holds no pixel of the unedited image. False: not there.
        """
        att = self._items.get(key)
        if att is None or not edits:
            return False
        att.prepared, att.copy, att.thumbnail, att.text = None, None, None, None
        att.kept_size, att.redacted = (0, 0), ""
        job = partial(prepare_edited, image, tuple(edits), self.model, self.detail, att.name)
        self._submit(att, job)
        att.source_generation = att.generation
        self.updated.emit(att.key)  # sent as text: read again once prepared
        return True

    def set_as_text(self, key: int, as_text: bool) -> None:
        """Send the image's text instead of its pixels (read on a worker the first time)."""
        att = self._items.get(key)
        if att is None:
            return
        att.as_text = as_text
        if as_text and att.text is None and not att.working:
            source = att.source()
            if source is not None:
                self._submit(att, partial(read_image_text, source, att.name))
        self.updated.emit(att.key)

    def remove(self, key: int) -> None:
        if self._items.pop(key, None) is not None:
            self.removed.emit(key)

    def take(self) -> list[PreparedImage]:
        """The prepared images, in order; the set is empty afterwards."""
        if not self.is_ready():
            raise RuntimeError("images are still being prepared")
        taken = [a for a in self._items.values() if a.prepared is not None and not a.as_text]
        self._taken = {att.prepared.sha256: att for att in taken if att.prepared is not None}
        for key in list(self._items):
            self.remove(key)
        return [att.prepared for att in taken if att.prepared is not None]

    def restore(self, images: list[PreparedImage]) -> None:
        """Insert prepared images first, unchanged; thumbnails from the last take() or rebuilt."""
        for index, prepared in enumerate(images):
            att = self._insert(prepared.name, index)
            att.prepared, att.working = prepared, False
            kept = self._taken.get(prepared.sha256)
            if kept is not None and kept.copy is not None:
                att.thumbnail, att.copy, att.kept_size = kept.thumbnail, kept.copy, kept.kept_size
                self._sync(att)
            else:  # the prepared bytes are all there is: the most a re-encode can use
                att.kept_size = prepared.sent_size
                self._submit(att, partial(rebuild_thumbnail, prepared))
            self.updated.emit(att.key)

    def shutdown(self) -> None:
        """Stop preparing (on quit); no signal arrives afterwards."""
        self._preparer.shutdown()

    # -- internals -----------------------------------------------------------------------
    def _insert(self, name: str, index: int) -> Attachment:
        att = Attachment(self._next_key, name)
        self._next_key += 1
        items = list(self._items.items())
        items.insert(index, (att.key, att))
        self._items = dict(items)
        self.added.emit(att.key, index)
        return att

    def _submit(self, att: Attachment, job: Callable[[], object]) -> None:
        att.generation += 1
        att.working = True
        self._preparer.submit((att.key, att.generation), att.name, job)

    def _is_current(self, att: Attachment) -> bool:
        if att.working or att.prepared is None:
            return False
        fitted = retarget(
            att.prepared, att.prepared.original_size, att.kept_size, self.model, self.detail
        )
        return fitted is att.prepared

    def _sync(self, att: Attachment) -> None:
        """Relabel `att` for the current model and detail if its pixels fit, else re-encode."""
        if att.working or att.prepared is None:
            return  # the running job's result is synced when it lands
        original = att.prepared.original_size
        fitted = retarget(att.prepared, original, att.kept_size, self.model, self.detail)
        if fitted is not None:
            att.prepared = fitted
            return
        if att.copy is None:
            return  # re-encoded as soon as the copy lands
        job = partial(
            prepare_again,
            att.copy,
            original,
            model=self.model,
            detail=self.detail,
            name=att.name,
            kind=att.prepared.kind,
        )
        self._submit(att, job)

    def _current(self, key: tuple[int, int]) -> Attachment | None:
        """The attachment a job was for, unless it was removed or re-submitted since."""
        att = self._items.get(key[0])
        return att if att is not None and att.generation == key[1] else None

    @Slot(object, object)
    def _on_preparer_job_reported(self, key: tuple[int, int], result: object) -> None:
        if isinstance(result, SourceCopy):
            # Second report of prepare_new: valid whatever ran since. The image may
            # already be sent; keep the copy for a restore() then.
            taken = {att.key: att for att in self._taken.values()}
            att = self._items.get(key[0]) or taken.get(key[0])
            if att is None or key[1] < att.source_generation:
                return  # the copy of pixels since replaced by an edit
            att.copy = result
        else:
            att = self._current(key)
            if att is None:
                return
            att.working = False
            if isinstance(result, NewImage):
                att.prepared, att.thumbnail = result.prepared, result.thumbnail
                att.kept_size = copy_size(*result.prepared.original_size)
                att.redacted = result.redacted
            elif isinstance(result, ImageText):
                att.text = result.text
            elif isinstance(result, Thumbnail):
                att.thumbnail, att.copy = result.thumbnail, result.copy
            elif isinstance(result, PreparedImage):
                att.prepared = result
            source = att.source()
            if att.as_text and att.text is None and source is not None:  # asked while busy
                self._submit(att, partial(read_image_text, source, att.name))
        self._sync(att)  # the model or detail may have changed meanwhile
        self.updated.emit(att.key)
        if self.is_ready():
            self.prepared.emit()

    @Slot(object, object)
    def _on_preparer_job_failed(self, key: tuple[int, int], error: object) -> None:
        att = self._current(key)
        if att is None:
            return
        self.failed.emit(att.key, getattr(error, "message", str(error)))
        self.remove(att.key)
