"""The image editor as a user drives it, alone and inside the window.

Edits are drawn with the mouse at fit-to-window zoom and checked in the
full-size pixels `apply_edits` makes; secrets are found by the real Tesseract
on text drawn with DejaVu Sans; the window sends to the fake server.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog

from desktop_app.context import Services
from desktop_app.core import ocr
from desktop_app.core.image_edits import apply_edits
from desktop_app.core.settings import load_settings
from desktop_app.ui.editor.dialog import ImageEditor
from desktop_app.ui.settings.dialog import SettingsDialog
from desktop_app.ui.window.main_window import MainWindow
from tests.openai_server import FakeOpenAI, decode_data_url
from tests.window_helpers import (  # noqa: F401 (fixtures)
    TIMEOUT_MS,
    ask,
    server_fixture,
    services_fixture,
    stream_threads_fixture,
    wait_ready,
    window_fixture,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FAKE_KEY = "sk-proj-Fake.Key0123456789abcdefABCDEF"
EMAIL = "jane.doe@example.com"
WHITE = (255, 255, 255)
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="needs tesseract (apt install tesseract-ocr)"
)


def plain(width: int = 1600, height: int = 1000) -> Image.Image:
    return Image.new("RGB", (width, height), WHITE)


def with_secrets() -> tuple[Image.Image, tuple[int, int, int, int], tuple[int, int, int, int]]:
    """A white image with an API key and an email address at known places (their boxes)."""
    image = Image.new("RGB", (1000, 300), WHITE)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 28)
    draw.text((40, 40), "Hello, the weather is nice today.", font=font, fill=(0, 0, 0))
    draw.text((40, 120), f"key: {FAKE_KEY}", font=font, fill=(0, 0, 0))
    draw.text((40, 200), f"mail {EMAIL}", font=font, fill=(0, 0, 0))
    key_left = 40 + round(draw.textlength("key: ", font=font))
    key_box = draw.textbbox((key_left, 120), FAKE_KEY, font=font)
    mail_left = 40 + round(draw.textlength("mail ", font=font))
    mail_box = draw.textbbox((mail_left, 200), EMAIL, font=font)
    return image, key_box, mail_box


def all_one_colour(image: Image.Image, colour: tuple[int, int, int]) -> bool:
    return image.convert("RGB").getextrema() == tuple((c, c) for c in colour)


def open_editor(qtbot, image: Image.Image) -> ImageEditor:
    editor = ImageEditor(image, "shot.png")
    qtbot.addWidget(editor)
    editor.resize(820, 620)  # smaller than the image: drawn at fit-to-window zoom
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()  # shortcuts reach the active window only
    qtbot.waitUntil(editor.isActiveWindow, timeout=TIMEOUT_MS)
    return editor


def widget_point(editor: ImageEditor, x: int, y: int) -> QPoint:
    return editor.canvas.to_widget(x, y).toPoint()


def drag(editor: ImageEditor, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Press, move and release the left button on the canvas, in image pixels."""
    canvas = editor.canvas
    a, b = widget_point(editor, *start), widget_point(editor, *end)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(canvas, (a + b) / 2)
    QTest.mouseMove(canvas, b)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def key(editor: ImageEditor, sequence: str) -> None:
    """Type a shortcut as the user would, into the focused editor."""
    from PySide6.QtGui import QKeySequence

    combo = QKeySequence(sequence)[0]
    QTest.keyClick(editor.canvas, combo.key(), combo.keyboardModifiers())


def near(box: tuple[int, int, int, int], expected: tuple[int, int, int, int], slack: int) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(box, expected, strict=True))


# -- the editor alone -------------------------------------------------------------------
def test_the_image_is_fitted_and_each_tool_lands_in_full_size_pixels(qtbot) -> None:
    image = plain()
    editor = open_editor(qtbot, image)
    assert editor.canvas.scale() < 0.6  # 1600 px wide in a ~800 px dialog
    slack = round(1 / editor.canvas.scale()) + 1  # one screen pixel in image pixels

    key(editor, "R")
    drag(editor, (100, 100), (400, 300))
    key(editor, "H")
    drag(editor, (600, 100), (900, 300))
    key(editor, "A")
    drag(editor, (100, 700), (700, 700))
    (redact, highlight, arrow) = editor.edits()
    assert (redact.kind, highlight.kind, arrow.kind) == ("redact", "highlight", "arrow")
    assert near(redact.box, (100, 100, 300, 200), slack)
    assert near(highlight.box, (600, 100, 300, 200), slack)
    assert near(arrow.box, (100, 700, 700, 700), slack)

    out = apply_edits(image, editor.edits())
    assert out.size == image.size
    assert out.getpixel((250, 200)) == (0, 0, 0)  # solid, not blurred
    highlighted = out.getpixel((750, 200))
    assert highlighted != WHITE and highlighted[2] < 200  # yellow-ish: blue goes down
    assert out.getpixel((400, 700)) != WHITE  # the arrow's shaft
    assert out.getpixel((1400, 900)) == WHITE  # untouched elsewhere


