"""A QTextDocument kept equal to the render of a Markdown answer that is still arriving.

Re-rendering a whole answer on every delta freezes the window from ~2k tokens
(docs/architecture.md). Here the text is cut into pieces (`core.markdown_blocks`): each finished
piece is rendered once and appended, and only the piece in progress is replaced,
so an update costs the same at 20k tokens as at 1k. A whole answer is rendered
from the same pieces, so a streamed answer and the same answer from history are
the same document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtGui import (
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextOption,
)

from desktop_app.core.code_highlight import CODE_PADDING, RenderTheme
from desktop_app.core.markdown_blocks import (
    Fence,
    Piece,
    finished_pieces,
    has_link_definitions,
    split_pieces,
)

if TYPE_CHECKING:
    from desktop_app.core.markdown_html import Rendered

# Finished Markdown rendered per update at most (~4 ms on a slow core); a larger
# backlog, from a stream far faster than any model, is drawn over several updates.
RENDER_BUDGET_CHARS = 800


@dataclass
class RenderStats:
    """How much Markdown each update rendered: the streaming cost, for tests and benchmarks."""

    updates: int = 0
    pieces: int = 0
    last_chars: int = 0
    max_chars: int = 0
    total_chars: int = 0
    shown_chars: int = 0  # how much of the answer the document shows after the update

    def record(self, chars: int, shown: int) -> None:
        self.updates += 1
        self.shown_chars = shown
        self.last_chars = chars
        self.max_chars = max(self.max_chars, chars)
        self.total_chars += chars


def _render_piece(piece: Piece, theme: RenderTheme, code_base: int) -> Rendered:
    # markdown-it and pygments load on the first answer, not when the app starts.
    from desktop_app.core.markdown_html import render_piece

    return render_piece(piece, theme, code_base=code_base)


def _take(pieces: list[Piece], budget: int) -> int:
    """How many pieces to render now: at least one, then as many as fit the budget."""
    size = len(pieces[0].text)
    taken = 1
    while taken < len(pieces) and size + len(pieces[taken].text) <= budget:
        size += len(pieces[taken].text)
        taken += 1
    return taken


class StreamingDocument:
    """Renders Markdown into `document` piece by piece; `update()` does one bounded step."""

    def __init__(self, document: QTextDocument, theme: RenderTheme) -> None:
        self._doc = document
        self._doc.setUndoRedoEnabled(False)
        self._scratch = QTextDocument()  # parses HTML into fragments
        self._scratch.setUndoRedoEnabled(False)
        self.theme = theme
        self.stats = RenderStats()
        self._reset()

    def _reset(self) -> None:
        self._done: list[str] = []  # finished Markdown, rendered once
        self._done_chars = 0
        self._codes: list[str] = []  # raw code of code blocks in the finished part
        self._tail = ""  # text after the finished part (the piece in progress, any backlog)
        self._tail_fence: Fence | None = None  # the code block the tail starts inside
        self._pending: list[str] = []  # deltas not looked at yet
        self._shown = ""  # the tail text currently in the document
        self._shown_codes: list[str] = []
        self._shown_continued = ""
        self._ending = False  # no more text will come: the tail is finished too
        self._has_done = False  # whether the document holds finished pieces
        self._done_end = 0  # document position where the finished part ends
        self._done_block_format = QTextBlockFormat()
        self._done_char_format = QTextCharFormat()

    # --- what it holds -----------------------------------------------------------------

    def markdown(self) -> str:
        return "".join(self._done) + self._tail + "".join(self._pending)

    def code_blocks(self) -> list[str]:
        """Raw text of every code block shown, in order (the Copy anchors' numbers)."""
        codes = list(self._codes)
        if self._shown_continued and codes:
            codes[-1] += self._shown_continued
        return codes + self._shown_codes

    def is_up_to_date(self) -> bool:
        """Everything received is shown (and shown as finished, once the answer ended)."""
        if self._pending or self._tail != self._shown:
            return False
        return not (self._ending and self._tail)

    # --- feeding -----------------------------------------------------------------------

    def append(self, chunk: str) -> None:
        self._pending.append(chunk)

    def end(self) -> None:
        """No more text will come: the piece in progress is finished."""
        self._ending = True

    def set_markdown(self, text: str) -> None:
        """Render a whole answer now (history), cut into the pieces streaming would make."""
        self._reset()
        self._ending = True
        self._render_all(text)

    def set_theme(self, theme: RenderTheme) -> None:
        """Render everything again in new colours (the palette or the font changed)."""
        if theme == self.theme:
            return
        self.theme = theme
        finished = "".join(self._done)
        tail, fence = self._tail + "".join(self._pending), self._tail_fence
        ending = self._ending
        self._render_all(finished, open_at_end=fence is not None)
        self._tail, self._tail_fence, self._ending = tail, fence, ending
        self.update()

    # --- rendering -----------------------------------------------------------------------

    def update(self) -> bool:
        """One bounded step: append finished pieces, redo the piece in progress.

        Returns True when more remains to draw (a backlog, or the last piece to finish).
        """
        if self._pending:
            self._tail += "".join(self._pending)
            self._pending.clear()
        tail, start_fence = self._tail, self._tail_fence
        if self._ending:
            pieces, rest_fence = split_pieces(tail, start_fence), None
        else:
            pieces, cut = finished_pieces(tail, start_fence)
            rest_fence = cut.fence
        more = False
        if pieces and sum(len(p.text) for p in pieces) > RENDER_BUDGET_CHARS:
            taken = _take(pieces, RENDER_BUDGET_CHARS)
            if taken < len(pieces):
                rest_fence = pieces[taken].fence
                pieces, more = pieces[:taken], True
        finished = "".join(p.text for p in pieces)
        rest = tail[len(finished) :]
        if not finished and rest == self._shown:
            return False
        rendered_chars = 0
        if finished:
            if finished == self._shown and not pieces[-1].ends_in_fence:
                self._keep_shown_as_done()  # already on screen exactly as it finishes
            else:
                self._replace_tail(self._render_pieces(pieces))
                rendered_chars += len(finished)
            self._mark_done()
            self._done.append(finished)
            self._done_chars += len(finished)
            self._shown, self._shown_codes, self._shown_continued = "", [], ""
        self._tail, self._tail_fence = rest, rest_fence
        if not more and (rest or self._shown):
            rendered = _render_piece(Piece(rest, rest_fence), self.theme, len(self._codes))
            self._replace_tail(rendered.html)
            self._shown = rest
            self._shown_codes, self._shown_continued = rendered.codes, rendered.continued
            rendered_chars += len(rest)
        self.stats.record(rendered_chars, self._done_chars + len(self._shown))
        if self._ending and not more and has_link_definitions(self.markdown()):
            self._render_all(self.markdown())  # definitions may come after their uses
        return more

    def _render_pieces(self, pieces: list[Piece]) -> str:
        parts = []
        for piece in pieces:
            rendered = _render_piece(piece, self.theme, len(self._codes))
            if rendered.continued and self._codes:
                self._codes[-1] += rendered.continued
            self._codes.extend(rendered.codes)
            parts.append(rendered.html)
            self.stats.pieces += 1
        return "".join(parts)

    def _keep_shown_as_done(self) -> None:
        if self._shown_continued and self._codes:
            self._codes[-1] += self._shown_continued
        self._codes.extend(self._shown_codes)

    def _render_all(self, text: str, *, open_at_end: bool = False) -> None:
        """Render everything as finished at once: history, a theme change, link definitions.

        `open_at_end`: the text stops inside a code block that the tail continues.
        """
        self._codes = []
        self._shown, self._shown_codes, self._shown_continued = "", [], ""
        if has_link_definitions(text) and not open_at_end:
            pieces = [Piece(text)]  # one piece, so every use sees the definitions
        else:
            pieces = split_pieces(text)
        if pieces and open_at_end:
            pieces[-1] = replace(pieces[-1], ends_in_fence=True)
        html = self._render_pieces(pieces)
        self._doc.setHtml(html.rstrip())
        self._done = [text] if text else []
        self._done_chars = len(text)
        self._tail, self._tail_fence, self._pending = "", None, []
        if text:
            self._mark_done()
        else:
            self._has_done, self._done_end = False, 0
        self.update_tab_stops()
        self.stats.record(len(text), len(text))

    def _replace_tail(self, html: str) -> None:
        """Replace whatever follows the finished part of the document with `html`."""
        html = html.rstrip()  # trailing whitespace would become a space in the last block
        if not self._has_done:
            self._doc.setHtml(html)  # nothing finished yet: the tail is the whole document
            self.update_tab_stops()
            return
        cursor = QTextCursor(self._doc)
        cursor.beginEditBlock()
        cursor.setPosition(self._done_end)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        if html:
            cursor.insertFragment(self._fragment(html))
            # Inserting at an empty block (the one after a table) gives it the format
            # of the inserted first block; the finished part must not change.
            cursor.setPosition(self._done_end)
            cursor.setBlockFormat(self._done_block_format)
            cursor.setBlockCharFormat(self._done_char_format)
        cursor.endEditBlock()
        self.update_tab_stops(self._done_end)

    def _fragment(self, html: str) -> QTextDocumentFragment:
        # Inserting a fragment merges its first block into the block at the cursor,
        # dropping that block's format (a heading would lose its level). A leading
        # throw-away paragraph takes that merge instead, so every real block keeps
        # its format and the result equals one setHtml() of all the HTML.
        self._scratch.setHtml("<p>x</p>" + html)
        cursor = QTextCursor(self._scratch)
        cursor.setPosition(1, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        return QTextDocumentFragment(self._scratch)

    def _mark_done(self) -> None:
        """The document's end is now the end of the finished part; remember its last block."""
        self._has_done = True
        self._done_end = self._doc.characterCount() - 1
        block = self._doc.lastBlock()
        self._done_block_format = block.blockFormat()
        self._done_char_format = block.charFormat()

    def update_tab_stops(self, position: int = 0) -> None:
        """Put each code header's "Copy" at the right edge (HTML cannot set tab stops)."""
        width = self._doc.textWidth()
        if width <= 0:
            return
        block = self._doc.findBlock(position)
        while block.isValid():
            if "\t" in block.text():  # only code headers hold a tab; code has them expanded
                fmt = block.blockFormat()
                stop = width - CODE_PADDING - fmt.leftMargin() - fmt.rightMargin()
                stop -= fmt.indent() * self._doc.indentWidth()
                tabs = fmt.tabPositions()
                if not tabs or abs(tabs[0].position - stop) > 0.5:
                    fmt.setTabPositions([QTextOption.Tab(stop, QTextOption.TabType.RightTab)])
                    QTextCursor(block).setBlockFormat(fmt)
            block = block.next()
