"""The composer as a user drives it: typing, pasting, dropping, pricing, sending, restoring."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.core.spend import BudgetCheck, BudgetState
from desktop_app.ui.common.image_viewer import ImageViewer
from desktop_app.ui.composer import image_jobs
from desktop_app.ui.composer.widget import Composer
from tests.image_factory import BLUE, GREEN, RED, quadrants

# The offscreen platform warns whenever a window's size constraints change.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real image files: a 4K screenshot-sized PNG, a small PNG, a JPEG and a fake PNG."""
    folder = tmp_path_factory.mktemp("images")
    paths = {
        "4k": folder / "screen-4k.png",
        "small": folder / "small.png",
        "photo": folder / "photo.jpg",
        "garbage": folder / "x.png",
    }
    quadrants(3840, 2160).save(paths["4k"], compress_level=1)
    quadrants(400, 300).save(paths["small"])
    quadrants(640, 480).save(paths["photo"], quality=90)
    paths["garbage"].write_bytes(b"\x00\x01 definitely not a PNG " * 20)
    return paths


@pytest.fixture
def composer(qtbot) -> Iterator[Composer]:
    widget = Composer("gpt-4o-mini", detail="high")
    qtbot.addWidget(widget)
    widget.resize(760, 200)
    widget.show()
    qtbot.waitExposed(widget)
    widget.focus_question()
    yield widget
    widget.shutdown()


def wait_ready(qtbot, composer: Composer) -> None:
    qtbot.waitUntil(
        lambda: composer.is_ready() and composer.images.preparing() == 0, timeout=TIMEOUT_MS
    )


def captions(composer: Composer) -> list[str]:
    chips = [composer.strip.chip(att.key) for att in composer.attachments()]
    return [chip.caption() for chip in chips if chip is not None]


def qimage_of(image: Image.Image) -> QImage:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return QImage.fromData(buffer.getvalue())


# -- typing -----------------------------------------------------------------------------
def test_enter_sends_and_shift_enter_breaks_the_line(qtbot, composer: Composer) -> None:
    QTest.keyClicks(composer.edit, "first line")
    QTest.keyClick(composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClicks(composer.edit, "second line")
    assert composer.text() == "first line\nsecond line"

    with qtbot.waitSignal(composer.send_requested, timeout=1000):
        QTest.keyClick(composer.edit, Qt.Key.Key_Return)
    assert composer.text() == "first line\nsecond line"  # Enter inserted nothing

    with qtbot.waitSignal(composer.send_requested, timeout=1000):
        QTest.keyClick(composer.edit, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)


def test_enter_on_an_empty_question_sends_nothing(qtbot, composer: Composer) -> None:
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer.edit, Qt.Key.Key_Return)
    assert not composer.send_button.isEnabled()


def test_busy_turns_send_into_stop_and_esc_stops(qtbot, composer: Composer) -> None:
    QTest.keyClicks(composer.edit, "next question")
    composer.set_busy(True)
    assert composer.send_button.text() == "Stop"
    with qtbot.assertNotEmitted(composer.send_requested):
        QTest.keyClick(composer.edit, Qt.Key.Key_Return)
    with qtbot.waitSignal(composer.stop_requested, timeout=1000):
        QTest.keyClick(composer.edit, Qt.Key.Key_Escape)
    with qtbot.waitSignal(composer.stop_requested, timeout=1000):
        composer.send_button.click()
    composer.set_busy(False)
    assert composer.send_button.text() == "Send"
    assert composer.text() == "next question"


