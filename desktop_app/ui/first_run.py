"""The panel a person sees before any key is set: where to get one, where it goes."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.resources import resource_path

HELP_TEXT = """
<h2>Welcome to AskShot</h2>
<p>Grab a region of your screen, or paste, drop or open an image, and ask a
question about it. Answers come from <b>GPT-4o mini</b> through the OpenAI API,
or any OpenAI-compatible service (OpenRouter, Gate.AI, a local server).</p>
<p><b>First, an API key.</b> Create one in your provider's dashboard (for
OpenAI: <i>API keys</i> in the platform settings; for OpenRouter: <i>Keys</i>),
then paste it into Settings.</p>
<p>The key is stored in your operating system's keyring
(<i>{backend}</i>), never in a file, and is never shown again in full.</p>
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
        from PySide6.QtGui import QIcon

        icon.setPixmap(QIcon(str(resource_path("askshot.svg"))).pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(HELP_TEXT.format(backend=backend_name))
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setMaximumWidth(560)
        self.button = QPushButton("Open Settings…")
        self.button.setDefault(True)
        self.button.setMinimumHeight(36)
        self.button.clicked.connect(self.settings_requested)

        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(icon)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(12)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def set_backend_name(self, name: str) -> None:
        self.text.setText(HELP_TEXT.format(backend=name))
