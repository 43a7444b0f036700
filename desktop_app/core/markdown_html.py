"""Markdown to the HTML subset Qt's QTextDocument understands.

markdown-it-py parses (CommonMark with tables and strikethrough; raw HTML is
escaped, never interpreted); this renderer emits what Qt's rich text can show:
code blocks from `code_highlight`, blockquotes as a table with a bar, images as
links (Qt never fetches them). It renders the pieces `markdown_blocks` cuts, a
piece that continues a long code block included. Colours come from a
`RenderTheme` the Qt side builds from the palette. Plain Python: no Qt here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from desktop_app.core.code_highlight import (
    COPY_SCHEME,
    RenderTheme,
    code_footer,
    code_header,
    code_lines,
    contrast,
    highlight,
)
from desktop_app.core.markdown_blocks import Fence, Piece

__all__ = ["COPY_SCHEME", "RenderTheme", "Rendered", "contrast", "highlight", "render_markdown"]


@dataclass
class Rendered:
    """HTML for a piece and the raw code of its code blocks.

    `codes`: code blocks that start in the piece, in order. `continued`: code
    that continues the previous piece's open code block.
    """

    html: str
    codes: list[str] = field(default_factory=list)
    continued: str = ""


# --- Markdown rendering --------------------------------------------------------

_HEADING_SCALE = {"h1": 1.5, "h2": 1.3, "h3": 1.15, "h4": 1.0, "h5": 1.0, "h6": 0.95}


class _QtRenderer(RendererHTML):
    """markdown-it's HTML renderer with Qt-friendly output for the few elements that need it."""

    def heading_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        theme: RenderTheme = env["theme"]
        tag = tokens[idx].tag
        size = round(theme.base_point_size * _HEADING_SCALE.get(tag, 1.0), 1)
        return (
            f'<{tag} style="font-size:{size}pt; font-weight:600; '
            f'margin-top:14px; margin-bottom:6px">'
        )

    def paragraph_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        if tokens[idx].hidden:
            return ""
        return '<p style="margin-top:0px; margin-bottom:10px; line-height:125%">'

    def bullet_list_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._list_open("ul", tokens[idx])

    def ordered_list_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._list_open("ol", tokens[idx])

    @staticmethod
    def _list_open(tag: str, token: Token) -> str:
        start = token.attrGet("start")
        start_attr = f' start="{int(start)}"' if start is not None else ""
        # Only an outer list gets space around it; nested ones hug their item.
        margin = "margin-top:0px; margin-bottom:10px" if token.level == 0 else "margin:0px"
        return f'<{tag}{start_attr} style="{margin}">'

    def list_item_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return '<li style="margin-top:2px; line-height:125%">'

    def code_inline(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        theme: RenderTheme = env["theme"]
        text = html.escape(tokens[idx].content, quote=False).replace(" ", "&nbsp;")
        return (
            f"<span style=\"font-family:'{theme.mono_family}'; "
            f'background-color:{theme.code_background}">&nbsp;{text}&nbsp;</span>'
        )

    def fence(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        # The piece may end inside this fence; the next piece continues the block.
        closed = idx != env.get("open_fence")
        return self._code(token.content, language, env, closed=closed)

    def code_block(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return self._code(tokens[idx].content, "", env)

    def _code(self, code: str, language: str, env: Any, *, closed: bool = True) -> str:
        theme: RenderTheme = env["theme"]
        codes: list[str] = env["codes"]
        number = env["code_base"] + len(codes)
        codes.append(code)
        footer = code_footer(theme) if closed else ""
        return code_header(language, number, theme) + code_lines(code, language, theme) + footer

    def blockquote_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        theme: RenderTheme = env["theme"]
        return (
            '<table cellspacing="0" cellpadding="0" border="0" '
            'style="margin-top:10px; margin-bottom:10px"><tr>'
            f'<td width="3" bgcolor="{theme.quote_bar}"></td>'
            f'<td style="padding-left:12px; color:{theme.muted}">'
        )

    def blockquote_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "</td></tr></table>\n"

    def table_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        theme: RenderTheme = env["theme"]
        return (
            '<table border="1" cellspacing="0" cellpadding="6" '
            f'style="border-collapse:collapse; border-color:{theme.border}; '
            'border-style:solid; margin-top:10px; margin-bottom:10px">\n'
        )

    def th_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        theme: RenderTheme = env["theme"]
        return f'<th{self._align(tokens[idx])} bgcolor="{theme.code_header}">'

    def td_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return f"<td{self._align(tokens[idx])}>"

    @staticmethod
    def _align(token: Token) -> str:
        style = str(token.attrGet("style") or "")
        for side in ("left", "center", "right"):
            if f"text-align:{side}" in style:
                return f' align="{side}"'
        return ' align="left"'

    def image(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        # Never an <img>: nothing remote is fetched, the user may open the link.
        token = tokens[idx]
        alt = self.renderInlineAsText(token.children, options, env) or "image"
        label = html.escape(f"[image: {alt}]", quote=False)
        src = str(token.attrGet("src") or "")
        if src.lower().startswith(("http://", "https://")):
            return f'<a href="{html.escape(src)}">{label}</a>'
        return label


def _make_parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "breaks": True, "typographer": False},
        renderer_cls=_QtRenderer,
    )
    return parser.enable(["table", "strikethrough"])


_PARSER = _make_parser()


def render_markdown(text: str, theme: RenderTheme, *, code_base: int = 0) -> Rendered:
    """Render Markdown to Qt rich text; code blocks are numbered from `code_base`."""
    return render_piece(Piece(text), theme, code_base=code_base)


def render_piece(piece: Piece, theme: RenderTheme, *, code_base: int = 0) -> Rendered:
    """Render one piece cut by `markdown_blocks`; code blocks are numbered from `code_base`."""
    if piece.fence is not None:
        return _render_continuation(piece, piece.fence, theme)
    codes: list[str] = []
    env: dict[str, Any] = {"theme": theme, "codes": codes, "code_base": code_base}
    tokens = _PARSER.parse(piece.text, env)
    if piece.ends_in_fence:
        fences = [i for i, token in enumerate(tokens) if token.type == "fence"]
        env["open_fence"] = fences[-1] if fences else None
    # Trailing whitespace at the end of a document would become a space in its last block.
    return Rendered(_PARSER.renderer.render(tokens, _PARSER.options, env).rstrip(), codes)


def _render_continuation(piece: Piece, fence: Fence, theme: RenderTheme) -> Rendered:
    """Lines that continue an open code block, up to and with its closing line if present.

    Like an unclosed fence to markdown-it, the block looks closed unless the next
    piece continues it.
    """
    text = piece.text
    code = text
    closed = not piece.ends_in_fence
    start = 0
    while start < len(text):
        newline = text.find("\n", start)
        if newline == -1:
            break
        if fence.closed_by(text[start:newline]):
            code, closed = text[:start], True
            break
        start = newline + 1
    footer = code_footer(theme) if closed else ""
    return Rendered((code_lines(code, fence.language, theme) + footer).rstrip(), [], code)


def warm_up() -> None:
    """Load markdown-it and compile the commonest lexers before an answer needs them.

    The first Python code block would otherwise cost ~40 ms of regex compiling in
    the middle of a stream. Safe to run on a worker thread.
    """
    theme = RenderTheme()
    render_markdown("# a\n\n- b\n\n| a |\n|---|\n| 1 |\n\n```python\nx = 1\n```\n", theme)
    for language in ("python", "bash", "javascript"):
        highlight("x = 1\n", language, theme)
