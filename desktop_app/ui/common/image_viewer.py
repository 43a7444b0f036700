"""A dialog that shows one attachment large: fitted to the window, or pixel for pixel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QImage, QKeySequence, QMouseEvent, QPainter, QPalette, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.image_work import SourceCopy
from desktop_app.core.images import PreparedImage
from desktop_app.ui.common.qt_images import pil_to_qimage, qimage_from_bytes


class _Canvas(QWidget):
    """Paints the image scaled to fit, or at one image pixel per device pixel."""

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = image
        self.fit = True
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def actual_size(self) -> QSize:
        """Logical size at which one image pixel lands on one screen pixel."""
        ratio = self.devicePixelRatioF() or 1.0
        return QSize(
            max(1, round(self._image.width() / ratio)), max(1, round(self._image.height() / ratio))
        )

    def image_rect(self) -> QRect:
        if self.fit:
            size = self.actual_size()
            if size.width() > self.width() or size.height() > self.height():
                size = size.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        else:
            size = self.actual_size()
        rect = QRect(0, 0, size.width(), size.height())
        rect.moveCenter(self.rect().center())
        return rect

    def paintEvent(self, _event: QEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.image_rect(), self._image)


class ImageViewer(QDialog):
    """Shows an image at full size in a scrollable view; F or double-click toggles fitting."""

    def __init__(
        self, image: QImage, title: str, caption: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.canvas = _Canvas(image)
        self.canvas.installEventFilter(self)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.canvas)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area.setBackgroundRole(QPalette.ColorRole.Dark)

        self.fit_button = QPushButton("&Fit to window")
        self.fit_button.setCheckable(True)
        self.fit_button.setChecked(True)
        self.fit_button.setToolTip("Fit the image to the window, or show it pixel for pixel (F)")
        self.fit_button.toggled.connect(self._on_fit_button_toggled)
        QShortcut(QKeySequence("F"), self, self.fit_button.toggle)
        self.caption = QLabel(caption)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        bottom = QHBoxLayout()
        bottom.addWidget(self.fit_button)
        bottom.addWidget(self.caption, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(bottom)

        self._apply_fit(True)
        self._size_to_image()

    def _size_to_image(self) -> None:
        """Open as large as the image, but no larger than most of the screen."""
        screen = self.screen().availableGeometry() if self.screen() else QRect(0, 0, 1280, 800)
        wanted = self.canvas.actual_size() + QSize(40, 90)
        self.resize(
            max(480, min(wanted.width(), int(screen.width() * 0.85))),
            max(320, min(wanted.height(), int(screen.height() * 0.85))),
        )

    def _apply_fit(self, fit: bool) -> None:
        self.canvas.fit = fit
        self.scroll_area.setWidgetResizable(fit)
        if not fit:
            self.canvas.resize(self.canvas.actual_size())
        self.canvas.update()

    def _on_fit_button_toggled(self, checked: bool) -> None:
        self._apply_fit(checked)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() == QEvent.Type.MouseButtonDblClick:
            assert isinstance(event, QMouseEvent)
            self.fit_button.toggle()
            return True
        return super().eventFilter(watched, event)


def view_attachment(
    prepared: PreparedImage, copy: SourceCopy | None, parent: QWidget | None
) -> ImageViewer:
    """Open a viewer on an attachment: its kept copy has the most pixels; until that
    lands, the bytes that will be sent."""
    image = pil_to_qimage(copy.decode(prepared.name)) if copy else qimage_from_bytes(prepared.data)
    width, height = prepared.original_size
    sent_w, sent_h = prepared.sent_size
    caption = f"Original {width}×{height} · the model gets {sent_w}×{sent_h}"
    if (image.width(), image.height()) != (width, height):
        caption += f" · shown at {image.width()}×{image.height()}"
    viewer = ImageViewer(image, prepared.name, caption, parent)
    viewer.open()
    return viewer
