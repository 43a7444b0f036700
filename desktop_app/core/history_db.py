"""Opening the history database: private files, health check, migrations.

A database SQLite cannot read is moved aside (never overwritten) and a fresh
one started; the caller gets a sentence saying where the old file went.
Failures that are this machine's fault (disk full, locked, read-only, a folder
in the file's place) become ENVIRONMENT errors with a sentence; others stay bugs.
`open_read_only` serves the commands that only read: it never creates,
migrates or locks the file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import suppress
from datetime import datetime, timezone
from pathlib import Path

from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.history_schema import LATEST_VERSION, migrate, newer_version_error
from desktop_app.core.paths import file_system_error

# How long to wait for another connection's write lock; read when a database is
# opened, so tests of a locked file can shorten it.
BUSY_TIMEOUT_S = 5.0
# An older database is upgraded in memory for reading up to this size; larger
# ones must be upgraded by a read-write open first.
READ_ONLY_UPGRADE_LIMIT = 64 * 1024 * 1024
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


# SQLite primary result codes that mean "this machine", not a bug.
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _FULL, _CANTOPEN = 3, 5, 6, 8, 10, 13, 14
# Python 3.10 has no sqlite_errorcode: recognise the messages instead.
_MESSAGES = (
    ("database or disk is full", _FULL),
    ("database is locked", _BUSY),
    ("database table is locked", _LOCKED),
    ("readonly database", _READONLY),
    ("unable to open database", _CANTOPEN),
    ("disk i/o error", _IOERR),
)


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF
    text = str(exc).lower()
    return next((c for m, c in _MESSAGES if m in text), None)


def environment_error(path: Path, exc: sqlite3.Error) -> AppError | None:
    """A sentence for SQLite failures that are the machine's fault; None for the rest."""
    code = _primary_code(exc)
    if code == _FULL:
        text = (
            f"The disk holding the history {path} is full, so AskShot could not save to it. "
            "Free some disk space, then try again."
        )
    elif code in (_BUSY, _LOCKED):
        text = (
            f"The history {path} is locked by another program (another AskShot, or a "
            "database tool that has it open). Close that program or wait for it to finish, "
            "then try again."
        )
    elif code in (_READONLY, _PERM):
        text = (
            f"The history {path} is read-only for AskShot. Make the file and its folder "
            "writable for your user, then try again."
        )
    elif code == _CANTOPEN:
        text = (
            f"AskShot could not open the history {path}. Check that it is a file (not a "
            "folder) and that you can read and write it and its folder, then try again."
        )
    elif code == _IOERR:
        text = (
            f"Reading or writing the history {path} failed with a disk error ({exc}). Check "
            "that the disk is connected and not full, then try again."
        )
    else:
        return None
    return AppError(ErrorKind.ENVIRONMENT, text)


def _open_error(path: Path, exc: BaseException) -> AppError:
    """ENVIRONMENT for the machine's failures, BUG (still a sentence) for anything else."""
    if isinstance(exc, OSError):
        return file_system_error(path, exc, "the history file")
    if isinstance(exc, sqlite3.Error):
        known = environment_error(path, exc)
        if known is not None:
            return known
    return AppError(
        ErrorKind.BUG,
        f"Could not open the history database {path} ({exc}). This looks like a bug in "
        "AskShot; please report it with this message.",
    )


def _busy_ms(busy_timeout: float | None) -> int:
    return int(1000 * (BUSY_TIMEOUT_S if busy_timeout is None else busy_timeout))