def test_a_label_and_a_crop(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    image = plain()
    editor = open_editor(qtbot, image)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Look", True)))
    key(editor, "T")
    drag(editor, (300, 400), (300, 400))  # a click
    (label,) = editor.edits()
    assert label.kind == "label" and label.text == "Look"
    key(editor, "C")
    drag(editor, (200, 300), (1000, 800))
    out = apply_edits(image, editor.edits())
    slack = round(1 / editor.canvas.scale()) + 1
    assert abs(out.width - 800) <= slack and abs(out.height - 500) <= slack
    # The label was drawn at (300, 400) in the full image: (100, 100) in the crop.
    region = out.crop((100, 100, 100 + label.box[2], 100 + label.box[3]))
    assert not all_one_colour(region, WHITE)


def test_undo_and_redo_with_the_keyboard(qtbot) -> None:
    editor = open_editor(qtbot, plain())
    drag(editor, (100, 100), (300, 300))
    drag(editor, (500, 500), (700, 700))
    assert len(editor.edits()) == 2
    key(editor, "Ctrl+Z")
    assert len(editor.edits()) == 1
    key(editor, "Ctrl+Z")
    assert editor.edits() == () and not editor.undo_action.isEnabled()
    key(editor, "Ctrl+Shift+Z")
    assert len(editor.edits()) == 1
    key(editor, "Ctrl+Y")
    assert len(editor.edits()) == 2 and not editor.redo_action.isEnabled()
    key(editor, "Ctrl+Z")
    drag(editor, (800, 100), (900, 200))  # a new edit drops what could be redone
    assert len(editor.edits()) == 2 and not editor.redo_action.isEnabled()


def test_tool_shortcuts_names_enter_and_escape(qtbot) -> None:
    editor = open_editor(qtbot, plain(400, 300))
    for shortcut, tool in (("C", "crop"), ("H", "highlight"), ("A", "arrow"), ("T", "text")):
        key(editor, shortcut)
        assert editor.tool() == {"text": "label"}.get(tool, tool)
    names = {
        editor.toolbar.widgetForAction(a).accessibleName() for a in editor.tool_actions.values()
    }
    assert names == {"Crop tool", "Redact tool", "Highlight tool", "Arrow tool", "Text tool"}
    with qtbot.waitSignal(editor.rejected, timeout=TIMEOUT_MS):
        key(editor, "Esc")

    again = open_editor(qtbot, plain(400, 300))
    drag(again, (10, 10), (100, 100))
    with qtbot.waitSignal(again.accepted, timeout=TIMEOUT_MS):
        QTest.keyClick(again, Qt.Key.Key_Return)
    assert len(again.edits()) == 1


def test_without_tesseract_the_finder_is_hidden_and_says_how_to_install(
    qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    editor = open_editor(qtbot, plain(400, 300))
    assert editor.find_button.isHidden() and editor.accept_button.isHidden()
    assert "Tesseract" in editor.status.text()
    assert ocr.install_hint() in editor.status.text()


@needs_tesseract
def test_find_secrets_then_accept_all_redacts_them(qtbot) -> None:
    image, key_box, mail_box = with_secrets()
    editor = open_editor(qtbot, image)
    key(editor, "F")
    assert editor.is_finding()  # off the GUI thread: the dialog still answers
    qtbot.waitUntil(lambda: not editor.is_finding(), timeout=30_000)
    proposals = editor.proposals()
    assert len(proposals) >= 2, editor.status.text()
    assert "email" in editor.status.text() and "key" in editor.status.text()
    assert editor.edits() == ()  # proposed, not applied

    key(editor, "Shift+R")
    assert editor.proposals() == ()
    assert [e.kind for e in editor.edits()] == ["redact"] * len(proposals)
    out = apply_edits(image, editor.edits())
    for box in (key_box, mail_box):
        assert all_one_colour(out.crop(box), (0, 0, 0)), box  # solid over the whole string
    assert out.crop((40, 40, 400, 80)).tobytes() == image.crop((40, 40, 400, 80)).tobytes()

    key(editor, "Ctrl+Z")  # undo brings the proposals back
    assert editor.edits() == () and len(editor.proposals()) == len(proposals)


# -- inside the window --------------------------------------------------------------------
def _edit_first_attachment(qtbot, window: MainWindow, box: tuple[int, int, int, int]) -> None:
    """Press E on the thumbnail, draw a redact box (image pixels), press Enter (Done)."""
    (att,) = window.composer.attachments()
    chip = window.composer.strip.chip(att.key)
    assert chip is not None
    chip.setFocus()
    QTest.keyClick(chip, Qt.Key.Key_E)
    editors = [w for w in QApplication.topLevelWidgets() if isinstance(w, ImageEditor)]
    (editor,) = [e for e in editors if e.isVisible()]
    qtbot.waitExposed(editor)
    key(editor, "R")
    drag(editor, box[:2], box[2:])
    QTest.keyClick(editor, Qt.Key.Key_Return)
    wait_ready(qtbot, window, 1)


def test_an_edited_attachment_is_what_the_server_gets_and_the_draft_keeps(
    qtbot, window: MainWindow, services: Services, server: FakeOpenAI, tmp_path: Path
) -> None:
    path = tmp_path / "plain.png"
    original = Image.new("RGB", (400, 300), (40, 160, 220))
    original.save(path)
    window.composer.attach_files([path])
    wait_ready(qtbot, window, 1)
    history = services.history()
    qtbot.waitUntil(lambda: history.draft(None) is not None, timeout=TIMEOUT_MS)
    (before,) = history.draft(None).images
    unedited = history.attachment_bytes(before.sha256)

    _edit_first_attachment(qtbot, window, (100, 50, 300, 250))
    (att,) = window.composer.attachments()
    assert att.prepared is not None and att.prepared.sha256 != before.sha256
    assert att.thumbnail is not None and att.thumbnail.pixelColor(40, 30).black() > 200

    # The unedited image left the history file at once; the edited one follows.
    rows = history._conn.execute(  # what is on disk, not what the API shows
        "SELECT count(*) FROM attachments WHERE sha256 = ?", (before.sha256,)
    ).fetchone()
    assert rows[0] == 0
    qtbot.waitUntil(lambda: bool(history.draft(None) and history.draft(None).images))
    assert history.draft(None).images[0].sha256 == att.prepared.sha256
    for file in (history.path, history.path.with_name(history.path.name + "-wal")):
        if file.exists():
            assert unedited[-2048:] not in file.read_bytes(), file

    ask(qtbot, window, "What is in the box?")
    (url,) = [p["image_url"]["url"] for p in server.requests[-1].parts("image_url")]
    sent = decode_data_url(url).convert("RGB")
    assert sent.size == (400, 300)
    assert sent.getpixel((200, 150)) == (0, 0, 0)
    assert sent.getpixel((20, 20)) == (40, 160, 220)  # unchanged outside the box


def test_settings_privacy_page_saves(qtbot, services: Services) -> None:
    assert services.settings.privacy_auto_redact is False
    dialog = SettingsDialog(services)
    qtbot.addWidget(dialog)
    page = dialog.privacy_page
    page.auto_check.setChecked(True)
    page.kind_checks["phone"].setChecked(False)
    assert dialog.apply()
    assert services.settings.privacy_auto_redact is True
    assert "phone" not in services.settings.privacy_kinds
    saved, _ = load_settings()
    assert saved.privacy_auto_redact is True and "phone" not in saved.privacy_kinds
    assert "email" in saved.privacy_kinds

    for check in page.kind_checks.values():
        check.setChecked(False)
    assert not dialog.apply()  # on, with nothing to look for: said, not saved
    assert "at least one kind" in dialog.error_note.text()


@needs_tesseract
def test_automatic_redaction_covers_secrets_before_the_image_is_prepared(
    qtbot, window: MainWindow, services: Services, server: FakeOpenAI, tmp_path: Path
) -> None:
    services.settings.privacy_auto_redact = True
    image, key_box, mail_box = with_secrets()
    path = tmp_path / "secrets.png"
    image.save(path)
    window.composer.attach_files([path])
    qtbot.waitUntil(
        lambda: window.composer.is_ready() and len(window.composer.attachments()) == 1,
        timeout=30_000,
    )
    (att,) = window.composer.attachments()
    chip = window.composer.strip.chip(att.key)
    assert chip is not None and "Redacted" in chip.caption()
    ask(qtbot, window, "What does it say?")
    (url,) = [p["image_url"]["url"] for p in server.requests[-1].parts("image_url")]
    sent = decode_data_url(url).convert("RGB")
    assert sent.size == image.size
    for box in (key_box, mail_box):
        assert all_one_colour(sent.crop(box), (0, 0, 0)), box
    assert sent.crop((40, 40, 400, 80)).tobytes() == image.crop((40, 40, 400, 80)).tobytes()


@needs_tesseract
def test_send_the_text_instead_of_the_image(
    qtbot, window: MainWindow, server: FakeOpenAI, tmp_path: Path
) -> None:
    image = Image.new("RGB", (1000, 200), WHITE)
    ImageDraw.Draw(image).text(
        (30, 60),
        "The build failed at step seven",
        font=ImageFont.truetype(str(FONT), 28),
        fill=(0, 0, 0),
    )
    path = tmp_path / "error.png"
    image.save(path)
    window.composer.attach_files([path])
    wait_ready(qtbot, window, 1)
    with_image = window.composer.estimate().tokens
    (att,) = window.composer.attachments()
    window.composer.strip.as_text_requested.emit(att.key, True)  # the chip menu's toggle
    qtbot.waitUntil(lambda: window.composer.is_ready() and att.text is not None, timeout=30_000)
    chip = window.composer.strip.chip(att.key)
    assert chip is not None and "saves" in chip.caption() and "tokens" in chip.caption()
    assert window.composer.estimate().tokens < with_image
    ask(qtbot, window, "Why?")
    request = server.requests[-1]
    assert request.images() == []
    assert "build failed" in str(request.body)
