"""The chat view as a user meets it: streaming answers, following the stream, copying,
links, thumbnails and errors (offscreen Qt, real widgets, real clipboard)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QGuiApplication,
    QImage,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.core.markdown_blocks import split_pieces
from desktop_app.core.markdown_html import render_markdown
from desktop_app.ui.chat.view import AnswerWidget, ChatView
from desktop_app.ui.markdown.browser import MarkdownBrowser
from tests.window_helpers import anchor_rect

CODE = 'def area(r):\n    """Circle area."""\n    return 3.14159 * r * r  # close enough\n'


def long_answer(tokens: int, seed: int = 3) -> str:
    """About `tokens` tokens (4 chars each) of prose, lists, code, tables and quotes."""
    rnd = random.Random(seed)
    words = ("screen", "model", "answer", "token", "render", "block", "image", "cost", "view")

    def sentence(n: int) -> str:
        return " ".join(rnd.choice(words) for _ in range(n)).capitalize() + "."

    parts: list[str] = []
    section = 0
    while sum(map(len, parts)) < tokens * 4:
        section += 1
        parts += [
            f"## Part {section}\n\n",
            f"{sentence(12)} Use `run()` and **care**. {sentence(9)}\n{sentence(7)}\n\n",
            f"- {sentence(5)}\n  - {sentence(3)}\n- {sentence(6)}\n\n",
            f"```python\n{CODE}\n# step {section}\n```\n\n",
            f"1. {sentence(4)}\n\n2. {sentence(5)}\n\n   {sentence(6)}\n\n",
            f"| k | v |\n|---|--:|\n| a{section} | {section} |\n\n> {sentence(8)}\n\n",
        ]
    return "".join(parts)


@pytest.fixture
def view(qtbot: QtBot) -> ChatView:
    chat = ChatView()
    qtbot.addWidget(chat)
    chat.resize(640, 420)
    chat.show()
    qtbot.waitExposed(chat)
    return chat


def stream(qtbot: QtBot, answer: AnswerWidget, text: str, size: int = 4) -> None:
    """Feed text in deltas the way the stream worker does; every 64 deltas, let the
    throttled render run (it comes at the next frame) before going on."""
    for i in range(0, len(text), size):
        answer.append_text(text[i : i + size])
        if i % (size * 64) == 0:
            qtbot.waitUntil(answer.browser.is_up_to_date, timeout=5000)
    answer.finish(footer="gpt-4o-mini · 1 in · 2 out · $0.0001", status=None)
    qtbot.waitUntil(answer.browser.is_up_to_date, timeout=5000)


def test_streamed_answer_equals_the_same_answer_rendered_at_once(
    view: ChatView, qtbot: QtBot
) -> None:
    text = long_answer(1500)
    streamed = view.add_answer()
    stream(qtbot, streamed, text)
    assert streamed.browser.stats.updates > 10  # it really rendered while streaming
    from_history = view.add_answer(text, footer="x")
    one_shot = QTextDocument()
    one_shot.setHtml(render_markdown(text, from_history.browser._content.theme).html)
    assert streamed.text() == text
    assert streamed.browser.toPlainText() == from_history.browser.toPlainText()
    assert streamed.browser.toPlainText() == one_shot.toPlainText()
    assert streamed.browser.code_blocks() == from_history.browser.code_blocks()


def test_code_fence_split_over_many_deltas_is_one_code_block(view: ChatView, qtbot: QtBot) -> None:
    answer = view.add_answer()
    stream(qtbot, answer, f"Here:\n\n```python\n{CODE}\n{CODE}```\n\nDone.", size=3)
    browser = answer.browser
    assert browser.code_blocks() == [f"{CODE}\n{CODE}"]
    plain = browser.toPlainText()
    assert plain.count("python\tCopy") == 1
    # Every line of the code is in one run of code-coloured blocks.
    code_background = browser._content.theme.code_background
    block = browser.document().findBlock(plain.index("def area"))
    lines = []
    while block.isValid() and block.blockFormat().background().color().name() == code_background:
        lines.append(block.text())
        block = block.next()
    assert [line for line in lines if line] == [
        line for line in f"{CODE}\n{CODE}".split("\n") if line
    ]
    assert plain.rstrip().endswith("Done.")


def test_work_per_update_does_not_grow_with_the_answer(qtbot: QtBot) -> None:
    """Each finished piece renders once; an update renders about one piece, at 1k or 20k."""

    def run(tokens: int) -> tuple[int, float, int, int]:
        text = long_answer(tokens)
        browser = MarkdownBrowser()
        qtbot.addWidget(browser)
        browser.resize(600, 400)
        for i in range(0, len(text), 4):
            browser.append_markdown(text[i : i + 4])
            if i % 256 == 0:
                browser.flush()  # a frame
        browser.finish()
        assert browser.is_up_to_date() and browser.markdown() == text
        stats = browser.stats
        pieces = len(split_pieces(text))
        largest = max(len(p.text) for p in split_pieces(text))
        assert stats.pieces <= pieces  # no finished piece was rendered twice
        return stats.max_chars, stats.total_chars / len(text), largest, stats.updates

    small_max, small_ratio, _, _ = run(1_000)
    big_max, big_ratio, big_largest, big_updates = run(20_000)
    assert big_updates > 250
    # The most rendered in one update: at most the largest piece plus one frame of text.
    assert big_max <= big_largest + 256 + 4
    assert big_max <= small_max + 256
    # Characters rendered per character received stay the same at 20k as at 1k.
    assert big_ratio <= small_ratio * 1.25


def test_view_follows_the_stream_until_the_user_scrolls_up(view: ChatView, qtbot: QtBot) -> None:
    bar = view.verticalScrollBar()
    view.add_user_message("Tell me a long story.")
    answer = view.add_answer()

    def feed(lines: int) -> None:
        for i in range(lines):
            answer.append_text(f"Line {i} of the story goes on.\n\n")
            answer.browser.flush()
        QApplication.processEvents()

    feed(40)
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    assert view.is_following()

    bar.setValue(bar.maximum() - 150)  # the user scrolls up to read
    reading = bar.value()
    assert not view.is_following()
    old_maximum = bar.maximum()
    feed(20)
    qtbot.waitUntil(lambda: bar.maximum() > old_maximum)
    assert bar.value() == reading  # the text stays put under the reader

    bar.setValue(bar.maximum())  # back to the bottom: follow again
    old_maximum = bar.maximum()
    feed(20)
    qtbot.waitUntil(lambda: bar.maximum() > old_maximum and bar.value() == bar.maximum())


def anchor_point(browser: MarkdownBrowser, href: str) -> QPoint:
    """Where on screen the anchor with `href` is drawn (its middle)."""
    return anchor_rect(browser, href).center()


def click_anchor(qtbot: QtBot, browser: MarkdownBrowser, href: str) -> None:
    """Click a link the way a user does, once the layout has put it in its place."""
    qtbot.waitUntil(lambda: browser.anchorAt(anchor_point(browser, href)) == href)
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=anchor_point(browser, href))


def test_copy_control_copies_that_code_block(view: ChatView, qtbot: QtBot) -> None:
    answer = view.add_answer(f"First:\n\n```sh\nls -la\n```\n\nSecond:\n\n```python\n{CODE}```\n")
    browser = answer.browser
    with qtbot.waitSignal(browser.code_copied) as copied:
        click_anchor(qtbot, browser, "askshot-copy:1")
    assert copied.args == [1]
    assert QGuiApplication.clipboard().text() == CODE


def test_copy_button_copies_the_whole_answer_as_markdown(view: ChatView, qtbot: QtBot) -> None:
    text = "# Result\n\n- **one**\n- two\n"
    answer = view.add_answer(text, footer="gpt-4o-mini · 10 in · 5 out · $0.0001")
    assert answer.copy_button.isVisible()
    qtbot.mouseClick(answer.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text
    assert answer.copy_button.text() == "Copied"


class UrlCatcher(QObject):
    """Stands in for the system browser: QDesktopServices hands it the URLs it would open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def system_browser() -> Iterator[UrlCatcher]:
    catcher = UrlCatcher()
    for scheme in ("https", "ftp", "file"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    yield catcher
    for scheme in ("https", "ftp", "file"):
        QDesktopServices.unsetUrlHandler(scheme)


def test_links_open_in_the_system_browser_only_for_web_and_mail(
    view: ChatView, qtbot: QtBot, system_browser: UrlCatcher
) -> None:
    answer = view.add_answer("[docs](https://example.com/docs) or [ftp](ftp://example.com/f)")
    browser = answer.browser
    with qtbot.waitSignal(view.link_opened) as opened:
        click_anchor(qtbot, browser, "https://example.com/docs")
    assert opened.args[0].toString() == "https://example.com/docs"
    click_anchor(qtbot, browser, "ftp://example.com/f")
    assert system_browser.urls == ["https://example.com/docs"]
    assert browser.toPlainText() == "docs or ftp"  # the page itself never navigated


def thumbnail(colour: str) -> QImage:
    image = QImage(160, 90, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


def test_thumbnails_show_their_caption_and_report_clicks(view: ChatView, qtbot: QtBot) -> None:
    view.add_user_message("first question")
    view.add_answer("first answer", footer="x")
    message = view.add_user_message(
        "What is in these?",
        [(thumbnail("red"), "1365×768 · 765 tokens"), (thumbnail("blue"), "800×600 · 425 tokens")],
    )
    buttons = message.thumbnails()
    assert [b.text() for b in buttons] == ["1365×768 · 765 tokens", "800×600 · 425 tokens"]
    assert message.text_label.text() == "What is in these?"
    with qtbot.waitSignal(view.image_clicked) as clicked:
        qtbot.mouseClick(buttons[1], Qt.MouseButton.LeftButton)
    assert clicked.args == [2, 1]


def test_error_block_shows_the_sentence_and_its_actions(view: ChatView, qtbot: QtBot) -> None:
    answer = view.add_answer()
    answer.append_text("Partial ans")
    answer.finish(footer="", status="Cut off — the connection dropped")
    sentence = "The API key was rejected. Open Settings and paste a valid key."
    answer.show_error(sentence, offer_settings=True)
    block = answer.error_block
    assert block.isVisible() and block.message_label.text() == sentence
    assert answer.status_label.text() == "Cut off — the connection dropped"
    assert block.settings_button.isVisible()
    with qtbot.waitSignal(view.retry_requested):
        qtbot.mouseClick(block.retry_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.settings_requested):
        qtbot.mouseClick(block.settings_button, Qt.MouseButton.LeftButton)
    answer.show_error("The connection dropped. Press Retry.", offer_settings=False)
    assert not block.settings_button.isVisible()


def test_answers_can_be_removed_and_the_view_cleared(view: ChatView) -> None:
    view.add_user_message("q")
    first = view.add_answer("a1", footer="f")
    assert view.last_answer() is first
    view.remove_last_answer()
    assert view.last_answer() is None and len(view.messages()) == 1
    view.remove_last_answer()  # nothing to remove: the last message is the user's
    assert len(view.messages()) == 1
    view.clear()
    assert view.messages() == [] and view.last_answer() is None


def test_palette_switch_rerenders_code_in_dark_colours(view: ChatView, qtbot: QtBot) -> None:
    answer = view.add_answer(f"```python\n{CODE}```\n")
    doc = answer.browser.document()
    line = doc.findBlock(doc.toPlainText().index("def area"))
    assert line.blockFormat().background().color().lightness() > 200
    dark = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#1b1c1f"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
    ):
        dark.setColor(role, QColor(colour))
    view.setPalette(dark)
    qtbot.waitUntil(
        lambda: (
            doc.findBlock(doc.toPlainText().index("def area"))
            .blockFormat()
            .background()
            .color()
            .lightness()
            < 60
        )
    )
    assert answer.text() == f"```python\n{CODE}```\n"


def test_reference_links_defined_at_the_end_work_after_streaming(
    view: ChatView, qtbot: QtBot
) -> None:
    text = "See [the guide][g] first.\n\nMore text here.\n\n[g]: https://example.com/guide\n"
    answer = view.add_answer()
    stream(qtbot, answer, text)
    assert "[the guide]" not in answer.browser.toPlainText()
    anchor_point(answer.browser, "https://example.com/guide")  # raises if it is not a link
    assert view.add_answer(text, footer="f").browser.toPlainText() == answer.browser.toPlainText()
