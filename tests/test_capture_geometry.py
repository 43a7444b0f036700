"""Capture coordinate math: logical positions -> physical pixels -> per-screen crops.

Layouts mirror what Qt 6 reports: on X11/Windows a screen's logical top-left is its
native top-left and only the size is divided by the scale (QScreen.geometry()).
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from desktop_app.ui.capture.geometry import Desktop, Piece, Rect, ScreenLayout, clamp_inside
from desktop_app.ui.capture.grab import compose, is_blank
from desktop_app.ui.capture.selection import SelectionModel
from tests.capture_driver import pattern_rgb


def native_screen(x: int, y: int, w: int, h: int, dpr: float) -> ScreenLayout:
    """A screen as Qt describes it from its native (physical) geometry."""
    return ScreenLayout(Rect(x, y, int(w / dpr), int(h / dpr)), dpr, (w, h))


# --- Rect -----------------------------------------------------------------------------
def test_rect_spanning_is_the_same_whichever_way_the_drag_goes() -> None:
    expected = Rect(10, 20, 30, 40)
    for a, b in [((10, 20), (40, 60)), ((40, 60), (10, 20)), ((10, 60), (40, 20))]:
        assert Rect.spanning(a, b) == expected


def test_rect_intersection_of_disjoint_rects_is_empty() -> None:
    assert Rect(0, 0, 10, 10).intersected(Rect(10, 0, 5, 5)).is_empty()
    assert Rect(-5, -5, 10, 10).intersected(Rect(0, 0, 10, 10)) == Rect(0, 0, 5, 5)


# --- mapping pointer positions to physical pixels ----------------------------------------
@pytest.mark.parametrize("dpr", [1.0, 1.25, 1.5, 1.75, 2.0, 3.0])
def test_every_native_pixel_survives_qts_logical_round_trip(dpr: float) -> None:
    # Qt turns the native pointer position n into the logical n / dpr; mapping back
    # must land on n exactly, for every pixel, or the crop is off by one.
    desktop = Desktop([native_screen(0, 0, 3840, 2160, dpr)])
    assert [desktop.grid_point(0, n / dpr, 0)[0] for n in range(3841)] == list(range(3841))
    assert [desktop.grid_point(0, 0, n / dpr)[1] for n in range(2161)] == list(range(2161))


def test_global_positions_map_through_the_screen_they_fall_on() -> None:
    # 100% monitor, then a 200% one to its right (logical 1920..2560, native 1920..3200).
    desktop = Desktop([native_screen(0, 0, 1920, 1080, 1.0), native_screen(1920, 0, 1280, 1024, 2)])
    assert desktop.grid_point_global(1919, 5) == (1919, 5)
    assert desktop.grid_point_global(1920 + 10.5, 5.5) == (1941, 11)
    assert desktop.grid_point_global(1920 + 640, 512) == (3200, 1024)  # far corner
    assert desktop.bounds == Rect(0, 0, 3200, 1080)


def test_points_in_the_gap_between_scaled_screens_go_to_the_nearest_screen() -> None:
    # With QT_SCALE_FACTOR=2 on X11 the left screen is logical 0..960 and the right
    # one starts at 1920: nothing is at logical x=1200.
    desktop = Desktop([native_screen(0, 0, 1920, 1080, 2), native_screen(1920, 0, 1280, 1024, 2)])
    assert desktop.screen_at_logical(1200, 10) == 0
    assert desktop.grid_point_global(1200, 10) == (1920, 20)  # clamped to the edge


def test_points_past_a_screen_are_clamped_to_its_edge() -> None:
    desktop = Desktop([native_screen(0, 0, 1280, 1024, 1.5)])
    assert desktop.grid_point(0, 853.9, 700) == (1280, 1024)
    assert desktop.grid_point(0, -3, -3) == (0, 0)


# --- crop plans -------------------------------------------------------------------------
@pytest.mark.parametrize("dpr", [1.0, 1.25, 1.5, 2.0])
def test_a_selection_on_one_screen_is_copied_pixel_for_pixel(dpr: float) -> None:
    desktop = Desktop([native_screen(0, 0, 2560, 1440, dpr)])
    start = desktop.grid_point(0, 151 / dpr, 121 / dpr)
    end = desktop.grid_point(0, 452 / dpr, 322 / dpr)
    plan = desktop.plan_crop(Rect.spanning(start, end))
    assert plan.size == (301, 201)
    assert plan.pieces == (Piece(0, Rect(151, 121, 301, 201), Rect(0, 0, 301, 201)),)


def test_selection_across_side_by_side_monitors_with_different_scales() -> None:
    desktop = Desktop([native_screen(0, 0, 1920, 1080, 1), native_screen(1920, 0, 1280, 1024, 2)])
    plan = desktop.plan_crop(Rect(1800, 500, 300, 200))
    assert plan.size == (300, 200)
    assert plan.pieces == (
        Piece(0, Rect(1800, 500, 120, 200), Rect(0, 0, 120, 200)),
        Piece(1, Rect(0, 500, 180, 200), Rect(120, 0, 180, 200)),
    )
    assert plan.covers_output()
    assert not any(p.scaled for p in plan.pieces)


def test_monitor_left_of_the_primary_has_negative_coordinates() -> None:
    # Windows: a 200% monitor at native x=-2560 left of a 100% primary.
    desktop = Desktop([native_screen(-2560, 0, 2560, 1440, 2), native_screen(0, 0, 1920, 1080, 1)])
    assert desktop.screens[0].logical == Rect(-2560, 0, 1280, 720)
    start = desktop.grid_point_global(-2560 + 1230, 50)  # 100 physical px left of 0
    end = desktop.grid_point_global(100, 300)
    assert (start, end) == ((-100, 100), (100, 300))
    plan = desktop.plan_crop(Rect.spanning(start, end))
    assert plan.size == (200, 200)
    assert plan.pieces == (
        Piece(0, Rect(2460, 100, 100, 200), Rect(0, 0, 100, 200)),
        Piece(1, Rect(0, 100, 100, 200), Rect(100, 0, 100, 200)),
    )


def test_monitor_above_another_at_fractional_scales() -> None:
    # A 150% monitor above (negative y) a 125% primary, offset to the right.
    top = native_screen(320, -1440, 2560, 1440, 1.5)
    bottom = native_screen(0, 0, 1920, 1080, 1.25)
    desktop = Desktop([top, bottom])
    assert top.logical == Rect(320, -1440, 1706, 960)
    start = desktop.grid_point_global(320 + 300 / 1.5, -1440 + 1380 / 1.5)
    end = desktop.grid_point_global(900 / 1.25, 90 / 1.25)
    assert (start, end) == ((620, -60), (900, 90))
    plan = desktop.plan_crop(Rect.spanning(start, end))
    assert plan.size == (280, 150)
    assert plan.pieces == (
        Piece(0, Rect(300, 1380, 280, 60), Rect(0, 0, 280, 60)),
        Piece(1, Rect(620, 0, 280, 90), Rect(0, 60, 280, 90)),
    )
    assert plan.covers_output()


def test_selection_reaching_where_no_screen_is_leaves_that_part_uncovered() -> None:
    # L-shaped: the bounding box has a corner with no monitor.
    desktop = Desktop([native_screen(0, 0, 1920, 1080, 1), native_screen(1920, 0, 1280, 1024, 1)])
    plan = desktop.plan_crop(Rect(3000, 1000, 100, 60))
    assert plan.size == (100, 60)
    assert plan.pieces == (Piece(1, Rect(1080, 1000, 100, 24), Rect(0, 0, 100, 24)),)
    assert not plan.covers_output()


def test_whole_screen_is_its_own_placement() -> None:
    desktop = Desktop([native_screen(0, 0, 1920, 1080, 1), native_screen(1920, 0, 2560, 1440, 1.5)])
    plan = desktop.plan_crop(desktop.placements[1])
    assert plan.size == (2560, 1440)
    assert plan.pieces == (Piece(1, Rect(0, 0, 2560, 1440), Rect(0, 0, 2560, 1440)),)


def test_logical_platforms_upscale_low_scale_parts_to_the_highest_scale() -> None:
    # macOS: a Retina laptop (1440x900 pt at 2x) and a 1x external monitor to its right.
    retina = ScreenLayout(Rect(0, 0, 1440, 900), 2.0, (2880, 1800))
    external = ScreenLayout(Rect(1440, 0, 1920, 1080), 1.0, (1920, 1080))
    desktop = Desktop([retina, external], native=False)
    assert desktop.placements == (Rect(0, 0, 2880, 1800), Rect(2880, 0, 3840, 2160))

    # On the external screen alone: its own pixels, not upscaled.
    start = desktop.grid_point_global(1440 + 100, 50)
    end = desktop.grid_point_global(1440 + 200, 150)
    inside = desktop.plan_crop(Rect.spanning(start, end))
    assert inside.size == (100, 100)
    assert inside.pieces == (Piece(1, Rect(100, 50, 100, 100), Rect(0, 0, 100, 100)),)
    assert desktop.step_at(start) == 2  # one external pixel is two desktop pixels

    # Across both: Retina resolution, the external part upscaled 2x.
    across = desktop.plan_crop(Rect(2780, 100, 200, 100))
    assert across.size == (200, 100)
    assert across.pieces == (
        Piece(0, Rect(2780, 100, 100, 100), Rect(0, 0, 100, 100)),
        Piece(1, Rect(0, 50, 50, 50), Rect(100, 0, 100, 100)),
    )
    assert across.pieces[1].scaled


def test_rect_on_screen_without_clip_reaches_past_the_screen() -> None:
    desktop = Desktop([native_screen(0, 0, 1920, 1080, 1), native_screen(1920, 0, 1280, 1024, 2)])
    rect = Rect(1800, 500, 300, 200)
    assert desktop.rect_on_screen(1, rect) == Rect(0, 500, 180, 200)
    assert desktop.rect_on_screen(1, rect, clip=False) == Rect(-120, 500, 300, 200)


# --- the selection as drags and keys change it ---------------------------------------------
def test_drag_creates_and_a_click_without_moving_keeps_the_selection() -> None:
    model = SelectionModel(Rect(0, 0, 1000, 800))
    model.press((100, 100))
    assert model.rect is None  # nothing until the pointer moves
    model.move((300, 250))
    model.release((300, 250))
    assert model.rect == Rect(100, 100, 200, 150)
    model.press((600, 600))  # outside: a click (e.g. half of a double-click)
    model.release((600, 600))
    assert model.rect == Rect(100, 100, 200, 150)


def test_dragging_inside_the_selection_moves_it_and_stops_at_the_edge() -> None:
    model = SelectionModel(Rect(0, 0, 1000, 800))
    model.select(Rect(100, 100, 200, 150))
    model.press((150, 150))
    model.move((160, 175))
    assert model.rect == Rect(110, 125, 200, 150)
    model.move((5000, 5000))
    model.release((5000, 5000))
    assert model.rect == Rect(800, 650, 200, 150)


def test_drag_past_the_desktop_is_clamped() -> None:
    model = SelectionModel(Rect(-100, 0, 1100, 800))
    model.press((50, 50))
    model.release((-500, 900))
    assert model.rect == Rect(-100, 50, 150, 750)


def test_nudge_and_resize_by_single_pixels() -> None:
    model = SelectionModel(Rect(0, 0, 1000, 800))
    assert not model.nudge(1, 0)  # nothing selected yet
    model.select(Rect(10, 10, 5, 5))
    assert model.nudge(1, 0) and model.nudge(0, -1)
    assert model.rect == Rect(11, 9, 5, 5)
    assert model.resize(3, -1)
    assert model.rect == Rect(11, 9, 8, 4)
    for _ in range(10):
        model.resize(0, -1)
    assert model.rect == Rect(11, 9, 8, 1)  # never below one pixel
    model.select(Rect(995, 0, 5, 5))
    assert not model.nudge(1, 0)  # already at the right edge


def test_clamp_inside_shrinks_only_what_is_too_big() -> None:
    assert clamp_inside(Rect(-5, 10, 20, 20), Rect(0, 0, 100, 100)) == Rect(0, 10, 20, 20)
    assert clamp_inside(Rect(0, 0, 500, 50), Rect(0, 0, 100, 100)) == Rect(0, 0, 100, 50)


# --- building the image from the grabs (QImage only, no event loop) ------------------------
def _pattern_image(x0: int, y0: int, w: int, h: int) -> QImage:
    """The part (x0, y0, w, h) of a desktop whose every pixel encodes its coordinates."""
    rows = []
    for y in range(y0, y0 + h):
        rows.append(b"".join(bytes(pattern_rgb(x, y)) for x in range(x0, x0 + w)))
    data = b"".join(rows)
    return QImage(data, w, h, w * 3, QImage.Format.Format_RGB888).convertToFormat(
        QImage.Format.Format_RGB32
    )


def _assert_pattern(image: QImage, x0: int, y0: int) -> None:
    for y in range(image.height()):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            assert (c.red(), c.green(), c.blue()) == pattern_rgb(x0 + x, y0 + y), (x, y)


def test_compose_joins_two_screens_exactly(qapp: object) -> None:
    left = native_screen(0, 0, 400, 300, 1)
    right = native_screen(400, 0, 200, 250, 2)  # a 200% screen: logical 100x125
    desktop = Desktop([left, right])
    images = [_pattern_image(0, 0, 400, 300), _pattern_image(400, 0, 200, 250)]
    image = compose(images, desktop.plan_crop(Rect(350, 100, 120, 80)))
    assert (image.width(), image.height(), image.devicePixelRatio()) == (120, 80, 1.0)
    _assert_pattern(image, 350, 100)


def test_compose_single_screen_is_a_plain_copy(qapp: object) -> None:
    source = _pattern_image(0, 0, 300, 200)
    source.setDevicePixelRatio(2.0)
    desktop = Desktop([native_screen(0, 0, 300, 200, 2)])
    image = compose([source], desktop.plan_crop(Rect(11, 7, 50, 40)))
    assert (image.width(), image.height(), image.devicePixelRatio()) == (50, 40, 1.0)
    _assert_pattern(image, 11, 7)


def test_compose_leaves_areas_off_every_screen_transparent(qapp: object) -> None:
    desktop = Desktop([native_screen(0, 0, 400, 300, 1), native_screen(400, 0, 200, 250, 1)])
    images = [_pattern_image(0, 0, 400, 300), _pattern_image(400, 0, 200, 250)]
    image = compose(images, desktop.plan_crop(Rect(500, 240, 50, 20)))
    assert (image.width(), image.height()) == (50, 20)
    assert image.pixelColor(0, 0).alpha() == 255
    assert image.pixelColor(0, 15).alpha() == 0  # below the right screen: nothing there


@pytest.mark.parametrize(
    ("colour", "blank"),
    [
        (QColor(0, 0, 0), True),
        (QColor(2, 1, 3), True),  # "black" after dithering or a colour profile
        (QColor(30, 30, 30), False),  # a dark theme is not a failed grab
        (QColor(255, 255, 255), False),
    ],
)
def test_is_blank_on_uniform_screens(qapp: object, colour: QColor, blank: bool) -> None:
    image = QImage(3840, 2160, QImage.Format.Format_RGB32)
    image.fill(colour)
    assert is_blank(image) is blank


def test_is_blank_sees_a_small_window_on_a_black_screen(qapp: object) -> None:
    image = QImage(3840, 2160, QImage.Format.Format_RGB32)
    image.fill(QColor(0, 0, 0))
    QPainter(image).fillRect(1000, 1000, 200, 120, QColor(200, 200, 200))
    assert not is_blank(image)


def test_is_blank_on_empty_and_transparent_grabs(qapp: object) -> None:
    assert is_blank(QImage())
    transparent = QImage(800, 600, QImage.Format.Format_ARGB32)
    transparent.fill(QColor(255, 255, 255, 0))
    assert is_blank(transparent)
