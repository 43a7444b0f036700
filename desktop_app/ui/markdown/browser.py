"""One answer's Markdown in a QTextBrowser that grows with it while it streams.

Deltas only accumulate; at most once per frame a `StreamingDocument` update
appends newly finished pieces and redoes the piece in progress. The browser is
as tall as its document (no inner scrollbar): the chat's scroll area scrolls.
Links open in the system browser; nothing is ever fetched.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextCursor,
    QTextFormat,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QTextBrowser, QWidget

from desktop_app.core.code_highlight import COPY_SCHEME, RenderTheme, contrast
from desktop_app.ui.common.throttle import Throttle
from desktop_app.ui.markdown.streaming_document import RenderStats, StreamingDocument

OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})
COPIED_FEEDBACK_MS = 1500  # as long as the answer's own Copy says "Copied"


def _blend(a: QColor, b: QColor, amount: float) -> str:
    """`a` moved `amount` of the way towards `b`, as #rrggbb."""
    pairs = zip((a.red(), a.green(), a.blue()), (b.red(), b.green(), b.blue()), strict=True)
    mix = [round(x + (y - x) * amount) for x, y in pairs]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def theme_from_palette(palette: QPalette, font: QFont) -> RenderTheme:
    """Colours for rendered Markdown derived from the palette, so light and dark both work."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    dark = base.lightnessF() < text.lightnessF()
    link = palette.color(QPalette.ColorRole.Link).name()
    if contrast(link, base.name()) < 3.0:  # some dark palettes keep the light theme's blue
        link = "#8ab4f8" if dark else "#1a5fb4"
    size = font.pointSizeF() if font.pointSizeF() > 0 else font.pixelSize() * 0.75
    return RenderTheme(
        dark=dark,
        text=text.name(),
        muted=_blend(text, base, 0.4),
        link=link,
        code_background=_blend(base, text, 0.09 if dark else 0.05),
        code_header=_blend(base, text, 0.15 if dark else 0.10),
        border=_blend(base, text, 0.25),
        quote_bar=_blend(base, text, 0.3),
        mono_family=QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family(),
        base_point_size=size or 10.0,
    )


class MarkdownBrowser(QTextBrowser):
    """Read-only rendered Markdown, appended to cheaply while an answer streams.

    Signals:
        link_opened(QUrl): a http/https/mailto link was handed to the system browser.
        code_copied(int): the raw text of code block N went to the clipboard.
    """

    link_opened = Signal(QUrl)
    code_copied = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        doc = self.document()
        doc.setUndoRedoEnabled(False)
        doc.setDocumentMargin(0)
        doc.documentLayout().documentSizeChanged.connect(self._on_document_size_changed)
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.highlighted.connect(self._on_link_highlighted)
        self._throttle = Throttle(self._on_throttle_fired, parent=self)
        self._content = StreamingDocument(doc, theme_from_palette(self.palette(), self.font()))
        self.setFixedHeight(self._height_for(0.0))
        # "Copied" drawn over a code block's Copy link for a moment after a click.
        self.copied_label = QLabel("Copied", self.viewport())
        self.copied_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.copied_label.setAutoFillBackground(True)
        self.copied_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # re-click
        self.copied_label.hide()
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(COPIED_FEEDBACK_MS)
        self._copied_timer.timeout.connect(self.copied_label.hide)
        self.code_copied.connect(self._show_copied)

    # --- public --------------------------------------------------------------------

    @property
    def stats(self) -> RenderStats:
        """What the updates cost so far (for tests and the benchmark)."""
        return self._content.stats

    def markdown(self) -> str:
        """All the Markdown received so far."""
        return self._content.markdown()

    def set_markdown(self, text: str) -> None:
        """Show a whole answer at once (cut into the same pieces streaming would make)."""
        self._throttle.cancel()
        self._content.set_markdown(text)

    def append_markdown(self, chunk: str) -> None:
        """Add streamed text; it is rendered at the next frame, not now."""
        if chunk:
            self._content.append(chunk)
            self._throttle.request()

    def flush(self) -> None:
        """Render what is pending now instead of at the next frame."""
        self._throttle.cancel()
        self._on_throttle_fired()

    def finish(self) -> None:
        """The answer is complete: render the piece in progress as finished.

        Normally everything shows before this returns; only a backlog larger than
        one update's budget (a stream far faster than any model) continues over
        the next frames, so even then no single update stalls the window.
        """
        self._content.end()
        self.flush()

    def is_up_to_date(self) -> bool:
        """Whether everything received is on screen."""
        return self._content.is_up_to_date()

    def code_blocks(self) -> list[str]:
        """Raw text of every code block shown, in order."""
        return self._content.code_blocks()

    def _on_throttle_fired(self) -> None:
        if self._content.update():
            self._throttle.request()  # a backlog: the next part at the next frame

    # --- size, links, events ---------------------------------------------------------

    def _height_for(self, document_height: float) -> int:
        margins = self.contentsMargins()
        return math.ceil(document_height) + margins.top() + margins.bottom()

    def _on_document_size_changed(self, size: Any) -> None:
        height = self._height_for(size.height())
        if height != self.height():
            self.setFixedHeight(height)

    def _on_anchor_clicked(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        if scheme == COPY_SCHEME:
            codes = self.code_blocks()
            index = int(url.path()) if url.path().isdigit() else -1
            if 0 <= index < len(codes):
                QGuiApplication.clipboard().setText(codes[index])
                self.code_copied.emit(index)
        elif scheme in OPENABLE_SCHEMES:
            QDesktopServices.openUrl(url)
            self.link_opened.emit(url)

    def _show_copied(self, index: int) -> None:
        """Cover code block `index`'s Copy link with "Copied" for a moment, in its colours."""
        link = self._anchor_rect(f"{COPY_SCHEME}:{index}")
        if link is None:
            return
        label, theme = self.copied_label, self._content.theme
        palette = label.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(theme.code_header))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(theme.link))
        label.setPalette(palette)
        width = max(label.sizeHint().width(), link.width())
        # Right-aligned where "Copy" ends: the header's tab stop keeps it at the edge.
        label.setGeometry(link.right() + 1 - width, link.top(), width, link.height())
        label.show()
        label.raise_()
        self._copied_timer.start()

    def _anchor_rect(self, href: str) -> QRect | None:
        """Where the link to `href` is drawn, in viewport coordinates."""
        doc = self.document()
        block = doc.begin()
        while block.isValid():
            fragments = block.begin()
            while not fragments.atEnd():
                fragment = fragments.fragment()
                if fragment.charFormat().anchorHref() == href:
                    cursor = QTextCursor(doc)
                    cursor.setPosition(fragment.position())
                    start = self.cursorRect(cursor)
                    cursor.setPosition(fragment.position() + fragment.length())
                    end = self.cursorRect(cursor)
                    return QRect(start.topLeft(), QPoint(end.left() - 1, end.bottom()))
                fragments += 1
            block = block.next()
        return None

    def _on_link_highlighted(self, url: QUrl) -> None:
        # Show where a link goes before it is clicked (the text may say otherwise).
        shown = "" if url.isEmpty() or url.scheme() == COPY_SCHEME else url.toDisplayString()
        self.setToolTip(shown)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        """Never fetch anything: answers show no images, and nothing remote is loaded."""
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        self._paint_block_margins(event.rect())
        super().paintEvent(event)

    def _paint_block_margins(self, area: QRect) -> None:
        """Extend block backgrounds under their left margin (the padding of code blocks).

        Qt fills a block's background only under its text lines; code lines use a
        left margin as padding, which would otherwise show as a notch.
        """
        doc = self.document()
        layout = doc.documentLayout()
        dx, dy = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        first = layout.hitTest(QPointF(0, area.top() + dy), Qt.HitTestAccuracy.FuzzyHit)
        block = doc.findBlock(max(first, 0))
        painter: QPainter | None = None
        while block.isValid():
            rect = layout.blockBoundingRect(block).translated(-dx, -dy)
            if rect.top() > area.bottom():
                break
            fmt = block.blockFormat()
            if fmt.hasProperty(QTextFormat.Property.BackgroundBrush) and fmt.leftMargin() > 0:
                lines = block.layout()
                if lines.lineCount():
                    painter = painter or QPainter(self.viewport())
                    left = rect.left() + lines.lineAt(0).x() - fmt.leftMargin()
                    fill = QRectF(left, rect.top(), fmt.leftMargin(), rect.height())
                    painter.fillRect(fill, fmt.background())
            block = block.next()
        if painter is not None:
            painter.end()

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # the chat scrolls, not this (it has nothing to scroll)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.copied_label.hide()  # the Copy link it covers moves with the width
            self._content.update_tab_stops()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        content = getattr(self, "_content", None)  # events may come during __init__
        if content is not None and event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.FontChange,
        ):
            content.set_theme(theme_from_palette(self.palette(), self.font()))
