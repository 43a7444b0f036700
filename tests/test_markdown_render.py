"""Markdown as the chat view renders it: each element, checked in the QTextDocument Qt shows.

Also the cutting rules streaming relies on (plain Python) and that images are never
fetched (a real HTTP server on 127.0.0.1 that must receive no request).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import (
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextListFormat,
    QTextTable,
)

from desktop_app.core.code_highlight import RenderTheme, contrast, highlight
from desktop_app.core.markdown_blocks import (
    CHUNK_MAX_LINES,
    find_cuts,
    last_cut,
    split_pieces,
)
from desktop_app.core.markdown_html import render_markdown, render_piece

LIGHT = RenderTheme()
DARK = RenderTheme(
    dark=True, text="#e8eaed", muted="#9aa0a6", code_background="#2a2b2e", code_header="#34353a"
)


def document(markdown: str, theme: RenderTheme = LIGHT) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(render_markdown(markdown, theme).html)
    return doc


def fragments(doc: QTextDocument) -> Iterator[tuple[str, QTextCharFormat]]:
    """Every run of text with its character format, in document order."""
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            yield fragment.text(), fragment.charFormat()
            it += 1
        block = block.next()


def format_of(doc: QTextDocument, text: str) -> QTextCharFormat:
    for run, fmt in fragments(doc):
        if text in run:
            return fmt
    raise AssertionError(f"{text!r} is not in the document: {doc.toPlainText()!r}")


# --- elements -------------------------------------------------------------------------


def test_headings_paragraphs_and_emphasis(qapp: object) -> None:
    doc = document("# Title\n\nSome *soft* and **strong** and ~~gone~~ and `code()` text.")
    assert doc.toPlainText().startswith("Title\nSome soft and strong and gone and")
    assert doc.begin().blockFormat().headingLevel() == 1
    assert format_of(doc, "soft").fontItalic()
    assert format_of(doc, "strong").fontWeight() >= 600
    assert format_of(doc, "gone").fontStrikeOut()
    inline = format_of(doc, "code()")
    assert inline.background().color().name() == LIGHT.code_background
    assert inline.fontFixedPitch() or LIGHT.mono_family in inline.fontFamilies()


def test_nested_bullet_and_numbered_lists(qapp: object) -> None:
    doc = document("- apple\n  - green\n- pear\n\n3. three\n4. four\n")
    lists = {}
    block = doc.begin()
    while block.isValid():
        if block.textList() is not None:
            lists[block.text()] = block.textList().format()
        block = block.next()
    assert set(lists) == {"apple", "green", "pear", "three", "four"}
    assert lists["green"].indent() > lists["apple"].indent()  # nested, not flattened
    assert lists["apple"].style() == QTextListFormat.Style.ListDisc
    assert lists["three"].style() == QTextListFormat.Style.ListDecimal
    assert lists["three"].start() == 3


def test_table_becomes_a_qt_table_with_alignment(qapp: object) -> None:
    doc = document("| Name | Cost |\n|---|---:|\n| tea | 3 |\n| cake | 12 |\n")
    tables = [f for f in doc.rootFrame().childFrames() if isinstance(f, QTextTable)]
    assert len(tables) == 1
    table = tables[0]
    assert (table.rows(), table.columns()) == (3, 2)

    def cell(row: int, column: int) -> QTextCursor:
        return table.cellAt(row, column).firstCursorPosition()

    assert cell(0, 0).block().text() == "Name"
    assert cell(2, 1).block().text() == "12"
    assert cell(2, 1).blockFormat().alignment() & Qt.AlignmentFlag.AlignRight
    assert not cell(2, 0).blockFormat().alignment() & Qt.AlignmentFlag.AlignRight


def test_fenced_code_is_highlighted_with_a_copy_anchor(qapp: object) -> None:
    code = 'def greet(name):\n    return f"hi {name}"  # friendly\n'
    rendered = render_markdown(f"Intro\n\n```python\n{code}```\n", LIGHT, code_base=4)
    assert rendered.codes == [code]
    doc = QTextDocument()
    doc.setHtml(rendered.html)
    text = doc.toPlainText()
    assert "python\tCopy" in text  # header: language, then the copy control
    assert "def greet(name):" in text
    copy = format_of(doc, "Copy")
    assert copy.isAnchor() and copy.anchorHref() == "askshot-copy:4"
    colours = {
        fmt.foreground().color().name()
        for run, fmt in fragments(doc)
        if run.strip() and fmt.hasProperty(QTextFormat.Property.ForegroundBrush) and run in code
    }
    assert len(colours) >= 3, colours  # keyword, string, comment at least
    assert format_of(doc, "def").fontWeight() >= 600


def test_unknown_language_is_plain_but_escaped() -> None:
    assert highlight("a < b && c\n", "no-such-language", LIGHT) == "a &lt; b &amp;&amp; c\n"


def test_lexer_token_types_missing_from_the_style_still_render() -> None:
    # YAML emits token types no style names; they inherit their parent's colour.
    assert "<span" in highlight("key: value\nlist: [1, 2]\n", "yaml", LIGHT)


def test_dark_theme_colours_keep_contrast_on_the_code_background() -> None:
    html = highlight("import os\n# note\nx = 'text' + 42\n", "python", DARK)
    colours = {part.split(";")[0] for part in html.split('style="color:')[1:]}
    assert colours
    for colour in colours:
        assert contrast(colour, DARK.code_background) >= 3.0, colour


def test_raw_html_is_shown_as_text_never_interpreted(qapp: object) -> None:
    doc = document('Hi <b>bold</b> <img src="http://127.0.0.1:9/x.png"> <script>x()</script>')
    text = doc.toPlainText()
    assert '<b>bold</b> <img src="http://127.0.0.1:9/x.png"> <script>x()</script>' in text
    assert format_of(doc, "bold").fontWeight() < 600


def test_links_are_anchors_and_unsafe_schemes_are_not(qapp: object) -> None:
    doc = document("[docs](https://example.com/a?b=1) and [bad](javascript:alert(1))")
    assert format_of(doc, "docs").anchorHref() == "https://example.com/a?b=1"
    assert "[bad](javascript:alert(1))" in doc.toPlainText()


def test_blockquote_is_set_apart(qapp: object) -> None:
    doc = document("> careful: this deletes files\n\nAfter.")
    quote = format_of(doc, "careful")
    assert quote.foreground().color().name() == LIGHT.muted
    assert doc.toPlainText().rstrip().endswith("After.")


@pytest.fixture
def image_server() -> Iterator[tuple[str, list[str]]]:
    """A 127.0.0.1 server that records every request (there must be none)."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_images_show_as_links_and_are_never_fetched(
    qtbot: object, image_server: tuple[str, list[str]]
) -> None:
    from desktop_app.ui.markdown.browser import MarkdownBrowser

    base, requests = image_server
    browser = MarkdownBrowser()
    qtbot.addWidget(browser)  # type: ignore[attr-defined]
    browser.resize(500, 300)
    browser.show()
    browser.set_markdown(f"See ![the chart]({base}/chart.png) here.")
    qtbot.waitExposed(browser)  # type: ignore[attr-defined]
    browser.repaint()
    doc = browser.document()
    assert "[image: the chart]" in doc.toPlainText()
    assert format_of(doc, "[image: the chart]").anchorHref() == f"{base}/chart.png"
    assert not any(fmt.isImageFormat() for _, fmt in fragments(doc))
    assert browser.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(base)) is None
    # Even an <img> slipped into the document directly is not fetched.
    QTextCursor(doc).insertHtml(f'<img src="{base}/direct.png">')
    browser.repaint()  # layout and painting ask for resources synchronously
    assert requests == []


