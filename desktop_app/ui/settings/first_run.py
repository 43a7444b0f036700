"""The panel a person sees before any key is set: where to get one, where it goes."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.common.icons import app_icon

COLUMN_WIDTH = 520
MIN_COLUMN_WIDTH = 240
HELP_TEXT = """
<p>Grab a region of your screen, or paste, drop or open an image, and ask a
question about it. Answers come from <b>GPT-4o mini</b> through the OpenAI API,
or any OpenAI-compatible service (OpenRouter, Gate.AI, a local server).</p>
<p><b>First, an API key.</b> Create one in your provider's dashboard (for
OpenAI: <i>API keys</i> in the platform settings; for OpenRouter: <i>Keys</i>),
then paste it into Settings.</p>
<p>{keyring}</p>
<p>A local server such as Ollama needs no key: pick <i>Local server</i> in Settings.</p>
"""


class FirstRunPanel(QWidget):
    """Shown in place of the chat until a key (or a keyless provider) is set.

    Signals:
        settings_requested(): the user wants to open Settings.
    """

    settings_requested = Signal()

    def __init__(self, backend_name: str = "OS keyring", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Welcome to AskShot")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setMinimumWidth(MIN_COLUMN_WIDTH)
        self.set_backend_name(backend_name)
        self.button = QPushButton("Open Settings…")
        self.button.setDefault(True)
        self.button.setMinimumHeight(36)
        self.button.clicked.connect(self.settings_requested)

        # A readable column, narrower (the text wraps taller) when the window is small.
        column_widget = QWidget()
        column_widget.setMaximumWidth(COLUMN_WIDTH)
        column = QVBoxLayout(column_widget)
        column.setContentsMargins(0, 0, 0, 0)
        column.addStretch(1)
        column.addWidget(icon)
        column.addSpacing(8)
        column.addWidget(title)
        column.addSpacing(8)
        column.addWidget(self.text)
        column.addSpacing(12)
        column.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(2)
        content = QWidget()
        layout = QHBoxLayout(content)
        layout.addStretch(1)
        layout.addWidget(column_widget, 100)
        layout.addStretch(1)
        # On a small screen (or at 200 %) the panel scrolls instead of making the window
        # larger than the screen.
        scroll = QScrollArea(self)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def set_backend_name(self, name: str) -> None:
        if name.lower().startswith("no keyring"):
            keyring = (
                "No keyring is available on this computer right now. Settings says how "
                "to set one up, and can keep a key for this session only; AskShot never "
                "writes a key to a file."
            )
        else:
            keyring = (
                f"The key is stored in your operating system's keyring (<i>{name}</i>), "
                "never in a file, and is never shown again in full."
            )
        self.text.setText(HELP_TEXT.format(keyring=keyring))
