"""Opening the history database: private files, health check, migrations.

A database SQLite cannot read is moved aside (never overwritten) and a fresh
one started; the caller gets a sentence saying where the old file went.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.history_schema import LATEST_VERSION, migrate, newer_version_error

BUSY_TIMEOUT_MS = 5000
SIDE_FILES = ("-wal", "-shm", "-journal")
_CORRUPTION_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB


class _Corrupt(Exception):
    """The file is not a readable SQLite database."""


def side_files(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in SIDE_FILES]


def make_private(path: Path) -> None:
    """Owner-only permissions on the database and the side files that exist."""
    if os.name != "posix":
        return
    for file in (path, *side_files(path)):
        with suppress(FileNotFoundError):
            os.chmod(file, 0o600)


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return (code & 0xFF) in _CORRUPTION_CODES
    # Python 3.10: corruption and "not a database" arrive as a bare DatabaseError;
    # locked, busy, disk full and unreadable files arrive as OperationalError.
    return type(exc) is sqlite3.DatabaseError


def _environment_error(path: Path, exc: BaseException) -> AppError:
    return AppError(
        ErrorKind.BUG,
        f"Could not open the history database {path} ({exc}). Check that the folder is "
        "writable and the disk is not full, and close other AskShot windows if it is busy.",
    )


def _check(path: Path) -> None:
    """Raise `_Corrupt` if SQLite cannot read `path`, AppError if a newer AskShot wrote it.

    Read-only, so a damaged file and its WAL are left exactly as they were
    (a read-write close would checkpoint into the file and delete the WAL).
    """
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        result = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if result != ["ok"]:
            raise _Corrupt("; ".join(str(r) for r in result[:3]))
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > LATEST_VERSION:
            raise newer_version_error(path, version)
    except sqlite3.DatabaseError as exc:
        if _is_corruption(exc):
            raise _Corrupt(str(exc)) from exc
        # Anything else (locked, a hot journal to roll back): the read-write open decides.
    finally:
        conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    """Open, check and migrate `path`; raise `_Corrupt` if SQLite cannot read it."""
    try:
        # Create the file 0600 first: SQLite gives -wal and -shm the database's mode.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        make_private(path)
    except OSError as exc:
        raise _environment_error(path, exc) from exc
    _check(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        fresh = not conn.execute("SELECT 1 FROM sqlite_master").fetchone()
        if fresh:
            # Lets purge give deleted screenshots' pages back to the file system.
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Deleted images and text are overwritten, not left in free pages.
        conn.execute("PRAGMA secure_delete = ON")
        migrate(conn, path)  # refuses a newer version too, in case one raced us
        make_private(path)
        return conn
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _is_corruption(exc):
            raise _Corrupt(str(exc)) from exc
        raise _environment_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise


def _move_aside(path: Path) -> Path:
    """Rename the database and its side files to `<name>.corrupt-<UTC stamp>[-n]`."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    try:
        os.replace(path, target)
        for side, suffix in zip(side_files(path), SIDE_FILES, strict=True):
            if side.exists():
                # Keeps SQLite's naming, so opening `target` still finds its WAL.
                os.replace(side, target.with_name(target.name + suffix))
    except OSError as exc:
        raise AppError(
            ErrorKind.BUG,
            f"The history database {path} is damaged and could not be moved aside ({exc}). "
            "Move or delete it yourself, then start AskShot again.",
        ) from exc
    return target


def open_database(path: Path) -> tuple[sqlite3.Connection, str | None]:
    """Return a ready connection and, if the old file was damaged, a notice for the user."""
    try:
        return _connect(path), None
    except _Corrupt as exc:
        reason = str(exc)
    moved = _move_aside(path)
    try:
        conn = _connect(path)
    except _Corrupt as exc:  # a fresh file cannot be corrupt unless the disk is failing
        raise _environment_error(path, exc) from exc
    notice = (
        f"The history database could not be read ({reason}), so it was moved to {moved} "
        "and a new, empty history was started. The old file was kept as it was; "
        "you can delete it or try to recover it with the sqlite3 tool's .recover command."
    )
    return conn, notice