# --- where streaming may cut ------------------------------------------------------------


def offsets(text: str) -> list[int]:
    return [cut.offset for cut in find_cuts(text)]


def test_cuts_only_before_an_unindented_line_after_a_blank_line() -> None:
    text = "# H\n\npara\nmore\n\n- a\n\n  still a\n- b\n\nEnd"
    pieces = [p.text for p in split_pieces(text)]
    assert pieces == ["# H\n\n", "para\nmore\n\n", "- a\n\n  still a\n- b\n\n", "End"]
    # A blank line alone decides nothing: the next line could be indented.
    assert last_cut("para\n\n").offset == 0
    assert last_cut("para\n\n ").offset == 0
    assert last_cut("para\n\nN").offset == len("para\n\n")


def test_never_cuts_inside_a_fence_and_cuts_right_after_it() -> None:
    text = "```py\nx = 1\n\ny = 2\n\n```\nafter\n\n~~~\n```\n\nstill code\n~~~\n"
    assert offsets(text) == [len("```py\nx = 1\n\ny = 2\n\n```\n"), text.index("~~~"), len(text)]
    # Inside a list the fence belongs to the item: no cut after it.
    listed = "1. step\n   ```sh\n   ls\n\n   pwd\n   ```\n   done\n"
    assert offsets(listed) == []


def test_long_fences_are_cut_into_pieces_that_render_as_one_block(qapp: object) -> None:
    lines = [f"value_{i} = {i}\n" for i in range(CHUNK_MAX_LINES * 2 + 5)]
    text = "Intro\n\n```python\n" + "".join(lines) + "```\n\nAfter\n"
    pieces = split_pieces(text)
    assert len(pieces) >= 4
    assert any(p.fence is not None for p in pieces)  # continuation pieces
    html, codes, continued = "", [], ""
    for piece in pieces:
        rendered = render_piece(piece, LIGHT, code_base=len(codes))
        html += rendered.html
        codes += rendered.codes
        continued += rendered.continued
    assert [codes[0] + continued] == ["".join(lines)]  # the Copy anchor copies all of it
    doc = QTextDocument()
    doc.setHtml(html)
    whole = QTextDocument()
    whole.setHtml(render_markdown(text, LIGHT).html)
    assert doc.toPlainText().count("Copy") == 1
    assert doc.toPlainText() == whole.toPlainText()


def test_cuts_found_while_streaming_are_cuts_of_the_whole_answer() -> None:
    text = (
        "Intro\n\n- a\n\n  b\n\n```js\n" + "let x = 1;\n\n" * 30 + "```\nNext\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\n1. one\n   ```\n   code\n   ```\n\nend\n"
    )
    whole = {cut.offset: cut.fence for cut in find_cuts(text)}
    for end in range(1, len(text) + 1):
        for cut in find_cuts(text[:end]):
            assert whole.get(cut.offset, "missing") == cut.fence, (end, cut)


def test_code_has_the_same_lines_in_every_theme(qapp: object) -> None:
    # Styles differ in which tokens get a span; a trailing newline inside a span
    # once showed as an extra empty line in the dark theme only.
    markdown = "```python\nimport os\n\nprint(os.sep)  # note\n```\n"
    assert document(markdown, DARK).toPlainText() == document(markdown, LIGHT).toPlainText()
