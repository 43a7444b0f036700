"""The composer's drafts: text and images per conversation, kept in the history file.

A draft lives beside the conversation it belongs to (0 stands for the new,
unsaved chat), so it survives a quit, a crash and a conversation switch. Images
are stored once by hash in the same table as sent ones.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence

from desktop_app.core.history_models import Draft, DraftImage, NewAttachment

NEW_CHAT = 0  # the draft key of a chat that has no conversation yet


def key(conv_id: int | None) -> int:
    return NEW_CHAT if conv_id is None else conv_id


def store_image(conn: sqlite3.Connection, image: NewAttachment) -> str:
    """Insert the image bytes once; return their hash."""
    digest = hashlib.sha256(image.data).hexdigest()
    conn.execute(
        "INSERT OR IGNORE INTO attachments (sha256, mime, width, height, size, bytes) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (digest, image.mime, image.width, image.height, len(image.data), image.data),
    )
    return digest


def save(
    conn: sqlite3.Connection,
    conv_id: int | None,
    draft: tuple[str, Sequence[NewAttachment], int | None],
    now: str,
) -> None:
    """Replace the draft (text, images, edit_of) inside the caller's write transaction.

    An empty draft is removed.
    """
    text, images, edit_of = draft
    k = key(conv_id)
    conn.execute("DELETE FROM draft_attachments WHERE conversation_id = ?", (k,))
    conn.execute("DELETE FROM drafts WHERE conversation_id = ?", (k,))
    if not text.strip() and not images and edit_of is None:
        return
    conn.execute(
        "INSERT INTO drafts (conversation_id, text, edit_of, updated_at) VALUES (?, ?, ?, ?)",
        (k, text, edit_of, now),
    )
    for position, image in enumerate(images):
        digest = store_image(conn, image)
        conn.execute(
            "INSERT INTO draft_attachments "
            "(conversation_id, position, sha256, detail, tokens, name) VALUES (?, ?, ?, ?, ?, ?)",
            (k, position, digest, image.detail, image.tokens, image.name),
        )


def load(conn: sqlite3.Connection, conv_id: int | None) -> Draft | None:
    k = key(conv_id)
    row = conn.execute(
        "SELECT text, edit_of FROM drafts WHERE conversation_id = ?", (k,)
    ).fetchone()
    if row is None:
        return None
    images = tuple(
        DraftImage(*r)
        for r in conn.execute(
            "SELECT a.sha256, a.mime, a.width, a.height, d.detail, d.tokens, d.name "
            "FROM draft_attachments d JOIN attachments a USING (sha256) "
            "WHERE d.conversation_id = ? ORDER BY d.position",
            (k,),
        )
    )
    return Draft(text=row[0], images=images, edit_of=row[1])


def move(conn: sqlite3.Connection, from_conv: int | None, to_conv: int) -> None:
    """A new chat's draft follows it once the chat becomes a conversation."""
    k = key(from_conv)
    conn.execute("DELETE FROM draft_attachments WHERE conversation_id = ?", (to_conv,))
    conn.execute("DELETE FROM drafts WHERE conversation_id = ?", (to_conv,))
    conn.execute("UPDATE drafts SET conversation_id = ? WHERE conversation_id = ?", (to_conv, k))
    conn.execute(
        "UPDATE draft_attachments SET conversation_id = ? WHERE conversation_id = ?", (to_conv, k)
    )


def purge_orphans(conn: sqlite3.Connection) -> None:
    """Drafts of conversations that no longer exist go with them."""
    where = "conversation_id <> 0 AND conversation_id NOT IN (SELECT id FROM conversations)"
    conn.execute(f"DELETE FROM draft_attachments WHERE {where}")  # noqa: S608 (fixed text)
    conn.execute(f"DELETE FROM drafts WHERE {where}")  # noqa: S608 (fixed text)
