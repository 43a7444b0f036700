"""A capture accepted with E in the overlay: edit it first, attach only the result.

The unedited pixels are never attached, so they never reach the draft, the
history or the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from desktop_app.core.image_edits import apply_edits
from desktop_app.core.privacy import KINDS
from desktop_app.ui.common.qt_images import pil_to_qimage, qimage_to_pil
from desktop_app.ui.editor.dialog import ImageEditor

NAME = "Screen capture"


def edit_capture(
    image: QImage,
    attach: object,
    *,
    kinds: Sequence[str] = KINDS,
    parent: QWidget | None = None,
) -> ImageEditor:
    """Open the editor on a capture; Done calls `attach(edited QImage, name)`, Esc drops it."""
    pixels = qimage_to_pil(image)
    editor = ImageEditor(pixels, NAME, kinds=kinds, parent=parent)
    editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    editor.accepted.connect(partial(_attach_edited, editor, pixels, attach))
    editor.open()
    return editor


def _attach_edited(editor: ImageEditor, pixels: Image.Image, attach: object) -> None:
    edited = apply_edits(pixels, editor.edits())
    attach(pil_to_qimage(edited), NAME)  # type: ignore[operator]
