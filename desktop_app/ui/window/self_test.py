"""`askshot --self-test`: prove an installed copy has everything it needs.

Used on packaged builds, where a missing Qt plugin or data file only shows up
at run time. Prints one line per check and exits 0 when all required ones pass.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

Check = tuple[str, Callable[[], str], bool]  # name, check returning a detail, required


def _resources() -> str:
    from desktop_app.resources import resource_path

    names = ("askshot.svg", "askshot.desktop")
    missing = [n for n in names if not resource_path(n).is_file()]
    if missing:
        raise RuntimeError(f"missing {', '.join(missing)}")
    return ", ".join(names)


def _icon() -> str:
    from PySide6.QtSvg import QSvgRenderer

    from desktop_app.resources import resource_path
    from desktop_app.ui.common.icons import app_icon

    renderer = QSvgRenderer(str(resource_path("askshot.svg")))
    if not renderer.isValid():
        raise RuntimeError("the SVG icon does not render")
    pixmap = app_icon().pixmap(64, 64)
    if pixmap.isNull():
        raise RuntimeError("the app icon is empty")
    return "SVG renders, 64 px icon"


def _image_formats() -> str:
    from PySide6.QtGui import QImageReader

    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    needed = {"png", "jpg", "gif", "bmp", "svg"}
    missing = needed - formats
    if missing:
        raise RuntimeError(f"Qt image plugins missing: {', '.join(sorted(missing))}")
    return ", ".join(sorted(formats & (needed | {"webp", "tiff"})))


def _platform() -> str:
    app = QGuiApplication.instance()
    name = app.platformName() if isinstance(app, QGuiApplication) else "?"
    return f"platform plugin {name}"


def _modules() -> str:
    names = ("openai", "keyring", "PIL.Image", "markdown_it", "pygments", "platformdirs")
    for name in names:
        importlib.import_module(name)
    import PySide6.QtDBus
    import PySide6.QtNetwork  # noqa: F401

    return ", ".join(names) + ", QtNetwork, QtDBus"


def _sqlite() -> str:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    finally:
        connection.close()
    return f"SQLite {sqlite3.sqlite_version} with FTS5"


def _keyring() -> str:
    from desktop_app.core.secrets import SecretStore

    store = SecretStore()
    status = store.status("OpenAI")
    detail = status.backend
    if status.problem:
        detail += f" (not usable here: {status.problem})"
    return detail


def _window() -> str:
    """Build the real window on a throw-away profile: the user's files stay untouched."""
    import os
    import tempfile

    from desktop_app.context import Services
    from desktop_app.ui.window.main_window import MainWindow

    saved = {k: os.environ.get(k) for k in ("ASKSHOT_CONFIG_DIR", "ASKSHOT_DATA_DIR")}
    with tempfile.TemporaryDirectory(prefix="askshot-self-test-") as folder:
        os.environ["ASKSHOT_CONFIG_DIR"] = os.path.join(folder, "config")
        os.environ["ASKSHOT_DATA_DIR"] = os.path.join(folder, "data")
        try:
            services = Services()
            window = MainWindow(services)
            window.show()
            QApplication.processEvents()
            window.close()
            services.close()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return "main window builds and shows"


CHECKS: list[Check] = [
    ("resources", _resources, True),
    ("icon", _icon, True),
    ("Qt platform", _platform, True),
    ("image formats", _image_formats, True),
    ("modules", _modules, True),
    ("history database", _sqlite, True),
    ("keyring backend", _keyring, False),
    ("window", _window, True),
]


def run_self_test(app: QApplication) -> int:
    from desktop_app import __version__

    print(f"AskShot {__version__} self-test (Python {sys.version.split()[0]})")
    failures = 0
    for name, check, required in CHECKS:
        try:
            detail = check()
            print(f"  ok    {name}: {detail}")
        except Exception as exc:
            mark = "FAIL" if required else "warn"
            failures += required
            print(f"  {mark}  {name}: {exc}")
    print("self-test passed" if not failures else f"self-test failed: {failures} check(s)")
    app.processEvents()
    return 0 if not failures else 1
