"""Conversation history in SQLite: conversations, messages, images, search, spend.

The user's message and its images are saved before the request goes out; an
answer row is created when streaming starts and finished with its text, status
and usage, so a cut or cancelled answer is kept and marked. One `History` owns
one connection and is used from one thread; every write is a short transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Literal

from desktop_app.core import history_drafts, history_query, history_versions
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Usage
from desktop_app.core.history_db import environment_error, open_database, open_read_only
from desktop_app.core.history_models import (
    EARLIER_IMAGES,
    FINAL_STATUSES,
    STATUSES,
    Attachment,
    Conversation,
    Draft,
    DraftImage,
    EarlierImages,
    Message,
    ModelSpend,
    NewAttachment,
    SearchHit,
    SpendGroup,
    SpendGrouping,
    Status,
    status_for_finish,
)
from desktop_app.core.history_rows import (
    attachments_by_message,
    conversation_from_row,
    derive_title,
    iso,
    message_from_row,
    utc_now,
)
from desktop_app.core.paths import data_dir, ensure_private_dir, file_system_error

__all__ = [
    "FILE_NAME",
    "STATUSES",
    "Attachment",
    "Conversation",
    "Draft",
    "DraftImage",
    "History",
    "Message",
    "ModelSpend",
    "NewAttachment",
    "SearchHit",
    "SpendGroup",
    "Status",
    "derive_title",
    "status_for_finish",
]

FILE_NAME = "history.sqlite3"
Clock = Callable[[], datetime]


class History:
    """The conversation store in `data_dir()/history.sqlite3` (or `path`).

    `notice` is a sentence for the user when a damaged database was moved
    aside on open; show it once. Raises `AppError` when the file belongs to a
    newer AskShot or cannot be opened at all.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Clock | None = None,
        busy_timeout: float | None = None,
        read_only: bool = False,
    ) -> None:
        """`busy_timeout`: seconds a write waits for another process's lock (default 5).

        `read_only` opens for reading only: nothing is created, migrated or
        locked (a missing file reads as empty) and every write is refused.
        """
        if path is None:
            folder = data_dir()
            path = folder / FILE_NAME
            if not read_only:
                ensure_private_dir(folder)
        elif not read_only:
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise file_system_error(path.parent, exc) from exc
        self.path = path
        self.read_only = read_only
        self._clock = clock or utc_now
        if read_only:
            self._conn, self.notice = open_read_only(path, busy_timeout=busy_timeout), None
        else:
            self._conn, self.notice = open_database(path, busy_timeout=busy_timeout)
        self._conn.row_factory = sqlite3.Row
        self.closed = False  # after close(): late savers (a window closing last) skip
        self._streaming: set[int] = set()  # answers this object started and has not finished

    # -- lifetime ----------------------------------------------------------

    def close(self) -> None:
        with suppress(sqlite3.Error):
            self._conn.execute("PRAGMA optimize")
        self._conn.close()
        self.closed = True

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> str:
        return iso(self._clock())

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction.

        Disk full, a lock held too long, a read-only or vanished file become an
        ENVIRONMENT AppError (the machine's fault); other SQLite failures stay bugs.
        """
        if self.read_only:
            raise AppError(
                ErrorKind.BUG,
                "AskShot tried to save to a history opened for reading only; please report this.",
            )
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with suppress(sqlite3.Error):  # keep the first error, not ROLLBACK's
                        conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            known = environment_error(self.path, exc)
            if known is not None:
                raise known from exc
            raise AppError(
                ErrorKind.BUG,
                f"Could not save to the history {self.path} ({exc}). This looks like a bug "
                "in AskShot; please report it with this message.",
            ) from exc

    # -- conversations -----------------------------------------------------

    def create_conversation(self, title: str = "") -> int:
        now = self._now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO conversations (title, created_at, updated_at) VALUES (?, ?, ?)",
                (title.strip(), now, now),
            )
        return int(cur.lastrowid or 0)

    def conversations(self, limit: int = 200, offset: int = 0) -> list[Conversation]:
        """Conversations not deleted, most recently updated first."""
        rows = self._conn.execute(
            "SELECT * FROM conversations WHERE deleted_at IS NULL "
            "ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [conversation_from_row(row) for row in rows]

    def conversation(self, conv_id: int) -> Conversation | None:
        """The conversation, deleted or not (so an undo can show it)."""
        row = self._conn.execute("SELECT * FROM conversations WHERE id = ?", (conv_id,)).fetchone()
        return conversation_from_row(row) if row else None

    def last_conversation_id(self) -> int | None:
        found = self.conversations(limit=1)
        return found[0].id if found else None

    def rename_conversation(self, conv_id: int, title: str) -> None:
        """A new title; the conversation keeps its place (renaming is not activity)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (title.strip(), conv_id)
            )

    def set_earlier_images(self, conv_id: int, policy: EarlierImages) -> None:
        """Which earlier images this conversation's follow-ups resend (all, latest, none)."""
        if policy not in EARLIER_IMAGES:
            raise ValueError(f"earlier images must be one of {EARLIER_IMAGES}, not {policy!r}")
        with self._write() as conn:
            conn.execute(
                "UPDATE conversations SET earlier_images = ? WHERE id = ?", (policy, conv_id)
            )

    def earlier_images(self, conv_id: int | None) -> EarlierImages:
        """The conversation's choice; "all" for a new chat or an unknown value."""
        conv = self.conversation(conv_id) if conv_id is not None else None
        policy = conv.earlier_images if conv is not None else "all"
        return policy if policy in EARLIER_IMAGES else "all"

    def delete_conversation(self, conv_id: int) -> None:
        """Hide the conversation; `undelete_conversation` brings it back until a purge."""
        with self._write() as conn:
            conn.execute(
                "UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (self._now(), conv_id),
            )

    def undelete_conversation(self, conv_id: int) -> None:
        with self._write() as conn:
            conn.execute("UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conv_id,))

    def purge_deleted(self, before: datetime | None = None) -> int:
        """Erase deleted conversations (all, or those deleted before `before`) for good.

        Images no other message uses are erased too (overwritten, and their
        pages given back to the file system); their spend goes with them.
        Takes ~0.3 s per 50 MB freed: call it at quit or from a worker thread
        with its own `History`. Returns how many conversations were erased.
        """
        cutoff = iso(before) if before else "9999"
        with self._write() as conn:
            cur = conn.execute(
                "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?",
                (cutoff,),
            )
            history_drafts.purge_orphans(conn)
            conn.execute(
                "DELETE FROM attachments WHERE sha256 NOT IN "
                "(SELECT sha256 FROM message_attachments "
                "UNION SELECT sha256 FROM draft_attachments)"
            )
        # executescript steps the pragma to the end; execute() would free one page.
        self._conn.executescript("PRAGMA incremental_vacuum;")
        return cur.rowcount

    def truncate_wal(self) -> None:
        """Copy the write-ahead log into the database and empty it, so bytes deleted with
        secure_delete (a redacted image) leave the log file too. Skipped while another
        connection reads; the log is then emptied at a later checkpoint."""
        with suppress(sqlite3.Error):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    # -- messages ----------------------------------------------------------

    def delete_messages_from(self, conv_id: int, message_id: int) -> int:
        """Erase a message and every later one in its conversation (regenerate, edit).

        Images they used stay until `purge_deleted` drops unused ones.
        """
        with self._write() as conn:
            cur = conn.execute(
                "DELETE FROM messages WHERE conversation_id = ? AND id >= ?",
                (conv_id, message_id),
            )
        return cur.rowcount

    def add_user_message(
        self,
        conv_id: int,
        text: str,
        images: Sequence[NewAttachment] = (),
        *,
        detail: str | None = None,
        edit_of: int | None = None,
        active: bool = True,
    ) -> int:
        """Save what the user sends, before the request goes out.

        Each distinct image is stored once, by content hash. An untitled
        conversation takes its title from the first line of `text`. An edited
        question (`edit_of`) is saved inactive: the old one stays shown until
        the new answer has arrived (`activate`).
        """
        now = self._now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, role, text, status, created_at, detail, "
                "edit_of, active) VALUES (?, 'user', ?, 'complete', ?, ?, ?, ?)",
                (conv_id, text, now, detail, edit_of, int(active)),
            )
            message_id = int(cur.lastrowid or 0)
            for position, image in enumerate(images):
                digest = history_drafts.store_image(conn, image)
                conn.execute(
                    "INSERT INTO message_attachments "
                    "(message_id, sha256, position, detail, tokens) VALUES (?, ?, ?, ?, ?)",
                    (message_id, digest, position, image.detail, image.tokens),
                )
            conn.execute(
                "UPDATE conversations SET updated_at = ?, "
                "title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                (now, derive_title(text), conv_id),
            )
        return message_id

    def start_answer(
        self,
        conv_id: int,
        model: str,
        *,
        reply_to: int | None = None,
        active: bool = True,
        provider: str | None = None,
        estimate: tuple[float | None, int | None] = (None, None),
    ) -> int:
        """Create the assistant's row (status "pending") as streaming starts.

        `reply_to` is the question it answers (default: the conversation's last
        one). A new version of an answer starts inactive, beside the old one.
        `provider` is the profile asked; `estimate` the plan's (dollars, input tokens).
        """
        now = self._now()
        with self._write() as conn:
            if reply_to is None:
                row = conn.execute(
                    "SELECT MAX(id) FROM messages WHERE conversation_id = ? AND role = 'user'",
                    (conv_id,),
                ).fetchone()
                reply_to = row[0] if row else None
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, role, text, status, model, created_at, "
                "reply_to, active, provider, estimated_cost, estimated_tokens) "
                "VALUES (?, 'assistant', '', 'pending', ?, ?, ?, ?, ?, ?, ?)",
                (conv_id, model, now, reply_to, int(active), provider, *estimate),
            )
            conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conv_id))
        message_id = int(cur.lastrowid or 0)
        self._streaming.add(message_id)
        return message_id

    def finish_answer(
        self,
        message_id: int,
        *,
        text: str,
        status: Status,
        model: str | None = None,
        usage: Usage | None = None,
        cost_usd: float | None = None,
        request_id: str | None = None,
        error: str | None = None,
        cost_estimated: bool = False,
    ) -> None:
        """Store the answer's final text, status, usage and cost (a partial one too).

        `cost_usd` defaults to the gateway's own `usage.reported_cost`; `model`
        (the one that actually answered) replaces the one asked for.
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"finish_answer needs a final status, not {status!r}")
        if cost_usd is None and usage is not None:
            cost_usd = usage.reported_cost
        now = self._now()
        with self._write() as conn:
            conn.execute(
                "UPDATE messages SET text = ?, status = ?, model = COALESCE(?, model), "
                "input_tokens = ?, cached_tokens = ?, output_tokens = ?, cost_usd = ?, "
                "request_id = ?, error = ?, cost_estimated = ? WHERE id = ? AND role = 'assistant'",
                (
                    text,
                    status,
                    model,
                    usage.input_tokens if usage else None,
                    usage.cached_tokens if usage else None,
                    usage.output_tokens if usage else None,
                    cost_usd,
                    request_id,
                    error,
                    int(cost_estimated),
                    message_id,
                ),
            )
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = "
                "(SELECT conversation_id FROM messages WHERE id = ?)",
                (now, message_id),
            )
        self._streaming.discard(message_id)

    def save_partial(self, message_id: int, text: str) -> None:
        """Write the text of an answer still streaming, so a kill loses at most the rest."""
        with self._write() as conn:
            conn.execute(
                "UPDATE messages SET text = ? WHERE id = ? AND status = 'pending'",
                (text, message_id),
            )

    def activate(self, message_id: int) -> None:
        """Show this version in its conversation and hide its siblings.

        An answer replaces the other answers to its question (and brings its
        question back if that was an edit waiting for it); a question replaces
        the other versions of itself, and their answers leave with them.
        """
        with self._write() as conn:
            history_versions.activate(conn, message_id)

    def versions(self, message_id: int) -> list[Message]:
        """All versions of a message, oldest first: answers to one question, or edits."""
        row = self._conn.execute(
            "SELECT conversation_id, role, reply_to FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        if row is None:
            return []
        every = self.messages(row["conversation_id"], all_versions=True)
        if row["role"] == "assistant":
            return [m for m in every if m.role == "assistant" and m.reply_to == row["reply_to"]]
        chain = set(history_versions.edit_chain(self._conn, message_id))
        return [m for m in every if m.id in chain]

    # -- drafts ------------------------------------------------------------

    def save_draft(
        self,
        conv_id: int | None,
        text: str,
        images: Sequence[NewAttachment] = (),
        *,
        edit_of: int | None = None,
    ) -> None:
        """Keep what the composer holds for a conversation (None: the new chat)."""
        with self._write() as conn:
            history_drafts.save(conn, conv_id, (text, images, edit_of), self._now())

    def draft(self, conv_id: int | None) -> Draft | None:
        return history_drafts.load(self._conn, conv_id)

    def clear_draft(self, conv_id: int | None) -> None:
        with self._write() as conn:
            history_drafts.save(conn, conv_id, ("", (), None), self._now())

    def move_draft(self, from_conv: int | None, to_conv: int) -> None:
        with self._write() as conn:
            history_drafts.move(conn, from_conv, to_conv)

    def messages(self, conv_id: int, *, all_versions: bool = False) -> list[Message]:
        """The conversation as shown, in order, with image metadata (not bytes).

        Only the active version of each question and answer is listed unless
        `all_versions`. An answer still "pending" that this object did not
        start was left by a crash (or is being written by another process) and
        reads as "partial".
        """
        attachments = attachments_by_message(self._conn, conv_id)
        rows = self._conn.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conv_id,)
        ).fetchall()
        places = history_versions.places(rows)
        rows = history_versions.in_thread_order(rows)
        return [
            message_from_row(
                row,
                attachments.get(row["id"], ()),
                places.get(row["id"]),
                pending_is_ours=row["id"] in self._streaming,
            )
            for row in rows
            if all_versions or row["active"]
        ]

    def attachment_bytes(self, sha256: str) -> bytes:
        row = self._conn.execute(
            "SELECT bytes FROM attachments WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None:
            raise AppError(
                ErrorKind.BAD_INPUT,
                f"There is no image {sha256[:12]}… in the history; it may have been purged.",
            )
        return bytes(row[0])

    # -- search, spend, export ---------------------------------------------

    def search(
        self, text: str, limit: int = 50, *, marks: tuple[str, str] = ("[", "]")
    ) -> list[SearchHit]:
        """Conversations whose title or messages contain every word typed (as prefixes).

        "Quoted text" matches as a phrase; anything else typed is taken
        literally, never as query syntax. Matched words are wrapped in `marks`.
        """
        return history_query.search(self._conn, text, limit, marks)

    def spend(self, since: datetime | None = None) -> list[ModelSpend]:
        """Tokens and dollars per model over answers created at or after `since`.

        Includes deleted conversations until they are purged.
        """
        return history_query.spend(self._conn, iso(since) if since else "")

    def spend_by(self, grouping: SpendGrouping, since: datetime | None = None) -> list[SpendGroup]:
        """Tokens and dollars per local day, month, model or provider since `since`."""
        return history_query.spend_by(self._conn, grouping, iso(since) if since else "")

    def export(self, conv_id: int, fmt: Literal["md", "json"]) -> str:
        """The conversation as Markdown (images by reference) or JSON (everything but bytes)."""
        from desktop_app.core.history_export import export

        return export(self.conversation(conv_id), self.messages(conv_id), fmt, conv_id)
