"""Grab every screen at once, spot blank grabs, and cut the selection out of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QScreen

from .geometry import CropPlan, Desktop, Rect, ScreenLayout

# Platforms whose global coordinates are logical rather than native pixels.
_LOGICAL_PLATFORMS = frozenset({"cocoa", "wayland", "ios"})
_BLANK_SAMPLE = 256  # side of the scaled copy a blank check looks at
_DARK = 3  # channel values up to this count as black (dithering, colour profiles)


@dataclass(frozen=True)
class ScreenGrab:
    """One screen's frozen pixels (device pixel ratio 1) and where the screen is."""

    screen: QScreen
    layout: ScreenLayout
    image: QImage


def grab_screens(screens: Sequence[QScreen] | None = None) -> list[ScreenGrab]:
    """Grab every screen back to back, so all of them show the same moment."""
    screens = list(screens) if screens is not None else QGuiApplication.screens()
    pixmaps = [screen.grabWindow(0) for screen in screens]
    grabs = []
    for screen, pixmap in zip(screens, pixmaps, strict=True):
        image = pixmap.toImage()
        if image.format() not in (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32):
            image = image.convertToFormat(QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(1.0)
        geo = screen.geometry()
        layout = ScreenLayout(
            logical=Rect(geo.x(), geo.y(), geo.width(), geo.height()),
            dpr=screen.devicePixelRatio(),
            pixels=(image.width(), image.height()),
        )
        grabs.append(ScreenGrab(screen, layout, image))
    return grabs


def desktop_of(grabs: Sequence[ScreenGrab], platform_name: str | None = None) -> Desktop:
    """The desktop-pixel space for these grabs (native pixels unless the platform is logical)."""
    name = platform_name if platform_name is not None else QGuiApplication.platformName()
    return Desktop([g.layout for g in grabs], native=name not in _LOGICAL_PLATFORMS)


def is_blank(image: QImage) -> bool:
    """True when an image is empty, fully transparent or black.

    Looks at a nearest-neighbour copy of at most 256×256 pixels: cheap on a 4K
    screen, and a real desktop always has some non-black pixels among 65,536.
    """
    if image.isNull() or image.width() == 0 or image.height() == 0:
        return True
    small = image.scaled(
        min(_BLANK_SAMPLE, image.width()),
        min(_BLANK_SAMPLE, image.height()),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.FastTransformation,
    ).convertToFormat(QImage.Format.Format_ARGB32)
    data = bytes(small.constBits())[: small.sizeInBytes()]
    # ARGB32 is stored as B, G, R, A bytes on little-endian machines.
    if max(data[3::4]) == 0:
        return True
    return max(data[0::4]) <= _DARK and max(data[1::4]) <= _DARK and max(data[2::4]) <= _DARK


def all_blank(grabs: Sequence[ScreenGrab]) -> bool:
    """A failed grab looks blank on every screen; one dark monitor is not a failure."""
    return not grabs or all(is_blank(g.image) for g in grabs)


def _qrect(r: Rect) -> QRect:
    return QRect(r.x, r.y, r.w, r.h)


def compose(images: Sequence[QImage], plan: CropPlan) -> QImage:
    """Build the output image of a crop plan from the screens' images (in screen
    order); pieces of equal size are copied exactly, pixel for pixel."""
    width, height = plan.size
    if len(plan.pieces) == 1:
        piece = plan.pieces[0]
        if not piece.scaled and piece.dest == Rect(0, 0, width, height):
            image = images[piece.screen].copy(_qrect(piece.source))
            image.setDevicePixelRatio(1.0)
            return image
    covered = plan.covers_output()
    fmt = QImage.Format.Format_RGB32 if covered else QImage.Format.Format_ARGB32_Premultiplied
    image = QImage(max(width, 0), max(height, 0), fmt)
    image.fill(Qt.GlobalColor.black if covered else Qt.GlobalColor.transparent)
    if image.isNull():
        return image
    painter = QPainter(image)
    try:
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        for piece in plan.pieces:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, piece.scaled)
            painter.drawImage(_qrect(piece.dest), images[piece.screen], _qrect(piece.source))
    finally:
        painter.end()
    return image
