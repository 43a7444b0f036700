"""Screenshots of the image editor for review: proposals from the finder, and drawn edits.

    python -m tests.editor_screenshots OUT.png [light|dark]

Run on a real X server (`Xvfb :95 …`, then `import -window root`) or offscreen
(the dialog grabs itself); again with QT_SCALE_FACTOR=2 for the HiDPI look.
Not a test: a person looks at the pictures.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QStyleFactory

from desktop_app.core.image_edits import Edit
from desktop_app.ui.editor.dialog import ImageEditor
from tests.dark_palette import dark_palette
from tests.test_editor import with_secrets


def main(out: str, theme: str = "light") -> None:
    app = QApplication(sys.argv[:1])
    app.setStyle(QStyleFactory.create("Fusion"))
    if theme == "dark":
        app.setPalette(dark_palette())
    image, _key, _mail = with_secrets()
    editor = ImageEditor(image, "settings-dialog.png")
    editor.add_edit(Edit("highlight", (36, 36, 520, 48)))
    editor.add_edit(Edit("arrow", (700, 60, 580, 60)))
    editor.show()
    editor.find_secrets()
    deadline = time.monotonic() + 30
    while editor.is_finding() and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    for _ in range(10):
        app.processEvents()
    editor.grab().save(out)
    editor.reject()


if __name__ == "__main__":
    main(*sys.argv[1:])
