"""Conversation history in SQLite: conversations, messages, images, search, spend.

The user's message and its images are saved before the request goes out; an
answer row is created when streaming starts and finished with its text, status
and usage, so a cut or cancelled answer is kept and marked. One `History` owns
one connection and is used from one thread; every write is a short transaction.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from desktop_app.core import history_query
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.events import Usage
from desktop_app.core.history_db import open_database
from desktop_app.core.history_models import (
    FINAL_STATUSES,
    STATUSES,
    Attachment,
    Conversation,
    Message,
    ModelSpend,
    NewAttachment,
    SearchHit,
    Status,
    status_for_finish,
)
from desktop_app.core.paths import data_dir, ensure_private_dir

__all__ = [
    "FILE_NAME",
    "STATUSES",
    "Attachment",
    "Conversation",
    "History",
    "Message",
    "ModelSpend",
    "NewAttachment",
    "SearchHit",
    "Status",
    "status_for_finish",
]

FILE_NAME = "history.sqlite3"
TITLE_MAX = 60

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    """UTC ISO-8601 with a fixed width, so text order is time order. Naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def derive_title(text: str) -> str:
    """The first non-empty line of `text`, at most TITLE_MAX characters."""
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line:
            if len(line) <= TITLE_MAX:
                return line
            cut = line[: TITLE_MAX - 1]
            if " " in cut[TITLE_MAX // 2 :]:
                cut = cut.rsplit(" ", 1)[0]
            return cut.rstrip() + "…"
    return ""


class History:
    """The conversation store in `data_dir()/history.sqlite3` (or `path`).

    `notice` is a sentence for the user when a damaged database was moved
    aside on open; show it once. Raises `AppError` when the file belongs to a
    newer AskShot or cannot be opened at all.
    """

    def __init__(self, path: Path | None = None, *, clock: Clock | None = None) -> None:
        if path is None:
            path = ensure_private_dir(data_dir()) / FILE_NAME
        else:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        self._clock = clock or _utc_now
        self._conn, self.notice = open_database(path)
        self._conn.row_factory = sqlite3.Row
        self._streaming: set[int] = set()  # answers this object started and has not finished

    # -- lifetime ----------------------------------------------------------

    def close(self) -> None:
        with suppress(sqlite3.Error):
            self._conn.execute("PRAGMA optimize")
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> str:
        return _iso(self._clock())

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; disk full or a lock becomes an AppError."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            raise AppError(
                ErrorKind.BUG,
                f"Could not save to the history ({exc}). Check that the disk is not full; "
                "if another AskShot is busy with the history, try again in a moment.",
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
        return [_conversation(row) for row in rows]

    def conversation(self, conv_id: int) -> Conversation | None:
        """The conversation, deleted or not (so an undo can show it)."""
        row = self._conn.execute("SELECT * FROM conversations WHERE id = ?", (conv_id,)).fetchone()
        return _conversation(row) if row else None

    def last_conversation_id(self) -> int | None:
        found = self.conversations(limit=1)
        return found[0].id if found else None

    def rename_conversation(self, conv_id: int, title: str) -> None:
        """A new title; the conversation keeps its place (renaming is not activity)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (title.strip(), conv_id)
            )

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
        cutoff = _iso(before) if before else "9999"
        with self._write() as conn:
            cur = conn.execute(
                "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?",
                (cutoff,),
            )
            conn.execute(
                "DELETE FROM attachments WHERE sha256 NOT IN "
                "(SELECT sha256 FROM message_attachments)"
            )
        # executescript steps the pragma to the end; execute() would free one page.
        self._conn.executescript("PRAGMA incremental_vacuum;")
        return cur.rowcount

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
    ) -> int:
        """Save what the user sends, before the request goes out.

        Each distinct image is stored once, by content hash. An untitled
        conversation takes its title from the first line of `text`.
        """
        now = self._now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, role, text, status, created_at, detail) "
                "VALUES (?, 'user', ?, 'complete', ?, ?)",
                (conv_id, text, now, detail),
            )
            message_id = int(cur.lastrowid or 0)
            for position, image in enumerate(images):
                digest = hashlib.sha256(image.data).hexdigest()
                conn.execute(
                    "INSERT OR IGNORE INTO attachments (sha256, mime, width, height, size, bytes) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (digest, image.mime, image.width, image.height, len(image.data), image.data),
                )
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

    def start_answer(self, conv_id: int, model: str) -> int:
        """Create the assistant's row (status "pending") as streaming starts."""
        now = self._now()
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO messages (conversation_id, role, text, status, model, created_at) "
                "VALUES (?, 'assistant', '', 'pending', ?, ?)",
                (conv_id, model, now),
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
                "request_id = ?, error = ? WHERE id = ? AND role = 'assistant'",
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
                    message_id,
                ),
            )
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = "
                "(SELECT conversation_id FROM messages WHERE id = ?)",
                (now, message_id),
            )
        self._streaming.discard(message_id)

    def messages(self, conv_id: int) -> list[Message]:
        """The conversation's messages in order, with image metadata (not bytes).

        An answer still "pending" that this object did not start was left by a
        crash (or is being written by another process) and reads as "partial".
        """
        attachments: dict[int, list[Attachment]] = {}
        for row in self._conn.execute(
            "SELECT ma.message_id, a.sha256, a.mime, a.width, a.height, a.size, ma.detail, "
            "ma.tokens FROM message_attachments ma JOIN attachments a USING (sha256) "
            "JOIN messages m ON m.id = ma.message_id WHERE m.conversation_id = ? "
            "ORDER BY ma.message_id, ma.position",
            (conv_id,),
        ):
            attachments.setdefault(row[0], []).append(Attachment(*row[1:]))
        rows = self._conn.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conv_id,)
        )
        return [self._message(row, tuple(attachments.get(row["id"], ()))) for row in rows]

    def _message(self, row: sqlite3.Row, attachments: tuple[Attachment, ...]) -> Message:
        status = row["status"]
        if status == "pending" and row["id"] not in self._streaming:
            status = "partial"
        usage = None
        if row["input_tokens"] is not None or row["output_tokens"] is not None:
            usage = Usage(
                row["input_tokens"] or 0, row["cached_tokens"] or 0, row["output_tokens"] or 0
            )
        return Message(
            id=row["id"],
            conversation_id=row["conversation_id"],
            role=row["role"],
            text=row["text"],
            status=status,
            created_at=datetime.fromisoformat(row["created_at"]),
            model=row["model"],
            usage=usage,
            cost_usd=row["cost_usd"],
            request_id=row["request_id"],
            error=row["error"],
            detail=row["detail"],
            attachments=attachments,
        )

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
        return history_query.spend(self._conn, _iso(since) if since else "")

    def export(self, conv_id: int, fmt: Literal["md", "json"]) -> str:
        """The conversation as Markdown (images by reference) or JSON (everything but bytes)."""
        from desktop_app.core.history_export import to_json, to_markdown

        conv = self.conversation(conv_id)
        if conv is None:
            raise AppError(
                ErrorKind.BAD_INPUT,
                f"There is no conversation {conv_id} in the history; "
                "`askshot history list` shows the ids.",
            )
        if fmt == "md":
            return to_markdown(conv, self.messages(conv_id))
        if fmt == "json":
            return to_json(conv, self.messages(conv_id))
        raise AppError(ErrorKind.BAD_INPUT, f"Unknown export format {fmt!r}; use md or json.")


def _conversation(row: Any) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        deleted_at=_parse(row["deleted_at"]),
    )