# -- pasting and dropping ---------------------------------------------------------------
def test_ctrl_v_pastes_clipboard_image_as_attachment(qtbot, composer: Composer) -> None:
    QTest.keyClicks(composer.edit, "what is this?")
    mime = QMimeData()
    mime.setImageData(qimage_of(quadrants(300, 200)))
    QGuiApplication.clipboard().setMimeData(mime)

    QTest.keyClick(composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    wait_ready(qtbot, composer)

    assert composer.text() == "what is this?"
    [att] = composer.attachments()
    assert att.name == "Pasted image"
    assert att.prepared is not None and att.prepared.original_size == (300, 200)
    sent = Image.open(io.BytesIO(att.prepared.data)).convert("RGB")
    assert sent.getpixel((10, 10)) == RED
    assert sent.getpixel((290, 10)) == GREEN
    assert sent.getpixel((10, 190)) == BLUE


def test_pasting_copied_image_files_attaches_them(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(files["small"])), QUrl.fromLocalFile(str(files["photo"]))])
    mime.setText(f"{files['small']}\n{files['photo']}")  # file managers add the paths as text
    composer.edit.insertFromMimeData(mime)
    wait_ready(qtbot, composer)

    assert [att.name for att in composer.attachments()] == ["small.png", "photo.jpg"]
    assert composer.text() == ""  # the paths were not pasted as text
    assert captions(composer) == ["400×300 · 8,500 tokens", "640×480 · 14,167 tokens"]


def test_pasting_text_inserts_plain_text(composer: Composer) -> None:
    mime = QMimeData()
    mime.setHtml("<p><b>Bold</b> words</p>")
    mime.setText("Bold words")
    assert composer.edit.canInsertFromMimeData(mime)
    composer.edit.insertFromMimeData(mime)
    assert composer.text() == "Bold words"
    assert composer.attachments() == []


def test_accept_mime_attaches_dropped_image_data_and_refuses_text(
    qtbot, composer: Composer
) -> None:
    text_only = QMimeData()
    text_only.setText("just words")
    assert not composer.can_accept_mime(text_only)
    assert composer.accept_mime(text_only) is False

    dropped = QMimeData()
    dropped.setImageData(qimage_of(quadrants(120, 80)))
    assert composer.can_accept_mime(dropped)
    assert composer.accept_mime(dropped) is True
    wait_ready(qtbot, composer)
    [att] = composer.attachments()
    assert att.prepared is not None and att.prepared.original_size == (120, 80)


