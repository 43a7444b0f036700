"""OCR of a 1920×1080 screenshot: `ocr.read_words`, wall time and CPU, and the GUI thread.

The image is `image_factory.screenshot(1920, 1080)`: flat UI colours and ~500
words of rendered text. The baseline, alternated with it in every repeat, is a
PNG encode of the same image with Pillow's defaults (what saving a capture
costs anyway). CPU counts this process and the Tesseract children it waited
for (`RUSAGE_CHILDREN`), so it shows what OCR takes from the machine.

Then the window's case: OCR on a worker thread while the main thread ticks
every millisecond; the longest gap between ticks is the stall a GUI thread
would see (budget: OCR off the GUI thread, no stall over 16 ms). Its baseline
is the same loop with no work running. Also: the secret finder on the words.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from bench.common import BenchResult, Figure, median
from tests import image_factory

REPEATS = 5
STALL_BUDGET_MS = 16.0
TICK_S = 0.001


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU milliseconds of `work()`."""
    wall, cpu = time.perf_counter(), _cpu_s()
    work()
    return (time.perf_counter() - wall) * 1000, (_cpu_s() - cpu) * 1000


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _longest_gap(work: Callable[[], object] | None, seconds: float) -> tuple[float, int]:
    """Tick on this thread while `work` runs on another (or for `seconds` with none);
    returns the longest gap between ticks in ms and the number of ticks."""
    done = threading.Event()

    def target() -> None:
        try:
            if work is not None:
                work()
        finally:
            done.set()

    worker = threading.Thread(target=target, name="askshot-bench-ocr")
    start = last = time.perf_counter()
    worker.start()
    gaps, ticks = 0.0, 0
    while not done.is_set() or (work is None and last - start < seconds):
        time.sleep(TICK_S)
        now = time.perf_counter()
        gaps, last, ticks = max(gaps, now - last), now, ticks + 1
    worker.join()
    return gaps * 1000, ticks


def _tesseract_version() -> str:
    try:
        proc = subprocess.run(
            ["tesseract", "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return "?"
    return (proc.stdout or proc.stderr).splitlines()[0] if (proc.stdout or proc.stderr) else "?"


def run(repeats: int = REPEATS) -> BenchResult:
    from desktop_app.core import ocr
    from desktop_app.core.privacy import find_secrets

    out = BenchResult("ocr")
    if not ocr.available():
        out.details = {"skipped": f"Tesseract is not installed. {ocr.install_hint()}"}
        return out
    image = image_factory.screenshot(1920, 1080)
    words = ocr.read_words(image)  # warm: the first run loads the language data from disk
    walls: list[float] = []
    cpus: list[float] = []
    png_walls: list[float] = []
    png_cpus: list[float] = []
    for index in range(repeats):
        steps = [
            lambda: _record(_timed(lambda: ocr.read_words(image)), walls, cpus),
            lambda: _record(_timed(lambda: _png(image)), png_walls, png_cpus),
        ]
        for step in steps if index % 2 else reversed(steps):
            step()
    ocr_wall = median(walls)
    stall, ticks = _longest_gap(lambda: ocr.read_words(image), 0)
    idle_stall, idle_ticks = _longest_gap(None, ocr_wall / 1000)
    finder = [_timed(lambda: find_secrets(words))[0] for _ in range(repeats)]

    out.figures = [
        Figure.compared(
            "ocr",
            "1080p screenshot OCR, wall",
            ocr_wall,
            "ms",
            baseline=median(png_walls),
            baseline_name="PNG encode",
            target="(informative)",
            ok=None,
        ),
        Figure.compared(
            "ocr",
            "1080p screenshot OCR, CPU",
            median(cpus),
            "ms",
            baseline=median(png_cpus),
            baseline_name="PNG encode",
            target="(informative)",
            ok=None,
        ),
        Figure.compared(
            "ocr",
            "main thread's longest stall during OCR",
            stall,
            "ms",
            baseline=idle_stall,
            baseline_name="idle",
            target=f"< {STALL_BUDGET_MS:.0f} ms",
            ok=stall < STALL_BUDGET_MS,
        ),
        Figure.compared(
            "ocr",
            "secret finder on the OCR words",
            median(finder),
            "ms",
            baseline=None,
            baseline_name="",
            target="(informative)",
            ok=None,
        ),
    ]
    out.details = {
        "repeats": repeats,
        "size": image.size,
        "words": len(words),
        "tesseract": _tesseract_version(),
        "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT", ""),
        "ocr_wall_ms": walls,
        "ocr_cpu_ms": cpus,
        "png_wall_ms": png_walls,
        "png_cpu_ms": png_cpus,
        "stall_ms": stall,
        "stall_ticks": ticks,
        "idle_stall_ms": idle_stall,
        "idle_ticks": idle_ticks,
        "finder_ms": finder,
    }
    return out


def _record(timing: tuple[float, float], walls: list[float], cpus: list[float]) -> None:
    walls.append(timing[0])
    cpus.append(timing[1])


def report(result: BenchResult) -> None:
    d: dict[str, Any] = result.details
    if "skipped" in d:
        print(f"skipped: {d['skipped']}")
        return
    print(
        f"{d['tesseract']}, {d['size'][0]}×{d['size'][1]}, {d['words']} words, "
        f"{d['repeats']} repeats, medians; baseline = Pillow PNG encode of the same image"
    )
    print(
        f"  OCR {median(d['ocr_wall_ms']):,.0f} ms wall, {median(d['ocr_cpu_ms']):,.0f} ms CPU"
        f"  (PNG encode {median(d['png_wall_ms']):.1f} ms wall, "
        f"{median(d['png_cpu_ms']):.1f} ms CPU)"
    )
    print(
        f"  OCR on a worker: main thread's longest gap {d['stall_ms']:.1f} ms over "
        f"{d['stall_ticks']} ticks (idle: {d['idle_stall_ms']:.1f} ms over {d['idle_ticks']})"
    )
    print(f"  secret finder on {d['words']} words: {median(d['finder_ms']):.2f} ms")
