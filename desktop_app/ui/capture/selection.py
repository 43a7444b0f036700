"""What a drag or a key press does to the selection, in desktop pixels (no Qt)."""

from __future__ import annotations

from .geometry import Rect, clamp_inside, clamp_point

Point = tuple[int, int]


class SelectionModel:
    """The selection rectangle, the cursor and the drag in progress.

    A press outside the selection starts a new one, which replaces the old only
    once the pointer moves (so the clicks of a double-click keep the selection);
    a press inside the selection moves it.
    """

    def __init__(self, bounds: Rect) -> None:
        self.bounds = bounds
        self.rect: Rect | None = None
        self.cursor: Point | None = None
        self._anchor: Point | None = None  # creating: the grid point pressed
        self._grab: Point | None = None  # moving: cursor minus the rect's top-left

    def press(self, point: Point) -> None:
        point = clamp_point(point, self.bounds)
        self.cursor = point
        if self.rect is not None and self.rect.contains(*point):
            self._grab = (point[0] - self.rect.x, point[1] - self.rect.y)
        else:
            self._anchor = point

    def move(self, point: Point) -> bool:
        """Follow the pointer; True when something visible changed."""
        point = clamp_point(point, self.bounds)
        old = (self.rect, self.cursor)
        self.cursor = point
        if self._anchor is not None and point != self._anchor:
            self.rect = Rect.spanning(self._anchor, point)
        elif self._grab is not None and self.rect is not None:
            moved = Rect(
                point[0] - self._grab[0], point[1] - self._grab[1], self.rect.w, self.rect.h
            )
            self.rect = clamp_inside(moved, self.bounds)
        return (self.rect, self.cursor) != old

    def release(self, point: Point) -> None:
        self.move(point)
        self._anchor = self._grab = None

    def nudge(self, dx: int, dy: int) -> bool:
        """Move the selection by whole physical pixels, staying on the desktop."""
        if self.rect is None:
            return False
        old = self.rect
        self.rect = clamp_inside(self.rect.translated(dx, dy), self.bounds)
        return self.rect != old

    def resize(self, dw: int, dh: int) -> bool:
        """Grow or shrink from the bottom-right corner, never below one pixel."""
        if self.rect is None:
            return False
        old = self.rect
        r = self.rect
        right = min(max(r.right + dw, r.x + 1), self.bounds.right)
        bottom = min(max(r.bottom + dh, r.y + 1), self.bounds.bottom)
        self.rect = Rect.from_edges(r.x, r.y, right, bottom)
        return self.rect != old

    def select(self, rect: Rect) -> None:
        self.rect = rect.intersected(self.bounds)
        self._anchor = self._grab = None

    def has_selection(self) -> bool:
        return self.rect is not None and not self.rect.is_empty()