def _not_a_file(path: Path) -> AppError | None:
    """A sentence when something other than a regular file sits at `path`."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return file_system_error(path, exc, "the history file")
    if stat.S_ISREG(mode):
        return None
    kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
    return AppError(
        ErrorKind.ENVIRONMENT,
        f"The history file {path} is {kind}. Move it away so AskShot can create its "
        "history there, or set ASKSHOT_DATA_DIR to another folder, then try again.",
    )


def _check(path: Path, busy_ms: int) -> None:
    """Raise `_Corrupt` if SQLite cannot read `path`, AppError if a newer AskShot wrote it.

    Read-only, so a damaged file and its WAL are left exactly as they were
    (a read-write close would checkpoint into the file and delete the WAL).
    """
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
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


def _connect(path: Path, busy_ms: int) -> sqlite3.Connection:
    """Open, check and migrate `path`; raise `_Corrupt` if SQLite cannot read it."""
    problem = _not_a_file(path)
    if problem is not None:
        raise problem
    try:
        # Create the file 0600 first: SQLite gives -wal and -shm the database's mode.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        make_private(path)
    except OSError as exc:
        raise _open_error(path, exc) from exc
    _check(path, busy_ms)
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
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
        raise _open_error(path, exc) from exc
    except OSError as exc:  # make_private
        conn.close()
        raise _open_error(path, exc) from exc
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
            ErrorKind.ENVIRONMENT,
            f"The history database {path} is damaged and could not be moved aside "
            f"({exc.strerror or exc}). Move or delete it yourself, then start AskShot again.",
        ) from exc
    return target


def open_database(
    path: Path, *, busy_timeout: float | None = None
) -> tuple[sqlite3.Connection, str | None]:
    """Return a ready connection and, if the old file was damaged, a notice for the user.

    `busy_timeout` (seconds, default `BUSY_TIMEOUT_S`) is how long a write waits
    for another process's lock before failing with an ENVIRONMENT error.
    """
    busy_ms = _busy_ms(busy_timeout)
    try:
        return _connect(path, busy_ms), None
    except _Corrupt as exc:
        reason = str(exc)
    moved = _move_aside(path)
    try:
        conn = _connect(path, busy_ms)
    except _Corrupt as exc:  # a fresh file cannot be corrupt unless the disk is failing
        raise AppError(
            ErrorKind.ENVIRONMENT,
            f"A new history database {path} could not be read back ({exc}); the disk may be "
            "failing. Check it, then try again.",
        ) from exc
    notice = (
        f"The history database could not be read ({reason}), so it was moved to {moved} "
        "and a new, empty history was started. The old file was kept as it was; "
        "you can delete it or try to recover it with the sqlite3 tool's .recover command."
    )
    return conn, notice


def _needs_upgrade(path: Path) -> AppError:
    return AppError(
        ErrorKind.ENVIRONMENT,
        f"The history {path} was written by an older AskShot and must be upgraded before "
        "it can be read. Open AskShot, or ask a question with `askshot ask`, once to "
        "upgrade it, then try again.",
    )


def _empty() -> sqlite3.Connection:
    """An in-memory history at the latest schema: what a missing file reads as."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn, Path(":memory:"))
    return conn


def _upgraded_copy(conn: sqlite3.Connection, path: Path, version: int) -> sqlite3.Connection:
    """An in-memory copy of an older database, migrated; the file is left as it was."""
    if version > 0 and path.stat().st_size > READ_ONLY_UPGRADE_LIMIT:
        raise _needs_upgrade(path)
    copy = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.backup(copy)
        migrate(copy, path)
    except sqlite3.DatabaseError as exc:
        copy.close()
        if environment_error(path, exc) is not None or _is_corruption(exc):
            raise
        raise _needs_upgrade(path) from exc
    return copy


def open_read_only(path: Path, *, busy_timeout: float | None = None) -> sqlite3.Connection:
    """A connection that can only read the history at `path`.

    It never creates, migrates or write-locks the file (SQLite may add its
    usual -wal/-shm side files), so it works while another process writes. A
    missing file reads as an empty history; a file at an older schema version
    is upgraded in a memory copy when it is small enough, otherwise the error
    says how to upgrade it.
    """
    problem = _not_a_file(path)
    if problem is not None:
        raise problem
    if not path.exists():
        return _empty()
    try:
        conn = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro", uri=True, isolation_level=None
        )
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {_busy_ms(busy_timeout)}")
        conn.execute("PRAGMA query_only = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > LATEST_VERSION:
            raise newer_version_error(path, version)
        if version < LATEST_VERSION:
            upgraded = _upgraded_copy(conn, path, version)
            conn.close()
            conn = upgraded
            conn.execute("PRAGMA query_only = ON")
        return conn
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _is_corruption(exc):
            raise AppError(
                ErrorKind.ENVIRONMENT,
                f"The history {path} is damaged and cannot be read ({exc}). Open AskShot, "
                "or ask a question with `askshot ask`, to move it aside and start a new "
                "history; the old file is kept.",
            ) from exc
        raise _open_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise
