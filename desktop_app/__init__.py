"""AskShot: ask a vision model about a screenshot."""

from __future__ import annotations

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("askshot")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0+unknown"

APP_NAME = "AskShot"
APP_ID = "askshot"
