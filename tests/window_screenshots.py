"""Screenshots of the real window for review, taken with `import -window root` on an X server.

    DISPLAY=:88 QT_QPA_PLATFORM=xcb python -m tests.window_screenshots OUT_DIR [light|dark]

Runs `app.run_window()` itself (tray, single instance and all) with a throw-away
profile and the fake OpenAI server in this process, and shoots: the first-run
panel (no key), a conversation with an image and a Markdown answer (code block,
list, table), a regenerated answer with its version pager, a question being
edited, the waiting indicator, an inline key error, and the Settings dialog. Run it again with
QT_SCALE_FACTOR=2 for the HiDPI look. Not a test: a person looks at the pictures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ANSWER = """The screenshot shows a **settings dialog** over a file list.

- The title bar reads *Settings*
- Three tabs: General, Network, Advanced
- A `FileNotFoundError` in the status line

| Field  | Value        |
|--------|--------------|
| Title  | Settings     |
| Size   | 1365×768     |
| Detail | auto (high)  |

To read the file the dialog complains about:

```python
from pathlib import Path


def load(path: str) -> bytes:
    \"\"\"Read the file, or say which one is missing.\"\"\"
    return Path(path).read_bytes()
```

Check that the path exists before opening it.
"""


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle(seconds: float = 0.4) -> None:
    """Let throttled renders and the X server catch up before a screenshot."""
    deadline = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() > deadline)


def main(out: Path, theme: str) -> int:
    home = Path(tempfile.mkdtemp(prefix="askshot-window-shots-"))
    os.environ["ASKSHOT_CONFIG_DIR"] = str(home / "config")
    os.environ["ASKSHOT_DATA_DIR"] = str(home / "data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
    os.environ.pop("OPENAI_API_KEY", None)
    out.mkdir(parents=True, exist_ok=True)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    suffix = f"{theme}{'' if scale == '1' else '@' + scale + 'x'}"

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QStyleFactory

    from desktop_app import app as askshot
    from desktop_app.ui.settings.dialog import SettingsDialog
    from desktop_app.ui.window.application import create_application
    from desktop_app.ui.window.main_window import MainWindow
    from tests.dark_palette import dark_palette
    from tests.image_factory import screenshot
    from tests.openai_server import FakeOpenAI, Scenario

    fake = FakeOpenAI()
    os.environ["OPENAI_BASE_URL"] = fake.base_url
    image = home / "screen.png"
    screenshot(1920, 1080).save(image)
    qapp = create_application()
    if theme == "dark":
        qapp.setStyle(QStyleFactory.create("Fusion"))
        qapp.setPalette(dark_palette())  # type: ignore[arg-type]

    def shoot(name: str) -> None:
        settle()
        path = out / f"window-{name}-{suffix}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=30)
        print(path)

    def script() -> None:
        try:
            window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
            screen = window.screen().availableGeometry()
            window.move(screen.topLeft())
            window.resize(min(1100, screen.width()), min(760, screen.height()))
            shoot("first-run")
            window._services.secrets.set("OpenAI", "sk-proj-Scre.nshotKey0000000000000000000000Aa1")
            window._apply_profile()  # what closing Settings with a new key does

            window.composer.attach_files([image])
            wait_until(lambda: window.composer.is_ready() and bool(window.composer.attachments()))
            fake.push(Scenario(text=ANSWER, usage=(36_862, 212, 0)))
            window.composer.set_text("What does this dialog say, and how do I fix it?")
            window.composer.send_button.click()
            wait_until(lambda: not window.controller.busy)
            shoot("answer")

            # Ctrl+R: a new version; the pager under the answer pages back to the first.
            fake.push(Scenario(text="In short: a **settings dialog** with a missing file."))
            window.controller.regenerate_last()
            wait_until(lambda: not window.controller.busy)
            shoot("versions")

            # Ctrl+Shift+E: the last question comes back to be rewritten; nothing is deleted.
            window.controller.edit_last_question()
            shoot("edit")
            window.controller.cancel_edit()
            window.composer.take()

            # The waiting indicator before the first token.
            fake.push(Scenario(text="Slow answer.", chunks=2, delay=3.0))
            window.composer.set_text("Anything slow?")
            window.composer.send_button.click()
            settle(1.2)
            shoot("waiting")
            window.controller.stop()
            wait_until(lambda: not window.controller.busy)

            fake.push("invalid_api_key")
            window.composer.set_text("And the second tab?")
            window.composer.send_button.click()
            wait_until(lambda: not window.controller.busy)
            shoot("error")

            def shoot_dialog() -> None:
                dialog = QApplication.activeModalWidget()
                if isinstance(dialog, SettingsDialog):
                    dialog.move(screen.topLeft())
                    shoot("settings")
                    dialog.reject()

            QTimer.singleShot(300, shoot_dialog)
            window.settings_action.trigger()  # Ctrl+,
        finally:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, MainWindow):
                    widget.close()
            qapp.quit()

    QTimer.singleShot(500, script)
    try:
        return askshot.run_window()
    finally:
        fake.close()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "light"))
