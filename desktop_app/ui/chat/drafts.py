"""Keeps the composer's text and images in the history, per conversation.

Saved a moment after each change, at a switch, at quit and from the crash
handler, so a typed question survives all of them; restored when its
conversation is shown again.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from desktop_app.core.errors import AppError

if TYPE_CHECKING:
    from desktop_app.core.history import History
    from desktop_app.ui.composer.widget import Composer

_NOTHING_DELETED_BEFORE = datetime(1970, 1, 1, tzinfo=timezone.utc)
SAVE_DELAY_MS = 600  # after the last keystroke: one write per pause, not per key


class DraftKeeper(QObject):
    """Writes the composer to `history` for the conversation it belongs to."""

    def __init__(self, composer: Composer, history: History, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._composer = composer
        self._history = history
        self.conversation_id: int | None = None
        self.edit_of: int | None = None  # the stored question the composer is rewriting
        self._paused = False
        self.problem: AppError | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.save_now)
        composer.edit.textChanged.connect(self._on_composer_changed)
        composer.attachments_changed.connect(self._on_composer_changed)
        composer.image_edited.connect(self._on_composer_image_edited)

    @Slot()
    def _on_composer_changed(self) -> None:
        if self._paused:
            return
        if self.edit_of is not None and not self._composer.has_content():
            self.edit_of = None  # emptied: what comes next is a new question, not the edit
            self._composer.clear_message()
        self._timer.start()

    @Slot(int)
    def _on_composer_image_edited(self, _key: int) -> None:
        """The unedited pixels (perhaps redacted since) leave the history file at once."""
        self.save_now()  # the draft without them (the edited image follows when prepared)
        if self.problem is None and not self._paused and not self._history.closed:
            try:  # a cutoff before any deletion: conversations awaiting Undo stay
                self._history.purge_deleted(before=_NOTHING_DELETED_BEFORE)
                self._history.truncate_wal()
            except AppError as exc:
                self.problem = exc

    @Slot()
    def save_now(self) -> None:
        """Write what the composer holds now (images still being prepared wait for later)."""
        self._timer.stop()
        if self._paused or self._history.closed:
            return
        from desktop_app.core.history import NewAttachment

        images = [
            NewAttachment(
                data=a.prepared.data,
                mime=a.prepared.mime,
                width=a.prepared.sent_size[0],
                height=a.prepared.sent_size[1],
                detail=a.prepared.detail,
                tokens=a.prepared.tokens,
                name=a.name,
            )
            for a in self._composer.attachments()
            if a.prepared is not None
        ]
        try:
            self._history.save_draft(
                self.conversation_id, self._composer.text(), images, edit_of=self.edit_of
            )
            self.problem = None
        except AppError as exc:  # the composer still holds it; the next change tries again
            self.problem = exc

    def switch_to(self, conversation_id: int | None, *, save: bool = True) -> None:
        """Save this conversation's draft, then fill the composer with the other's.

        `save=False` at start-up: the empty composer must not overwrite the draft
        it is about to show.
        """
        if save:
            self.save_now()
        self.conversation_id = conversation_id
        self.edit_of = None
        with self.paused():
            # Drop what belonged to the other conversation (an image still being
            # prepared raises: it stays, and is saved with this one later).
            with contextlib.suppress(RuntimeError):
                self._composer.take()
            self._fill(conversation_id)

    def _fill(self, conversation_id: int | None) -> None:
        from desktop_app.core.images import prepared_from_bytes

        draft = self._history.draft(conversation_id)
        if draft is None:
            return
        images = []
        for image in draft.images:
            try:
                data = self._history.attachment_bytes(image.sha256)
            except AppError:
                continue
            images.append(
                prepared_from_bytes(
                    data,
                    mime=image.mime,
                    size=(image.width, image.height),
                    detail=image.detail,  # type: ignore[arg-type]
                    tokens=image.tokens,
                    name=image.name or "image",
                )
            )
        self.edit_of = draft.edit_of
        self._composer.restore(draft.text, images)

    def sent(self, conversation_id: int | None) -> None:
        """The composer's content went out: its draft is done; follow a new conversation."""
        self._timer.stop()
        try:
            self._history.clear_draft(self.conversation_id)
            if conversation_id != self.conversation_id:
                self._history.clear_draft(conversation_id)
        except AppError as exc:
            self.problem = exc
        self.conversation_id = conversation_id
        self.edit_of = None

    def paused(self) -> _Paused:
        return _Paused(self)


class _Paused:
    """Changes made by the program (switching, restoring) are not the user's typing."""

    def __init__(self, keeper: DraftKeeper) -> None:
        self._keeper = keeper

    def __enter__(self) -> None:
        self._keeper._paused = True

    def __exit__(self, *exc: object) -> None:
        self._keeper._paused = False
        self._keeper._timer.stop()
