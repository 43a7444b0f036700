"""Schema of the history database and its `PRAGMA user_version` migrations.

Each step in `MIGRATIONS` takes the database from version N to N+1; all
pending steps run in one transaction, so a crash mid-upgrade leaves the old
version intact. Never edit a released step: append a new one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_app.core.errors import AppError, ErrorKind

_V1_TABLES = (
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    "CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC)",
    """CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
        text TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (
            status IN ('pending', 'complete', 'partial', 'stopped', 'length', 'error')),
        model TEXT,
        created_at TEXT NOT NULL,
        input_tokens INTEGER,
        cached_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd REAL,
        request_id TEXT,
        error TEXT,
        detail TEXT
    )""",
    "CREATE INDEX messages_by_conversation ON messages (conversation_id, id)",
    "CREATE INDEX messages_by_time ON messages (created_at)",
    # One row per distinct image; the blob comes last so metadata reads skip it.
    """CREATE TABLE attachments (
        sha256 TEXT PRIMARY KEY,
        mime TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        size INTEGER NOT NULL,
        bytes BLOB NOT NULL
    )""",
    """CREATE TABLE message_attachments (
        message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL REFERENCES attachments (sha256),
        position INTEGER NOT NULL,
        detail TEXT NOT NULL,
        tokens INTEGER,
        PRIMARY KEY (message_id, position)
    )""",
    "CREATE INDEX message_attachments_by_sha ON message_attachments (sha256)",
)


def _fts_for(table: str, column: str) -> tuple[str, ...]:
    """An external-content FTS5 index over `table.column`, kept in sync by triggers."""
    fts = f"{table}_fts"
    return (
        f"""CREATE VIRTUAL TABLE {fts} USING fts5(
            {column}, content='{table}', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN
            INSERT INTO {fts} (rowid, {column}) VALUES (new.id, new.{column});
        END""",  # noqa: S608 (fixed names, no user input)
        f"""CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN
            INSERT INTO {fts} ({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});
        END""",  # noqa: S608 (fixed names, no user input)
        f"""CREATE TRIGGER {table}_fts_update AFTER UPDATE OF {column} ON {table} BEGIN
            INSERT INTO {fts} ({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});
            INSERT INTO {fts} (rowid, {column}) VALUES (new.id, new.{column});
        END""",  # noqa: S608 (fixed names, no user input)
        # Index whatever rows an older version already stored.
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",  # noqa: S608
    )


# Versions of answers and questions, estimated costs, and the composer's drafts.
_V3_VERSIONS_AND_DRAFTS = (
    # An answer names the question it answers: regenerating adds a sibling.
    "ALTER TABLE messages ADD COLUMN reply_to INTEGER",
    # An edited question names the one it replaces.
    "ALTER TABLE messages ADD COLUMN edit_of INTEGER",
    # 1: the version shown in the conversation; siblings wait to be paged to.
    "ALTER TABLE messages ADD COLUMN active INTEGER NOT NULL DEFAULT 1",
    # 1: the cost was estimated from the text because the server sent no usage.
    "ALTER TABLE messages ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0",
    """UPDATE messages SET reply_to = (
        SELECT MAX(u.id) FROM messages u WHERE u.conversation_id = messages.conversation_id
        AND u.role = 'user' AND u.id < messages.id) WHERE role = 'assistant'""",
    "CREATE INDEX messages_by_reply ON messages (reply_to)",
    # The composer per conversation (0: the new, unsaved chat).
    """CREATE TABLE drafts (
        conversation_id INTEGER PRIMARY KEY,
        text TEXT NOT NULL DEFAULT '',
        edit_of INTEGER,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE draft_attachments (
        conversation_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        sha256 TEXT NOT NULL REFERENCES attachments (sha256),
        detail TEXT NOT NULL,
        tokens INTEGER,
        name TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (conversation_id, position)
    )""",
)

# Who answered, what the plan expected it to cost, and which earlier images a follow-up resends.
_V4_PROVIDER_ESTIMATES_EARLIER_IMAGES = (
    # The provider profile's name (NULL: written before version 4, shown as "unknown").
    "ALTER TABLE messages ADD COLUMN provider TEXT",
    # An answer: the estimate made before sending (the whole request's input tokens).
    "ALTER TABLE messages ADD COLUMN estimated_cost REAL",
    "ALTER TABLE messages ADD COLUMN estimated_tokens INTEGER",
    # Which earlier images a follow-up resends: 'all', 'latest' or 'none'.
    "ALTER TABLE conversations ADD COLUMN earlier_images TEXT NOT NULL DEFAULT 'all'",
)

# MIGRATIONS[n] upgrades a database from user_version n to n + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    _V1_TABLES,
    _fts_for("messages", "text") + _fts_for("conversations", "title"),
    _V3_VERSIONS_AND_DRAFTS,
    _V4_PROVIDER_ESTIMATES_EARLIER_IMAGES,
)
LATEST_VERSION = len(MIGRATIONS)


def newer_version_error(path: Path, version: int) -> AppError:
    return AppError(
        ErrorKind.BAD_INPUT,
        f"The history database {path} was written by a newer version of AskShot "
        f"(schema version {version}; this version understands up to {LATEST_VERSION}). "
        "Update AskShot to open it, or move the file elsewhere to start a new history. "
        "It was left untouched.",
    )


def migrate(conn: sqlite3.Connection, path: Path, target: int = LATEST_VERSION) -> None:
    """Bring the database up to `target`, refusing one written by a newer AskShot.

    `conn` must be in autocommit mode (isolation_level=None) so the explicit
    transaction here is the only one.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read inside the write lock: another process may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > LATEST_VERSION:
            raise newer_version_error(path, version)
        for step in MIGRATIONS[version:target]:
            for statement in step:
                conn.execute(statement)
        if version < target:
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
