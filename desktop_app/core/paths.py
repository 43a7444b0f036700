"""Per-user folders for settings and history.

`ASKSHOT_CONFIG_DIR` and `ASKSHOT_DATA_DIR` override the platform folders so a
test or a throw-away profile never touches the real user's files.
"""

from __future__ import annotations

import os
from pathlib import Path

from desktop_app import APP_ID


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


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path