def test_unreadable_file_shows_a_message_and_keeps_everything_else(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    QTest.keyClicks(composer.edit, "compare these")
    composer.attach_files([files["small"]])
    wait_ready(qtbot, composer)
    composer.attach_files([files["garbage"]])
    qtbot.waitUntil(lambda: "x.png" in composer.message(), timeout=TIMEOUT_MS)

    assert "is not an image AskShot can read" in composer.message()
    assert composer.error_notice.isVisible()
    assert composer.text() == "compare these"
    assert [att.name for att in composer.attachments()] == ["small.png"]

    assert composer.error_notice.close_button is not None
    composer.error_notice.close_button.click()
    assert composer.message() == ""

    composer.attach_files([files["garbage"]])
    qtbot.waitUntil(lambda: "x.png" in composer.message(), timeout=TIMEOUT_MS)
    composer.attach_files([files["photo"]])  # the next action that works retires it
    wait_ready(qtbot, composer)
    assert composer.message() == ""
    assert len(composer.attachments()) == 2


# -- cost -------------------------------------------------------------------------------
def test_detail_change_updates_the_estimate_at_once(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    composer.attach_files([files["4k"]])
    wait_ready(qtbot, composer)
    assert captions(composer) == ["1365×768 · 36,835 tokens"]
    assert composer.estimate().tokens == 36_835
    assert "36,835 tokens" in composer.estimate_label.text()

    composer.detail_combo.setCurrentIndex(composer.detail_combo.findData("low"))
    # At once, before any re-encoding finished:
    assert captions(composer)[0].endswith("512×288 · 2,833 tokens")
    assert composer.estimate().tokens == 2_833
    assert "2,833 tokens" in composer.estimate_label.text()

    wait_ready(qtbot, composer)
    [att] = composer.attachments()
    assert att.prepared is not None
    assert (att.prepared.sent_size, att.prepared.tokens, att.prepared.detail) == (
        (512, 288),
        2_833,
        "low",
    )
    assert Image.open(io.BytesIO(att.prepared.data)).size == (512, 288)

    qtbot.waitUntil(lambda: att.copy is not None, timeout=TIMEOUT_MS)
    assert att.copy is not None and att.copy.size == (2048, 1152)  # not the 4K original

    composer.set_detail("high")  # back up: prepared again from the kept copy, not the file
    wait_ready(qtbot, composer)
    [att] = composer.attachments()
    assert att.prepared is not None and att.prepared.sent_size == (1365, 768)
    assert att.prepared.original_size == (3840, 2160)


def test_model_change_reprices_images(qtbot, composer: Composer, files: dict[str, Path]) -> None:
    composer.attach_files([files["4k"]])
    wait_ready(qtbot, composer)
    composer.set_model("gpt-4o")
    assert captions(composer)[0].endswith("1365×768 · 1,105 tokens")
    composer.set_model("my-local-llava")
    assert "cost unknown" in captions(composer)[0]
    assert "unknown cost" in composer.estimate_label.text()


def test_budget_warning_appears_when_the_check_says_exceeded(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    seen: list[float | None] = []
    sentence = "This would pass the session budget of $0.01. Raise the budget in Settings."

    def check(cost: float | None) -> BudgetCheck:
        seen.append(cost)
        if cost is not None and cost > 0.001:
            return BudgetCheck(BudgetState.EXCEEDED, sentence)
        return BudgetCheck(BudgetState.OK, None)

    composer.set_budget_check(check)
    QTest.keyClicks(composer.edit, "hello")
    assert not composer.budget_notice.isVisible()

    composer.attach_files([files["4k"]])
    wait_ready(qtbot, composer)
    assert composer.budget_notice.isVisible()
    assert composer.budget_notice.text() == sentence
    assert seen[-1] == pytest.approx((36_835 + 2) * 0.15 / 1_000_000)

    composer.set_detail("low")  # 2,835 tokens cost less than the limit
    assert not composer.budget_notice.isVisible()


# -- attachments ------------------------------------------------------------------------
def test_remove_button_and_delete_key_remove_images(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    composer.attach_files([files["small"], files["photo"]])
    wait_ready(qtbot, composer)
    first, second = composer.attachments()

    chip = composer.strip.chip(first.key)
    assert chip is not None
    with qtbot.waitSignal(composer.attachments_changed, timeout=1000):
        chip.remove_button.click()
    assert [att.name for att in composer.attachments()] == ["photo.jpg"]

    chip = composer.strip.chip(second.key)
    assert chip is not None
    chip.setFocus()
    QTest.keyClick(chip, Qt.Key.Key_Delete)
    assert composer.attachments() == []
    assert not composer.strip.isVisible()


def test_clicking_a_thumbnail_opens_the_full_size_viewer(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    composer.attach_files([files["4k"]])
    wait_ready(qtbot, composer)
    [att] = composer.attachments()
    chip = composer.strip.chip(att.key)
    assert chip is not None and att.thumbnail is not None
    assert max(att.thumbnail.width(), att.thumbnail.height()) <= 160

    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)

    def viewers() -> list[ImageViewer]:  # after the double-click interval (a double-click edits)
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, ImageViewer)]

    qtbot.waitUntil(lambda: len(viewers()) == 1, timeout=TIMEOUT_MS)
    viewers = viewers()
    assert viewers[0].isVisible()
    viewer = viewers[0]
    assert "Original 3840×2160" in viewer.caption.text()
    viewer.fit_button.click()  # pixel for pixel: scrollable
    assert viewer.canvas.size() == viewer.canvas.actual_size()
    viewer.close()


def test_images_are_prepared_off_the_gui_thread(
    qtbot, composer: Composer, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[int] = []
    real = image_jobs.prepare_image

    def recording(*args: object, **kwargs: object) -> object:
        threads.append(threading.get_ident())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(image_jobs, "prepare_image", recording)
    composer.attach_files([files["small"]])
    assert composer.images.preparing() == 1
    chip = composer.strip.chip(composer.attachments()[0].key)
    assert chip is not None and chip.caption() == "Preparing…"
    wait_ready(qtbot, composer)
    assert threads and threading.get_ident() not in threads


def test_send_waits_for_images_still_preparing(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    QTest.keyClicks(composer.edit, "what changed?")
    composer.attach_files([files["4k"]])
    assert not composer.is_ready()
    with qtbot.waitSignal(composer.send_requested, timeout=TIMEOUT_MS):
        QTest.keyClick(composer.edit, Qt.Key.Key_Return)
        # Results arrive through the event loop, so the image cannot be ready yet.
        assert "sends when ready" in composer.estimate_label.text()
    question, images, detail = composer.take()
    assert question == "what changed?"
    assert [image.sent_size for image in images] == [(1365, 768)]
    assert detail == "high"


def test_esc_cancels_a_send_waiting_for_images(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    sent: list[bool] = []
    composer.send_requested.connect(lambda: sent.append(True))
    QTest.keyClicks(composer.edit, "never mind")
    composer.attach_files([files["4k"]])
    QTest.keyClick(composer.edit, Qt.Key.Key_Return)
    assert "sends when ready" in composer.estimate_label.text()
    QTest.keyClick(composer.edit, Qt.Key.Key_Escape)
    assert "sends when ready" not in composer.estimate_label.text()
    wait_ready(qtbot, composer)
    assert sent == []
    assert composer.text() == "never mind" and len(composer.attachments()) == 1


# -- take and restore -------------------------------------------------------------------
def test_take_and_restore_round_trip_exactly(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    question = "Line one\u00a0with a no-break space\n\n  indented line two "
    composer.set_text(question)
    composer.attach_files([files["small"], files["photo"]])
    wait_ready(qtbot, composer)

    taken_question, images, detail = composer.take()
    assert taken_question == question
    assert [image.name for image in images] == ["small.png", "photo.jpg"]
    assert composer.text() == "" and composer.attachments() == []

    composer.restore(taken_question, images)
    wait_ready(qtbot, composer)
    again_question, again_images, again_detail = composer.take()
    assert again_question == question
    assert again_detail == detail
    assert all(a is b for a, b in zip(again_images, images, strict=True))


def test_restore_rebuilds_thumbnails_from_prepared_bytes(
    qtbot, composer: Composer, files: dict[str, Path]
) -> None:
    other = Composer("gpt-4o-mini", detail="low")
    qtbot.addWidget(other)
    other.attach_files([files["photo"]])
    wait_ready(qtbot, other)
    _, images, _ = other.take()
    other.shutdown()

    composer.restore("about this photo", images)
    assert composer.detail() == "low"
    wait_ready(qtbot, composer)
    [att] = composer.attachments()
    assert att.thumbnail is not None and not att.thumbnail.isNull()
    assert att.prepared is images[0]
    assert composer.take()[1] == images


def test_restore_keeps_what_was_typed_since(composer: Composer) -> None:
    composer.set_text("a new thought")
    composer.restore("the failed question", [])
    assert composer.text() == "the failed question\n\na new thought"


def test_pasted_image_keeps_transparency(qtbot, composer: Composer) -> None:
    image = QImage(64, 48, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(0, 0, 0, 0))
    for x in range(32):
        for y in range(48):
            image.setPixelColor(x, y, QColor(200, 30, 40, 255))
    composer.attach_qimage(image, "capture")
    wait_ready(qtbot, composer)
    [att] = composer.attachments()
    assert att.prepared is not None and att.prepared.mime == "image/png"
    sent = Image.open(io.BytesIO(att.prepared.data)).convert("RGBA")
    assert sent.getpixel((5, 5)) == (200, 30, 40, 255)
    corner = sent.getpixel((60, 5))
    assert isinstance(corner, tuple) and corner[3] == 0
