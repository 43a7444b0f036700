"""AskShot: ask a vision model about a screenshot."""

from __future__ import annotations

APP_NAME = "AskShot"
APP_ID = "askshot"


def __getattr__(name: str) -> str:
    """`__version__` on first use: importlib.metadata costs ~40 ms of start-up."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("askshot")
    except PackageNotFoundError:  # running from a checkout that is not installed
        value = "0.0.0+unknown"
    globals()["__version__"] = value
    return value
