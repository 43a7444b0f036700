"""Screenshots of the Settings dialog for review, every page and the notable states.

    QT_QPA_PLATFORM=offscreen python -m tests.settings_screenshots OUT_DIR [light|dark]

Run it again with QT_SCALE_FACTOR=2 for the HiDPI look. It uses a throw-away
config folder and an in-memory keyring, types a key and saves it, and exits
with status 1 if that key's text shows up in any widget. Not a test: a person
looks at the pictures.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

KEY = "sk-proj.ScreenshotKeyThatMustNeverShow0123WXYZ"  # fake


def key_visible(dialog: object) -> bool:
    """Whether the key's text is readable anywhere (a password field's bullets are fine)."""
    from PySide6.QtWidgets import QLineEdit, QWidget

    for widget in dialog.findChildren(QWidget):  # type: ignore[attr-defined]
        hidden = isinstance(widget, QLineEdit) and widget.echoMode() == QLineEdit.EchoMode.Password
        for getter in ("text", "placeholderText", "toolTip", "toPlainText", "windowTitle"):
            value = getattr(widget, getter, None)
            if getter == "text" and hidden:
                continue
            if callable(value) and KEY in str(value()):
                return True
    return False


def main(out: Path, theme: str) -> int:
    home = Path(tempfile.mkdtemp(prefix="askshot-shots-"))
    os.environ["ASKSHOT_CONFIG_DIR"] = str(home / "config")
    os.environ["ASKSHOT_DATA_DIR"] = str(home / "data")
    os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
    os.environ.pop("OPENAI_API_KEY", None)

    from keyring.backends.fail import Keyring as FailKeyring
    from PySide6.QtWidgets import QApplication, QStyleFactory

    from desktop_app.context import Services
    from desktop_app.core.secrets import SecretStore
    from desktop_app.ui.settings.dialog import SettingsDialog
    from tests.dark_palette import dark_palette

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle(QStyleFactory.create("Fusion"))
    if theme == "dark":
        app.setPalette(dark_palette())
    out.mkdir(parents=True, exist_ok=True)
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    suffix = f"{theme}{'' if scale == '1' else '@' + scale + 'x'}"
    leaked = False

    def shoot(dialog: SettingsDialog, name: str) -> None:
        nonlocal leaked
        app.processEvents()
        dialog.grab().save(str(out / f"settings-{name}-{suffix}.png"))
        leaked = leaked or key_visible(dialog)

    services = Services()
    services.settings.session_budget_usd = 2.0
    services.settings.price_overrides = {
        "openai/gpt-4o-mini": {"input": 0.15, "cached_input": 0.075, "output": 0.6},
        "llava": {"input": 0.0, "output": 0.0},
    }
    services.settings.max_output_tokens = 2048
    dialog = SettingsDialog(services)
    dialog.show()
    page = dialog.providers_page
    page.key_box.key_edit.setText(KEY)  # typed, then saved: the field must be empty after
    page.key_box.key_edit.textEdited.emit(KEY)
    shoot(dialog, "providers-typing")
    dialog.apply()
    shoot(dialog, "providers-saved")
    page.select("Gate.AI")
    shoot(dialog, "providers-gateai")
    page.add_button.click()
    page.name_edit.setText("Office proxy")
    page.name_edit.textEdited.emit("Office proxy")
    page.url_edit.setText("http://10.0.0.5:8080/v1")
    page.url_edit.textEdited.emit("http://10.0.0.5:8080/v1")
    shoot(dialog, "providers-custom-http")
    dialog.tabs.setCurrentIndex(1)
    shoot(dialog, "general")
    dialog.tabs.setCurrentIndex(2)
    row = dialog.budgets_page.prices.add_row("gpt-4o", {"output": 12.0})
    row.update_placeholders()
    shoot(dialog, "budgets")
    dialog.reject()

    services.secrets = SecretStore(backend=FailKeyring())
    dialog = SettingsDialog(services)
    dialog.show()
    dialog.providers_page.select("OpenRouter")
    box = dialog.providers_page.key_box
    box.key_edit.setText(KEY)
    box.key_edit.textEdited.emit(KEY)
    dialog.apply()  # fails: no keyring; the dialog says so and offers the session key
    shoot(dialog, "providers-no-keyring")
    dialog.reject()
    if leaked:
        print("the key was visible in a widget", file=sys.stderr)
    return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "light"))
