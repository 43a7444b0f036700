"""Coordinate math for screen capture, kept free of Qt so it can be tested alone.

Three spaces meet here:

* logical: Qt's device-independent pixels (``QScreen.geometry()``, mouse events);
* screen pixels: the physical pixels of one screen's grab, origin at its top-left;
* desktop pixels: one integer space holding every screen, where the selection lives.

On X11 and Windows (``native=True``) Qt keeps each screen's *native* top-left as its
logical top-left and only scales the size, so desktop pixels are the real physical
desktop: screen *i* covers ``(x_i, y_i, pixel_w_i, pixel_h_i)``, every screen pixel is
one desktop pixel, and a region spanning a 100% and a 200% monitor is copied 1:1 from
both, exactly as the monitors show it. On platforms whose global coordinates are
logical (macOS, Wayland) desktop pixels are logical pixels times the highest scale,
and a region spanning screens of different scales upscales the lower-scale parts to
the highest scale; a region on one screen is always that screen's own pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_EPS = 1e-6


@dataclass(frozen=True)
class Rect:
    """An integer rectangle; ``right`` and ``bottom`` are exclusive (grid lines)."""

    x: int
    y: int
    w: int
    h: int

    @classmethod
    def from_edges(cls, left: int, top: int, right: int, bottom: int) -> Rect:
        return cls(left, top, max(0, right - left), max(0, bottom - top))

    @classmethod
    def spanning(cls, a: tuple[int, int], b: tuple[int, int]) -> Rect:
        """The rectangle between two grid points, whichever way the drag went."""
        return cls.from_edges(min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def size(self) -> tuple[int, int]:
        return (self.w, self.h)

    def is_empty(self) -> bool:
        return self.w <= 0 or self.h <= 0

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.right and self.y <= py < self.bottom

    def intersected(self, other: Rect) -> Rect:
        return Rect.from_edges(
            max(self.x, other.x),
            max(self.y, other.y),
            min(self.right, other.right),
            min(self.bottom, other.bottom),
        )

    def united(self, other: Rect) -> Rect:
        return Rect.from_edges(
            min(self.x, other.x),
            min(self.y, other.y),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )

    def translated(self, dx: int, dy: int) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def distance_to(self, px: float, py: float) -> float:
        dx = max(self.x - px, 0.0, px - self.right)
        dy = max(self.y - py, 0.0, py - self.bottom)
        return math.hypot(dx, dy)


@dataclass(frozen=True)
class ScreenLayout:
    """One screen as the capture sees it."""

    logical: Rect  # QScreen.geometry()
    dpr: float  # QScreen.devicePixelRatio()
    pixels: tuple[int, int]  # size of this screen's grab in physical pixels


@dataclass(frozen=True)
class Piece:
    """Copy ``source`` (screen pixels of ``screen``) into ``dest`` (output pixels)."""

    screen: int
    source: Rect
    dest: Rect

    @property
    def scaled(self) -> bool:
        return self.source.size != self.dest.size


@dataclass(frozen=True)
class CropPlan:
    """How to build the output image of a selection from the per-screen grabs."""

    size: tuple[int, int]
    pieces: tuple[Piece, ...]

    def covers_output(self) -> bool:
        """False when part of the output lies on no screen (an L-shaped layout)."""
        covered = sum(p.dest.w * p.dest.h for p in self.pieces)
        return covered >= self.size[0] * self.size[1]


def _floor(v: float) -> int:
    return math.floor(v + _EPS)


def _ceil(v: float) -> int:
    return math.ceil(v - _EPS)


class Desktop:
    """Every screen placed in one desktop-pixel space (see the module docstring)."""

    def __init__(self, screens: Sequence[ScreenLayout], *, native: bool = True) -> None:
        if not screens:
            raise ValueError("a desktop needs at least one screen")
        self.screens = tuple(screens)
        self.native = native
        top_scale = max(s.dpr for s in self.screens)
        placements: list[Rect] = []
        scales: list[float] = []
        for s in self.screens:
            k = 1.0 if native else top_scale / s.dpr  # desktop px per screen px
            ox = s.logical.x if native else round(s.logical.x * top_scale)
            oy = s.logical.y if native else round(s.logical.y * top_scale)
            placements.append(Rect(ox, oy, round(s.pixels[0] * k), round(s.pixels[1] * k)))
            scales.append(k)
        self.placements = tuple(placements)
        self.scales = tuple(scales)
        bounds = placements[0]
        for r in placements[1:]:
            bounds = bounds.united(r)
        self.bounds = bounds

    # --- finding screens -------------------------------------------------------
    def screen_at(self, point: tuple[int, int]) -> int | None:
        """The screen whose desktop pixels contain ``point``, if any."""
        for i, r in enumerate(self.placements):
            if r.contains(*point):
                return i
        return None

    def nearest_screen(self, point: tuple[int, int]) -> int:
        found = self.screen_at(point)
        if found is not None:
            return found
        return min(
            range(len(self.placements)), key=lambda i: self.placements[i].distance_to(*point)
        )

    def screen_at_logical(self, gx: float, gy: float) -> int:
        """The screen under a global logical point, or the nearest one."""
        for i, s in enumerate(self.screens):
            if s.logical.contains(gx, gy):
                return i
        return min(
            range(len(self.screens)), key=lambda i: self.screens[i].logical.distance_to(gx, gy)
        )

    # --- mapping points -------------------------------------------------------
    def grid_point(self, index: int, lx: float, ly: float) -> tuple[int, int]:
        """A position local to screen ``index`` (logical) as a desktop grid point.

        Grid points are pixel corners: the cursor at a pixel means that pixel's
        top-left corner, so a drag from A to B selects the pixels between them.
        """
        s = self.screens[index]
        px = min(max(_floor(lx * s.dpr), 0), s.pixels[0])
        py = min(max(_floor(ly * s.dpr), 0), s.pixels[1])
        return self._to_desktop(index, px, py)

    def grid_point_global(self, gx: float, gy: float) -> tuple[int, int]:
        """A global logical position (``QMouseEvent.globalPosition()``) as a grid point."""
        i = self.screen_at_logical(gx, gy)
        origin = self.screens[i].logical
        return self.grid_point(i, gx - origin.x, gy - origin.y)

    def _to_desktop(self, index: int, px: int, py: int) -> tuple[int, int]:
        r, k = self.placements[index], self.scales[index]
        return (r.x + round(px * k), r.y + round(py * k))

    def to_screen_pixel(self, index: int, point: tuple[int, int]) -> tuple[int, int]:
        """A desktop point in screen ``index``'s pixels (not clamped)."""
        r, k = self.placements[index], self.scales[index]
        return (_floor((point[0] - r.x) / k), _floor((point[1] - r.y) / k))

    def rect_on_screen(self, index: int, rect: Rect, *, clip: bool = True) -> Rect:
        """A desktop rect in screen ``index``'s pixels: only the part shown on that
        screen, or with ``clip=False`` the whole rect (which may reach past it)."""
        r, k = self.placements[index], self.scales[index]
        part = rect.intersected(r) if clip else rect
        if part.is_empty():
            return Rect(0, 0, 0, 0)
        return Rect.from_edges(
            _floor((part.x - r.x) / k),
            _floor((part.y - r.y) / k),
            _ceil((part.right - r.x) / k),
            _ceil((part.bottom - r.y) / k),
        )

    def step_at(self, point: tuple[int, int]) -> int:
        """Desktop pixels per physical pixel where ``point`` is (1 on X11 and Windows)."""
        return max(1, round(self.scales[self.nearest_screen(point)]))

    # --- building the result ---------------------------------------------------
    def plan_crop(self, rect: Rect) -> CropPlan:
        """Per-screen source rects and their places in the output image.

        The output has the physical resolution of the highest-scale screen the
        selection touches, so a selection on one screen is copied pixel for pixel.
        """
        hits = [(i, rect.intersected(r)) for i, r in enumerate(self.placements)]
        hits = [(i, part) for i, part in hits if not part.is_empty()]
        if not hits:
            return CropPlan((0, 0), ())
        unit = max(1.0 / self.scales[i] for i, _ in hits)  # output px per desktop px
        size = (round(rect.w * unit), round(rect.h * unit))
        pieces = []
        for i, part in hits:
            src = self.rect_on_screen(i, part)
            w, h = self.screens[i].pixels
            src = src.intersected(Rect(0, 0, w, h))
            dest = Rect.from_edges(
                round((part.x - rect.x) * unit),
                round((part.y - rect.y) * unit),
                round((part.right - rect.x) * unit),
                round((part.bottom - rect.y) * unit),
            )
            if not src.is_empty() and not dest.is_empty():
                pieces.append(Piece(i, src, dest))
        return CropPlan(size, tuple(pieces))


def clamp_inside(rect: Rect, bounds: Rect) -> Rect:
    """Move ``rect`` (shrinking it only if it is larger) so it lies inside ``bounds``."""
    w, h = min(rect.w, bounds.w), min(rect.h, bounds.h)
    x = min(max(rect.x, bounds.x), bounds.right - w)
    y = min(max(rect.y, bounds.y), bounds.bottom - h)
    return Rect(x, y, w, h)


def clamp_point(point: tuple[int, int], bounds: Rect) -> tuple[int, int]:
    """Keep a grid point on or inside the bounds (the right/bottom edge is allowed)."""
    return (
        min(max(point[0], bounds.x), bounds.right),
        min(max(point[1], bounds.y), bounds.bottom),
    )
