"""Per-user folders for settings and history.

`ASKSHOT_CONFIG_DIR` and `ASKSHOT_DATA_DIR` override the platform folders so a
test or a throw-away profile never touches the real user's files.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from desktop_app import APP_ID
from desktop_app.core.errors import AppError, ErrorKind


def config_dir() -> Path:
    override = os.environ.get("ASKSHOT_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_ID, appauthor=False))


def data_dir() -> Path:
    override = os.environ.get("ASKSHOT_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_DENIED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def _override_hint(path: Path) -> str:
    """Which environment variable moves `path` elsewhere, if one does."""
    for name, folder in (("ASKSHOT_DATA_DIR", data_dir), ("ASKSHOT_CONFIG_DIR", config_dir)):
        mine = folder()
        if path == mine or mine in path.parents:
            return f", or set {name} to a folder you can write to"
    return ""


def file_system_error(path: Path, exc: OSError, what: str = "the folder") -> AppError:
    """An ENVIRONMENT error for an OSError on `path`: a sentence saying what to do."""
    reason = exc.strerror or str(exc)
    if exc.errno in _FULL:
        return AppError(
            ErrorKind.ENVIRONMENT,
            f"The disk holding {what} {path} is full ({reason}). Free some disk space, "
            "then try again.",
        )
    if exc.errno in _DENIED:
        return AppError(
            ErrorKind.ENVIRONMENT,
            f"AskShot is not allowed to write to {what} {path} ({reason}). Make it writable "
            f"for your user{_override_hint(path)}, then try again.",
        )
    if exc.errno == errno.EISDIR:
        return AppError(
            ErrorKind.ENVIRONMENT,
            f"{path} is a folder where AskShot expects a file. Move the folder away, "
            "then try again.",
        )
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return AppError(
            ErrorKind.ENVIRONMENT,
            f"Part of the path {path} is a file where AskShot expects a folder. Move that "
            f"file away{_override_hint(path)}, then try again.",
        )
    return AppError(
        ErrorKind.ENVIRONMENT,
        f"AskShot could not use {what} {path} ({reason}). Check that the disk is connected "
        f"and you can write there{_override_hint(path)}, then try again.",
    )


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by the owner only.

    Raises an ENVIRONMENT `AppError` when the folder cannot be made (read-only
    parent, full disk): the machine's fault, not a bug.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(path, 0o700)
    except OSError as exc:
        raise file_system_error(path, exc) from exc
    return path
