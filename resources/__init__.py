"""AskShot's data files (icon, .desktop entry), installed as `desktop_app.resources`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(name: str) -> Path:
    """The path of a bundled file; works from a checkout, a wheel and a PyInstaller build."""
    return Path(str(files(__name__) / name))
