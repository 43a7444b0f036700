"""The loupe next to the cursor: zoomed physical pixels, a crosshair, the pixel's colour.

Everything here works in device (physical) pixels of one screen, so each zoomed
cell is a whole number of device pixels and stays sharp at fractional scales.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen

CELLS = 15  # pixels across the loupe; odd so one sits in the middle
CELL_LOGICAL = 8  # zoom: logical pixels per magnified pixel
OFFSET_LOGICAL = 22  # gap between the cursor and the loupe
INFO_LOGICAL = 36  # height of the strip with the colour and coordinates
ACCENT = QColor(46, 144, 255)


def _cell(dpr: float) -> int:
    return max(3, round(CELL_LOGICAL * dpr))


def magnifier_rect(cursor: QPoint, screen: QSize, dpr: float) -> QRect:
    """Where the loupe goes for a cursor at ``cursor`` (device pixels): below-right,
    flipped left or up when it would leave the screen."""
    side = _cell(dpr) * CELLS
    size = QSize(side, side + round(INFO_LOGICAL * dpr))
    gap = round(OFFSET_LOGICAL * dpr)
    x = cursor.x() + gap
    y = cursor.y() + gap
    if x + size.width() > screen.width():
        x = cursor.x() - gap - size.width()
    if y + size.height() > screen.height():
        y = cursor.y() - gap - size.height()
    return QRect(QPoint(max(0, x), max(0, y)), size)


def paint_magnifier(
    painter: QPainter,
    image: QImage,
    pixel: QPoint,
    rect: QRect,
    dpr: float,
    *,
    label: str,
    selection: QRect | None = None,
) -> None:
    """Draw the loupe for screen pixel ``pixel`` of ``image`` into ``rect``.

    ``selection`` (screen pixels) is outlined inside the loupe too, so the edge
    can be put on an exact pixel; ``label`` names the pixel (its coordinates).
    """
    cell = _cell(dpr)
    side = cell * CELLS
    box = QRect(rect.x(), rect.y(), side, side)
    half = CELLS // 2
    origin = QPoint(pixel.x() - half, pixel.y() - half)  # screen pixel in the top-left cell

    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    painter.fillRect(box, QColor(24, 24, 28))
    source = QRect(origin, QSize(CELLS, CELLS)).intersected(image.rect())
    if not source.isEmpty():
        target = QRect(
            box.x() + (source.x() - origin.x()) * cell,
            box.y() + (source.y() - origin.y()) * cell,
            source.width() * cell,
            source.height() * cell,
        )
        painter.drawImage(target, image, source)

    painter.setClipRect(box)
    if cell >= 8:  # a faint grid makes single pixels countable
        painter.setPen(QPen(QColor(0, 0, 0, 40), 1))
        for i in range(1, CELLS):
            painter.drawLine(box.x() + i * cell, box.y(), box.x() + i * cell, box.bottom())
            painter.drawLine(box.x(), box.y() + i * cell, box.right(), box.y() + i * cell)
    # Crosshair: tint the middle row and column, frame the middle pixel.
    band = QColor(ACCENT.red(), ACCENT.green(), ACCENT.blue(), 70)
    mid = box.x() + half * cell, box.y() + half * cell
    painter.fillRect(QRect(box.x(), mid[1], half * cell, cell), band)
    painter.fillRect(QRect(mid[0] + cell, mid[1], half * cell, cell), band)
    painter.fillRect(QRect(mid[0], box.y(), cell, half * cell), band)
    painter.fillRect(QRect(mid[0], mid[1] + cell, cell, half * cell), band)
    if selection is not None and not selection.isEmpty():
        sel = QRect(
            box.x() + (selection.x() - origin.x()) * cell,
            box.y() + (selection.y() - origin.y()) * cell,
            selection.width() * cell,
            selection.height() * cell,
        )
        width = max(1, round(dpr))
        painter.setPen(QPen(ACCENT, width))
        painter.drawRect(sel.adjusted(0, 0, -width, -width))
    frame = max(1, round(dpr))
    painter.setPen(QPen(QColor(0, 0, 0), frame))
    painter.drawRect(QRect(mid[0], mid[1], cell, cell).adjusted(0, 0, -frame, -frame))
    painter.setPen(QPen(QColor(255, 255, 255), frame))
    inner = QRect(mid[0], mid[1], cell, cell).adjusted(frame, frame, -2 * frame, -2 * frame)
    painter.drawRect(inner)
    painter.setClipping(False)

    # Info strip: a swatch, the colour's hex code and the pixel's coordinates.
    strip = QRect(box.x(), box.y() + side, side, rect.height() - side)
    painter.fillRect(strip, QColor(24, 24, 28, 240))
    colour = QColor(image.pixel(pixel)) if image.rect().contains(pixel) else QColor(0, 0, 0)
    pad = round(6 * dpr)
    swatch = QRect(
        strip.x() + pad, strip.y() + pad, strip.height() - 2 * pad, strip.height() - 2 * pad
    )
    painter.fillRect(swatch, colour)
    painter.setPen(QPen(QColor(255, 255, 255, 150), 1))
    painter.drawRect(swatch.adjusted(0, 0, -1, -1))
    left = swatch.x() + swatch.width() + pad
    lines = QRect(left, swatch.y(), strip.x() + strip.width() - pad - left, swatch.height())
    top, bottom = (
        lines.adjusted(0, 0, 0, -lines.height() // 2),
        lines.adjusted(0, lines.height() // 2, 0, 0),
    )
    font = QFont()
    font.setPixelSize(max(8, round(11 * dpr)))
    font.setWeight(QFont.Weight.DemiBold)
    painter.setFont(font)
    painter.setPen(QColor(240, 240, 244))
    align = int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
    painter.drawText(top, align, colour.name().upper())
    font.setWeight(QFont.Weight.Normal)
    painter.setFont(font)
    painter.setPen(QColor(190, 190, 200))
    painter.drawText(
        bottom,
        align,
        QFontMetrics(font).elidedText(label, Qt.TextElideMode.ElideRight, bottom.width()),
    )

    outline = QRect(rect.x(), rect.y(), side, rect.height())
    painter.setPen(QPen(QColor(255, 255, 255, 220), 1))
    painter.drawRect(outline.adjusted(0, 0, -1, -1))
    painter.setPen(QPen(QColor(0, 0, 0, 150), 1))  # keeps the loupe apart from white pages
    painter.drawRect(outline.adjusted(-1, -1, 0, 0))
    painter.restore()
