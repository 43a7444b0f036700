"""Code blocks for Qt rich text: pygments colours inlined, built from plain blocks.

A code block is a header paragraph (language, a tab, a "Copy" anchor), `<pre>`
lines and a closing spacer, all with a background. Plain blocks, not a table:
Qt lays out a whole table again on every change, but appends blocks in constant
time, so a long code block can stream in pieces. Two things HTML cannot say are
done by the view: the header's tab stop that puts "Copy" at the right edge, and
the background under the left margin that pads the code (Qt paints a block's
background only under its text).
Plain Python: no Qt here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from pygments.token import Text, _TokenType

if TYPE_CHECKING:
    from pygments.lexer import Lexer

COPY_SCHEME = "askshot-copy"
CODE_PADDING = 10  # px between the code background's edges and the text


@dataclass(frozen=True)
class RenderTheme:
    """Colours (``#rrggbb``) and fonts for rendered answers, taken from the palette."""

    dark: bool = False
    text: str = "#1f1f1f"
    muted: str = "#6b6b6b"
    link: str = "#1a5fb4"
    code_background: str = "#f3f3f3"
    code_header: str = "#e8e8e8"
    border: str = "#d0d0d0"
    quote_bar: str = "#c4c4c4"
    mono_family: str = "monospace"
    base_point_size: float = 10.0

    @property
    def pygments_style(self) -> str:
        return "one-dark" if self.dark else "default"


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    # Imported on first use: pygments' lexer registry is not needed to start the app.
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    if not language:
        return None
    try:
        return get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=2048)
def _token_css(style_name: str, token_type: _TokenType, background: str) -> str:
    """Inline CSS for one token type; a colour that would be hard to read is dropped."""
    from pygments.styles import get_style_by_name

    if token_type is Text:
        return ""
    style_class = get_style_by_name(style_name)
    while not style_class.styles_token(token_type) and token_type.parent is not None:
        token_type = token_type.parent  # lexers may use types a style does not name
    style = style_class.style_for_token(token_type)
    parts = []
    if style["color"] and contrast("#" + style["color"], background) >= 3.0:
        parts.append(f"color:#{style['color']}")
    if style["bold"]:
        parts.append("font-weight:bold")
    if style["italic"]:
        parts.append("font-style:italic")
    return ";".join(parts)


def _lex(code: str, language: str, style_name: str, background: str) -> str:
    lexer = _lexer(language)
    if lexer is None:
        return html.escape(code, quote=False)
    out: list[str] = []
    run_css = ""
    run: list[str] = []
    for token_type, value in lexer.get_tokens(code):
        css = _token_css(style_name, token_type, background)
        if css != run_css and run:
            text = html.escape("".join(run), quote=False)
            out.append(f'<span style="{run_css}">{text}</span>' if run_css else text)
            run = []
        run_css = css
        run.append(value)
    if run:
        text = html.escape("".join(run), quote=False)
        out.append(f'<span style="{run_css}">{text}</span>' if run_css else text)
    return "".join(out)


_lex_lines = lru_cache(maxsize=32)(_lex)


def highlight(code: str, language: str, theme: RenderTheme) -> str:
    """Escaped, coloured HTML for the code; plain when the language is unknown.

    Complete lines are highlighted once and cached; while a block streams only
    its last, unfinished line is lexed again on each update.
    """
    head, newline, last = code.rpartition("\n")
    style, background = theme.pygments_style, theme.code_background
    if not newline:
        return _lex(code, language, style, background)
    return _lex_lines(head + newline, language, style, background) + (
        _lex(last, language, style, background) if last else ""
    )


def code_header(language: str, number: int, theme: RenderTheme) -> str:
    """The bar above a code block: its language and the "Copy" anchor for block `number`."""
    label = html.escape(language, quote=False) if language else "code"
    spacer = (
        f'<p style="-qt-paragraph-type:empty; background-color:{theme.code_header}; '
        'margin:0px; font-size:3pt"></p>'
    )
    return (
        spacer.replace("margin:0px", "margin:8px 0px 0px 0px")
        + f'<p style="background-color:{theme.code_header}; margin:0px; '
        f'margin-left:{CODE_PADDING}px"><span style="color:{theme.muted}">{label}</span>'
        '<span style="white-space:pre">\t</span>'
        f'<a href="{COPY_SCHEME}:{number}" style="color:{theme.link}; text-decoration:none">'
        "Copy</a></p>" + spacer + _code_spacer(theme, "margin:0px")
    )


def code_lines(code: str, language: str, theme: RenderTheme) -> str:
    """Highlighted `<pre>` lines; one code block may be several of these in a row."""
    if not code:
        return ""
    # Qt drops one newline right after <pre> and one plain newline before </pre>:
    # the first keeps a leading blank line, the code's own final newline ends its
    # last line (moved out of a span, where Qt would keep it as an empty line).
    body = highlight(code.expandtabs(4), language, theme)
    if body.endswith("\n</span>"):
        body = body[: -len("\n</span>")] + "</span>\n"
    return (
        f'<pre style="background-color:{theme.code_background}; margin:0px; '
        f"margin-left:{CODE_PADDING}px; white-space:pre-wrap; "
        f"font-family:'{theme.mono_family}'; color:{theme.text}\">\n{body}</pre>"
    )


def code_footer(theme: RenderTheme) -> str:
    """The padding that closes a code block."""
    return _code_spacer(theme, "margin:0px 0px 10px 0px") + "\n"


def _code_spacer(theme: RenderTheme, margin: str) -> str:
    return (
        f'<p style="-qt-paragraph-type:empty; background-color:{theme.code_background}; '
        f'{margin}; font-size:4pt"></p>'
    )
