"""How long an image takes to become a request-ready data URL.

Budget (DESIGN.md): a 3840×2160 screenshot in under 150 ms. Run from the
repository root: `python -m bench.bench_images`.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from desktop_app.core.images import prepare_image
from tests import image_factory

RUNS = 15
BUDGET_MS = 150.0


def _timed(work: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _report(label: str, times: list[float], budget: float | None = None) -> bool:
    median = statistics.median(times)
    worst = max(times)
    verdict = "" if budget is None else ("  ok" if median < budget else "  OVER BUDGET")
    print(f"{label:<44} first {times[0]:6.1f}  median {median:6.1f}  max {worst:6.1f} ms{verdict}")
    return budget is None or median < budget


def main() -> int:
    screenshot = image_factory.screenshot()
    photo = image_factory.photo(4000, 3000)
    with tempfile.TemporaryDirectory() as folder:
        png = Path(folder) / "screen.png"
        screenshot.save(png)  # Pillow's default PNG, like most screenshot tools
        jpeg = Path(folder) / "photo.jpg"
        photo.save(jpeg, quality=90)
        decoded = Image.open(io.BytesIO(png.read_bytes()))
        decoded.load()

        ok = _report(
            "4K screenshot PNG file -> data URL",
            _timed(lambda: prepare_image(png, "gpt-4o-mini", "high").data_url()),
            BUDGET_MS,
        )
        _report(
            "4K captured image (decoded) -> data URL",
            _timed(lambda: prepare_image(decoded, "gpt-4o-mini", "high").data_url()),
            BUDGET_MS,
        )
        _report(
            "12 MP photo JPEG file -> data URL",
            _timed(lambda: prepare_image(jpeg, "gpt-4o-mini", "high").data_url()),
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
