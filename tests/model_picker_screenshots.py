"""Screenshots of the model picker for review, taken with `import -window root` on an X server.

    DISPLAY=:93 QT_QPA_PLATFORM=xcb python -m tests.model_picker_screenshots OUT_DIR [light|dark]

Opens the real window against the fake server serving an OpenRouter-style
catalogue, opens the picker from the status bar, and shoots: the full list, a
filtered list, the status bar after picking a text-only model with an image
attached, a server without /models, and the picker from Settings. Run it again
with QT_SCALE_FACTOR=2 for the HiDPI look. Not a test: a person looks at the pictures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.window_screenshots import settle, wait_until


def main(out: Path, theme: str) -> int:
    home = Path(tempfile.mkdtemp(prefix="askshot-picker-shots-"))
    os.environ["ASKSHOT_CONFIG_DIR"] = str(home / "config")
    os.environ["ASKSHOT_DATA_DIR"] = str(home / "data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
    os.environ["OPENAI_API_KEY"] = "sk-proj-Scre.nshotKey0000000000000000000000Aa1"
    out.mkdir(parents=True, exist_ok=True)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    suffix = f"{theme}{'' if scale == '1' else '@' + scale + 'x'}"

    from PySide6.QtWidgets import QApplication, QStyleFactory

    from desktop_app.context import Services
    from desktop_app.ui.common import model_picker
    from desktop_app.ui.common.model_picker import ModelPicker
    from desktop_app.ui.settings.dialog import SettingsDialog
    from desktop_app.ui.window.application import create_application
    from desktop_app.ui.window.main_window import MainWindow
    from tests.dark_palette import dark_palette
    from tests.image_factory import screenshot
    from tests.openai_server import FakeOpenAI

    fake = FakeOpenAI(catalogue="openrouter")
    os.environ["OPENAI_BASE_URL"] = fake.base_url
    image = home / "screen.png"
    screenshot(1280, 720).save(image)
    qapp = create_application()
    if theme == "dark":
        qapp.setStyle(QStyleFactory.create("Fusion"))
        qapp.setPalette(dark_palette())  # type: ignore[arg-type]

    def shoot(name: str) -> None:
        settle()
        path = out / f"picker-{name}-{suffix}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=30)
        print(path)

    def picker_of(parent: QApplication | object) -> ModelPicker:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, ModelPicker)]
        visible = [w for w in found if w.isVisible()]
        assert visible, "no picker is open"
        return visible[-1]

    services = Services()
    window = MainWindow(services)
    try:
        screen = window.screen().availableGeometry()
        window.move(screen.topLeft())
        window.resize(min(1100, screen.width()), min(760, screen.height()))
        window.show()
        wait_until(window.isVisible)

        window.open_model_picker()
        picker = picker_of(window)
        wait_until(lambda: not picker.is_fetching())
        shoot("list")
        picker.search.setText("open")
        shoot("filtered")
        picker.search.setText("llama")
        window.composer.attach_files([image])
        wait_until(lambda: window.composer.is_ready() and bool(window.composer.attachments()))
        picker.choose()
        window.composer.set_text("What does this say?")
        shoot("text-only-picked")

        fake.catalogue = "missing"
        window.open_model_picker()
        picker = picker_of(window)
        wait_until(lambda: not picker.is_fetching())
        picker.search.setText("llava:13b")
        shoot("no-models")
        picker.reject()

        fake.catalogue = "openrouter"
        dialog = SettingsDialog(services, window)
        dialog.move(screen.topLeft())
        dialog.show()
        wait_until(dialog.isVisible)
        dialog.providers_page.select("OpenAI")
        dialog.providers_page.choose_model_button.click()
        picker = picker_of(dialog)
        wait_until(lambda: not picker.is_fetching())
        shoot("settings")
        picker.reject()
        dialog.reject()
    finally:
        model_picker.wait_for_pending(10_000)
        window.controller.shutdown()
        window.composer.shutdown()
        window.close()
        services.close()
        fake.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "light"))
