"""The image editor dialog: the tools, undo/redo, the secret finder, Done and Cancel.

The dialog only collects edits (boxes in full-size pixels); whoever opened it
applies them with `core.image_edits.apply_edits` (on a worker) after Done.

    editor = ImageEditor(image, "shot.png", parent=window)
    editor.accepted.connect(...)  # then editor.edits()
    editor.open()
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PIL import Image
from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core import ocr
from desktop_app.core.image_edits import Edit
from desktop_app.core.privacy import KINDS
from desktop_app.ui.common.qt_images import pil_to_qimage
from desktop_app.ui.common.screen_fit import fit_to_screen
from desktop_app.ui.common.workers import Worker
from desktop_app.ui.editor.canvas import EditorCanvas, label_box
from desktop_app.ui.editor.finder import (
    as_redactions,
    describe,
    find_redactions,
    install_sentence,
)
from desktop_app.ui.editor.stack import EditStack

# tool, button text, shortcut, what it does (the tooltip and accessible description)
TOOL_ACTIONS = (
    ("crop", "&Crop", "C", "Drag to keep only part of the image"),
    ("redact", "&Redact", "R", "Drag a box to cover with solid black"),
    ("highlight", "&Highlight", "H", "Drag a box to highlight in yellow"),
    ("arrow", "&Arrow", "A", "Drag from the tail to the tip of an arrow"),
    ("label", "&Text", "T", "Click where a text label goes"),
)
ACCEPT_ALL_KEY = "Shift+R"
FIND_KEY = "F"


class ImageEditor(QDialog):
    """Edits one image; `edits()` holds the result once the dialog is accepted (Done).

    Esc cancels (nothing changes), Enter is Done. Finding secrets runs OCR on a
    worker thread and shows dashed proposals; Shift+R accepts them all.
    """

    def __init__(
        self,
        image: Image.Image,
        name: str,
        *,
        kinds: Sequence[str] = KINDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Edit {name}")
        self.setObjectName("imageEditor")
        self._image = image
        self._kinds = tuple(kinds)
        self._stack = EditStack()
        self._worker: Worker | None = None
        self.canvas = EditorCanvas(pil_to_qimage(image))
        self.canvas.drawn.connect(self._on_canvas_drawn)
        self.canvas.label_requested.connect(self._on_canvas_label_requested)
        self._build_toolbar()
        self._build_bottom()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(self._finder_row)
        layout.addWidget(self.buttons)
        self.set_tool("redact")
        self._refresh()
        self._size_to_image()

    # -- construction ------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar("Tools")
        self.toolbar.setAccessibleName("Editing tools")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.tool_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for tool, text, key, tip in TOOL_ACTIONS:
            action = QAction(text, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{tip} ({key})")
            action.triggered.connect(partial(self.set_tool, tool))
            group.addAction(action)
            self.toolbar.addAction(action)
            self._name_button(action, f"{text.replace('&', '')} tool", tip)
            self.tool_actions[tool] = action
        self.toolbar.addSeparator()
        self.undo_action = self._command("&Undo", QKeySequence.StandardKey.Undo, self.undo)
        self.redo_action = self._command("Re&do", "Ctrl+Shift+Z", self.redo)
        QShortcut(QKeySequence("Ctrl+Y"), self, self.redo)

    def _command(self, text: str, key: QKeySequence.StandardKey | str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        shown = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{text.replace('&', '')} ({shown})")
        action.triggered.connect(slot)
        self.toolbar.addAction(action)
        self._name_button(action, text.replace("&", ""), action.toolTip())
        return action

    def _name_button(self, action: QAction, name: str, description: str) -> None:
        button = self.toolbar.widgetForAction(action)
        if button is not None:
            button.setAccessibleName(name)
            button.setAccessibleDescription(description)

    def _build_bottom(self) -> None:
        self.find_button = QPushButton("&Find secrets")
        self.find_button.setToolTip(
            f"Read the text in the image on this computer and propose boxes over "
            f"email addresses, keys, card numbers and the like ({FIND_KEY})"
        )
        self.find_button.setAccessibleName("Find secrets")
        self.find_button.setAutoDefault(False)
        self.find_button.clicked.connect(self.find_secrets)
        self.accept_button = QPushButton("Accept a&ll")
        self.accept_button.setToolTip(f"Redact every proposed box ({ACCEPT_ALL_KEY})")
        self.accept_button.setAccessibleName("Accept all proposed redactions")
        self.accept_button.setAutoDefault(False)
        self.accept_button.clicked.connect(self.accept_all)
        QShortcut(QKeySequence(FIND_KEY), self, self.find_secrets)
        QShortcut(QKeySequence(ACCEPT_ALL_KEY), self, self.accept_all)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if not ocr.available():
            self.find_button.hide()
            self.accept_button.hide()
            self.status.setText(f"Finding secrets needs Tesseract. {install_sentence()}.")
        self._finder_row = QHBoxLayout()
        self._finder_row.addWidget(self.find_button)
        self._finder_row.addWidget(self.accept_button)
        self._finder_row.addWidget(self.status, 1)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        for button in self.buttons.buttons():
            button.setIcon(QIcon())  # the style's bitmap icons blur at 200%
        self.done_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.done_button.setText("Done")
        self.done_button.setToolTip("Use the edited image (Enter)")
        self.done_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setToolTip(
            "Leave the image as it was (Esc)"
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _size_to_image(self) -> None:
        hint = self.canvas.sizeHint() + QSize(16, 120)
        self.resize(max(560, hint.width()), max(400, hint.height()))
        fit_to_screen(self)

    # -- what the user does ------------------------------------------------------------
    def edits(self) -> tuple[Edit, ...]:
        """The edits in full-size pixels, in the order they were made (a crop at most once)."""
        return self._stack.edits

    def proposals(self) -> tuple[Edit, ...]:
        return self._stack.proposals

    def tool(self) -> str:
        return self.canvas.tool

    @Slot()
    def set_tool(self, tool: str) -> None:
        self.canvas.tool = tool
        self.tool_actions[tool].setChecked(True)

    def add_edit(self, edit: Edit) -> None:
        self._stack.add(edit)
        self._refresh()

    @Slot()
    def undo(self) -> None:
        if self._stack.undo():
            self._refresh()

    @Slot()
    def redo(self) -> None:
        if self._stack.redo():
            self._refresh()

    @Slot()
    def accept_all(self) -> None:
        count = self._stack.accept_proposals()
        if count:
            noun = "box" if count == 1 else "boxes"
            self.status.setText(f"Redacted {count} {noun}. Ctrl+Z brings them back as proposals.")
            self._refresh()

    @Slot()
    def find_secrets(self) -> None:
        """Run OCR and the finder on a worker; the proposals appear when it returns."""
        if self._worker is not None or not self.find_button.isVisible():
            return
        self.find_button.setEnabled(False)
        self.status.setText("Reading the text in the image…")
        worker = Worker(partial(find_redactions, self._image, self._kinds), name="editor-ocr")
        worker.returned.connect(self._on_worker_returned)
        worker.errored.connect(self._on_worker_errored)
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        worker.start()

    def is_finding(self) -> bool:
        return self._worker is not None

    def done(self, result: int) -> None:
        """Closing waits for a running OCR (it cannot be interrupted; it takes seconds)."""
        if self._worker is not None:
            self._worker.stop(None)
            self._worker = None
        super().done(result)

    # -- internals ---------------------------------------------------------------------
    def _refresh(self) -> None:
        self.canvas.show_state(self._stack.edits, self._stack.proposals)
        self.undo_action.setEnabled(self._stack.can_undo())
        self.redo_action.setEnabled(self._stack.can_redo())
        self.accept_button.setEnabled(bool(self._stack.proposals))

    @Slot(str, object)
    def _on_canvas_drawn(self, tool: str, box: tuple[int, int, int, int]) -> None:
        self.add_edit(Edit(tool, box))

    @Slot(int, int)
    def _on_canvas_label_requested(self, x: int, y: int) -> None:
        text, ok = QInputDialog.getText(self, "Text label", "Label text:")
        text = text.strip()
        if ok and text:
            self.add_edit(Edit("label", label_box(x, y, text, self._image.height), text))

    @Slot(object)
    def _on_worker_returned(self, findings: object) -> None:
        if self._worker is None or not isinstance(findings, list):
            return
        if not findings:
            self.status.setText("No secrets found. Check the image yourself before sending.")
            return
        self._stack.propose(as_redactions(findings))
        self.status.setText(
            f"Found {describe(findings)}. {ACCEPT_ALL_KEY} or “Accept all” redacts them."
        )
        self._refresh()

    @Slot(object)
    def _on_worker_errored(self, error: object) -> None:
        if self._worker is not None:
            message = getattr(error, "message", None) or f"Reading the text failed ({error})."
            self.status.setText(message)

    @Slot()
    def _on_worker_finished(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.wait()
        self.find_button.setEnabled(True)
