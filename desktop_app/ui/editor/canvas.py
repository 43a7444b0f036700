"""The editor's canvas: the image fitted to the window, its edits drawn over it, drag to draw.

What is painted here is a preview; the pixels sent are made by
`core.image_edits.apply_edits` on the full-size image. Everything the canvas
reports is in full-size image pixels, so the zoom never changes an edit.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.core.image_edits import (
    ARROW_COLOR,
    HIGHLIGHT_COLOR,
    LABEL_BACKGROUND,
    LABEL_DEFAULT_PX,
    LABEL_TEXT_COLOR,
    Edit,
)

TOOLS = ("crop", "redact", "highlight", "arrow", "label")
MIN_DRAG = 3  # image pixels: a shorter drag is a click, not a box
MARGIN = 12
HIGHLIGHT = QColor(*HIGHLIGHT_COLOR)  # the colours apply_edits uses
MARK = QColor(*ARROW_COLOR)
PROPOSAL = QColor(255, 90, 0)

Box = tuple[int, int, int, int]


def normalized(x1: int, y1: int, x2: int, y2: int) -> Box:
    """A left, top, width, height box from two corners in any order."""
    return min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1)


class EditorCanvas(QWidget):
    """Paints the image with its edits; the mouse draws with the current tool.

    Signals:
        drawn(str, object): a drag drew a box with this tool (an arrow: x1, y1, x2, y2).
        label_requested(int, int): the label tool was clicked here; ask for the text.
    """

    drawn = Signal(str, object)
    label_requested = Signal(int, int)

    def __init__(self, image: QImage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = image
        self.tool = "redact"
        self.edits: tuple[Edit, ...] = ()
        self.proposals: tuple[Edit, ...] = ()
        self._start: tuple[int, int] | None = None
        self._end: tuple[int, int] = (0, 0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMouseTracking(False)
        self.setAccessibleName("Image")
        self.setBackgroundRole(QPalette.ColorRole.Dark)
        self.setAutoFillBackground(True)

    def show_state(self, edits: tuple[Edit, ...], proposals: tuple[Edit, ...]) -> None:
        self.edits, self.proposals = edits, proposals
        self.update()

    # -- geometry ----------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        ratio = self.devicePixelRatioF() or 1.0
        return QSize(
            round(self.image.width() / ratio) + 2 * MARGIN,
            round(self.image.height() / ratio) + 2 * MARGIN,
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 120)

    def image_rect(self) -> QRectF:
        """Where the image is drawn: fitted inside the margins, never larger than 1:1."""
        ratio = self.devicePixelRatioF() or 1.0
        width, height = self.image.width() / ratio, self.image.height() / ratio
        room_w, room_h = max(1, self.width() - 2 * MARGIN), max(1, self.height() - 2 * MARGIN)
        scale = min(1.0, room_w / width, room_h / height)
        w, h = width * scale, height * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def scale(self) -> float:
        """Widget pixels per image pixel."""
        return self.image_rect().width() / max(1, self.image.width())

    def to_image(self, point: QPointF) -> tuple[int, int]:
        rect, scale = self.image_rect(), self.scale()
        x = round((point.x() - rect.left()) / scale)
        y = round((point.y() - rect.top()) / scale)
        return min(max(x, 0), self.image.width()), min(max(y, 0), self.image.height())

    def to_widget(self, x: float, y: float) -> QPointF:
        rect, scale = self.image_rect(), self.scale()
        return QPointF(rect.left() + x * scale, rect.top() + y * scale)

    def box_rect(self, box: Box) -> QRectF:
        left, top, width, height = box
        return QRectF(self.to_widget(left, top), self.to_widget(left + width, top + height))

    # -- mouse -------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = self._end = self.to_image(event.position())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._start is not None:
            self._end = self.to_image(event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._start is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        start, end = self._start, self.to_image(event.position())
        self._start = None
        self.update()
        if self.tool == "label":
            self.label_requested.emit(*start)
            return
        if self.tool == "arrow":
            if math.dist(start, end) >= MIN_DRAG:
                self.drawn.emit("arrow", (*start, *end))
            return
        box = normalized(*start, *end)
        if box[2] >= MIN_DRAG and box[3] >= MIN_DRAG:
            self.drawn.emit(self.tool, box)

    # -- painting ----------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.image_rect(), self.image)
        for edit in self.edits:
            if edit.kind != "crop":
                self._paint_edit(painter, edit)
        for proposal in self.proposals:
            self._paint_proposal(painter, proposal)
        crop = next((edit for edit in self.edits if edit.kind == "crop"), None)
        if self._start is not None and self.tool == "crop":
            crop = Edit("crop", normalized(*self._start, *self._end))
        if crop is not None:
            self._paint_crop(painter, crop.box)
        if self._start is not None and self.tool not in ("crop", "label"):
            box = (*self._start, *self._end)
            drag = box if self.tool == "arrow" else normalized(*box)
            self._paint_edit(painter, Edit(self.tool, drag))

    def _paint_edit(self, painter: QPainter, edit: Edit) -> None:
        if edit.kind == "redact":
            painter.fillRect(self.box_rect(edit.box), Qt.GlobalColor.black)
        elif edit.kind == "highlight":
            painter.fillRect(self.box_rect(edit.box), HIGHLIGHT)
        elif edit.kind == "arrow":
            self._paint_arrow(painter, edit.box)
        elif edit.kind == "label":
            self._paint_label(painter, edit)

    def _paint_arrow(self, painter: QPainter, box: Box) -> None:
        x1, y1, x2, y2 = box
        start, end = self.to_widget(x1, y1), self.to_widget(x2, y2)
        width = max(2.0, 4 * self.scale())
        painter.setPen(QPen(MARK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(start, end)
        angle = math.atan2(end.y() - start.y(), end.x() - start.x())
        size = width * 4
        head = QPolygonF(
            [
                end,
                end - QPointF(math.cos(angle - 0.45) * size, math.sin(angle - 0.45) * size),
                end - QPointF(math.cos(angle + 0.45) * size, math.sin(angle + 0.45) * size),
            ]
        )
        painter.setBrush(MARK)
        painter.drawPolygon(head)

    def _paint_label(self, painter: QPainter, edit: Edit) -> None:
        """Text from the box's top-left at its height, on a light pad (as apply_edits draws)."""
        left, top, _width, height = edit.box
        size = max(4, round(height * self.scale()))
        font = QFont("DejaVu Sans")
        font.setPixelSize(size)
        origin = self.to_widget(left, top)
        text = QFontMetricsF(font).boundingRect(
            QRectF(origin, QSizeF(1e5, 1e5)), Qt.AlignmentFlag.AlignLeft, edit.text
        )
        pad = max(2.0, size / 5)
        painter.save()
        painter.setFont(font)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(*LABEL_BACKGROUND))
        painter.drawRoundedRect(text.adjusted(-pad, -pad, pad, pad), pad, pad)
        painter.setPen(QColor(*LABEL_TEXT_COLOR))
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft, edit.text)
        painter.restore()

    def _paint_proposal(self, painter: QPainter, proposal: Edit) -> None:
        painter.save()
        pen = QPen(PROPOSAL, 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor(PROPOSAL.red(), PROPOSAL.green(), PROPOSAL.blue(), 50)))
        painter.drawRect(self.box_rect(proposal.box))
        painter.restore()

    def _paint_crop(self, painter: QPainter, box: Box) -> None:
        """Dim what the crop leaves out and frame what it keeps."""
        kept = self.box_rect(box)
        outside = QPainterPath()
        outside.addRect(self.image_rect())
        inner = QPainterPath()
        inner.addRect(kept)
        painter.fillPath(outside.subtracted(inner), QColor(0, 0, 0, 150))
        painter.setPen(QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(kept)


def label_box(x: int, y: int, text: str, image_height: int) -> Box:
    """Where a label clicked at (x, y) starts, and its text size: legible at the image's size."""
    height = max(LABEL_DEFAULT_PX, round(image_height / 40))
    return x, y, round(len(text) * height * 0.62), height
