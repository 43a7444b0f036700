"""Screenshots of the composer for review: two images, an inline error, a budget warning.

    QT_QPA_PLATFORM=offscreen python -m tests.composer_screenshots OUT_DIR [light|dark]

Run it again with QT_SCALE_FACTOR=2 for the HiDPI look. Not a test: a person
looks at the pictures.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QStyleFactory, QVBoxLayout, QWidget

from desktop_app.core.spend import BudgetCheck, BudgetState
from desktop_app.ui.composer.widget import Composer
from tests.dark_palette import dark_palette
from tests.image_factory import screenshot


def photo(width: int = 1600, height: int = 1200) -> object:
    from PIL import Image

    red = Image.linear_gradient("L").resize((width, height))
    blue = Image.radial_gradient("L").resize((width, height))
    green = Image.effect_noise((width, height), 30)
    return Image.merge("RGB", (red, green, blue))


def wait_until_ready(app: QApplication, composer: Composer) -> None:
    deadline = time.monotonic() + 20
    while (not composer.is_ready() or composer.images.preparing()) and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    for _ in range(5):
        app.processEvents()


def main(out: Path, theme: str) -> None:
    app = QApplication(sys.argv[:1])
    app.setStyle(QStyleFactory.create("Fusion"))
    if theme == "dark":
        app.setPalette(dark_palette())
    out.mkdir(parents=True, exist_ok=True)
    shot, pic, bad = out / "settings-dialog.png", out / "holiday.jpg", out / "notes.png"
    screenshot().save(shot)
    photo().save(pic, quality=90)  # type: ignore[attr-defined]
    bad.write_bytes(b"this is not an image")

    def over_budget(cost: float | None) -> BudgetCheck:
        return BudgetCheck(
            BudgetState.EXCEEDED,
            "This would pass the session budget of $0.50 ($0.4981 spent so far). "
            "Raise the budget in Settings or send anyway.",
        )

    window = QWidget()
    layout = QVBoxLayout(window)
    composer = Composer("gpt-4o-mini", detail="high", budget_check=over_budget)
    layout.addWidget(composer)
    window.resize(760, 10)
    window.show()
    composer.attach_files([shot, pic, bad])
    composer.set_text("Why does the Save button stay greyed out in this dialog?")
    composer.focus_question()
    wait_until_ready(app, composer)
    window.adjustSize()
    window.resize(760, window.sizeHint().height())
    app.processEvents()
    scale = "2x" if app.devicePixelRatio() > 1 else "1x"
    target = out / f"composer-{theme}-{scale}.png"
    window.grab().save(str(target))
    print(target, composer.estimate().text, composer.message(), sep="\n")
    composer.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "light")
