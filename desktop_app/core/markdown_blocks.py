"""Where a streaming Markdown answer can be cut into pieces that will not change.

The chat view renders each finished piece once and re-renders only the piece in
progress, so the work per update is bounded by one piece, not by the answer.
Cuts are made only where appending text can never change what comes before:

- at a blank line followed by a line that starts at column 0, outside a fence
  (an indented line continues a list item or an indented code block);
- right after the closing line of a top-level fenced code block;
- inside a long top-level fence, between lines: every `CHUNK_MAX_LINES` lines,
  or after `CHUNK_MIN_LINES` at a blank line followed by an unindented line
  (where most lexers are back in their initial state). Each piece of code is
  highlighted on its own, so a huge code block costs the same per update as a
  small one.

Cuts depend only on the text before them (and the first character of the line
after), so streaming makes exactly the cuts a whole-answer render makes, and the
two documents are identical. Plain Python: no Qt here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

CHUNK_MIN_LINES = 16
CHUNK_MAX_LINES = 48

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$")
_FENCE_CLOSE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*$")
_LIST_ITEM = re.compile(r"^[ ]{0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_LINK_DEFINITION = re.compile(r"^[ ]{0,3}\[[^\]\n]+\]:[ \t]*\S", re.MULTILINE)


@dataclass(frozen=True)
class Fence:
    """An open fenced code block: how it closes, its language, whether it may be cut."""

    char: str
    length: int
    indent: int
    language: str
    top_level: bool

    def closed_by(self, line: str) -> bool:
        match = _FENCE_CLOSE.match(line)
        if match is None:
            return False
        found = match["fence"]
        limit = 3 if self.top_level else self.indent + 3
        return (
            found[0] == self.char
            and len(found) >= self.length
            and _indent_width(match["indent"]) <= limit
        )


@dataclass(frozen=True)
class Cut:
    """A place where a new piece begins, and the fence it begins inside (if any)."""

    offset: int
    fence: Fence | None


@dataclass(frozen=True)
class Piece:
    """Text between two cuts. `fence`: the open fence it continues (None: Markdown).
    `ends_in_fence`: the next piece continues a fence left open here."""

    text: str
    fence: Fence | None = None
    ends_in_fence: bool = False


def _indent_width(indent: str) -> int:
    return sum(4 if ch == "\t" else 1 for ch in indent)


def _open_fence(line: str, in_list: bool) -> Fence | None:
    match = _FENCE_OPEN.match(line)
    if match is None:
        return None
    indent = _indent_width(match["indent"])
    fence = match["fence"]
    # Indented 4+ outside a list it is an indented code block, not a fence;
    # inside a list item it may be a fence indented to the item's content.
    if indent > 3 and not in_list:
        return None
    info = match["info"].strip()
    if fence[0] == "`" and "`" in info:
        return None  # "```foo`" is inline code, not a fence
    language = info.split(maxsplit=1)[0] if info else ""
    return Fence(fence[0], len(fence), indent, language, top_level=not in_list and indent <= 3)


def find_cuts(text: str, fence: Fence | None = None) -> list[Cut]:
    """Every cut in `text`, which starts at a cut (inside `fence` if one is open there)."""
    cuts: list[Cut] = []
    in_list = False
    has_content = False
    after_blank = False
    fence_lines = 0  # lines of the open fence in the current piece
    pos = 0
    end_of_text = len(text)
    while pos < end_of_text or (pos == end_of_text and fence is not None and pos > 0):
        newline = text.find("\n", pos)
        complete = newline != -1
        end = newline if complete else end_of_text
        line = text[pos:end]
        if fence is not None:
            if fence.top_level and pos > 0 and _chunk_ends(text, pos, line, fence_lines):
                cuts.append(Cut(pos, fence))
                fence_lines = 0
            if pos == end_of_text:
                break
            if complete and fence.closed_by(line):
                if fence.top_level:
                    cuts.append(Cut(end + 1, None))
                    in_list = has_content = after_blank = False
                else:
                    has_content = True
                fence = None
            else:
                fence_lines += 1
        elif not line.strip():
            if complete and has_content:
                after_blank = True
        else:
            if after_blank and line[0] not in " \t":
                cuts.append(Cut(pos, None))
                in_list = False
            after_blank = False
            has_content = True
            if _LIST_ITEM.match(line):
                in_list = True
            fence = _open_fence(line, in_list)
            fence_lines = 0
        pos = end + 1
    return [cut for cut in cuts if 0 < cut.offset <= end_of_text]


def _chunk_ends(text: str, pos: int, line: str, lines: int) -> bool:
    """Whether a long fence is cut before the line at `pos` (decided by its first char)."""
    if lines >= CHUNK_MAX_LINES:
        return True
    if lines < CHUNK_MIN_LINES or not line:
        return False
    previous = text[text.rfind("\n", 0, pos - 1) + 1 : pos - 1]
    return not previous.strip() and line[0] not in " \t"


def last_cut(text: str, fence: Fence | None = None) -> Cut:
    """The last cut: everything before it is finished (offset 0: nothing is yet)."""
    cuts = find_cuts(text, fence)
    return cuts[-1] if cuts else Cut(0, fence)


def split_pieces(text: str, fence: Fence | None = None) -> list[Piece]:
    """Cut a whole text (starting at a cut, inside `fence` if given) into all its pieces."""
    pieces, last = finished_pieces(text, fence)
    if last.offset < len(text):
        pieces.append(Piece(text[last.offset :], last.fence))
    return pieces


def finished_pieces(text: str, fence: Fence | None = None) -> tuple[list[Piece], Cut]:
    """The pieces before the last cut, and that cut (where the piece in progress starts)."""
    cuts = [Cut(0, fence), *find_cuts(text, fence)]
    pieces = [
        Piece(text[start.offset : stop.offset], start.fence, stop.fence is not None)
        for start, stop in pairwise(cuts)
        if stop.offset > start.offset
    ]
    return pieces, cuts[-1]


def has_link_definitions(text: str) -> bool:
    """True when the text defines reference links (`[id]: url`).

    A definition can sit after the blocks that use it, which streaming has already
    rendered; the view renders such an answer once more, whole, when it ends.
    """
    return _LINK_DEFINITION.search(text) is not None
