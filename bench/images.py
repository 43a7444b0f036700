"""Figure 3, image pipeline: an image file to a request-ready data URL.

`prepare_image(path, "gpt-4o-mini", detail).data_url()` for a 3840×2160
screenshot-like PNG (flat UI colours and rendered text, saved with Pillow's
defaults like most screenshot tools) and a 12 MP photo-like JPEG, at high and
low detail. The baseline, alternated with it in every repeat, is a plain
Pillow open+load of the same file: decoding alone, which any pipeline pays.

Also reported: bytes uploaded (the data URL) versus the raw file, and pixels
sent versus what the model uses (`image_tokens.sent_size`): never more.

Budget (docs/architecture.md): a 3840×2160 screenshot in under 150 ms.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from bench.common import BenchResult, Figure, median
from desktop_app.core.image_tokens import sent_size
from desktop_app.core.images import load_image, prepare_image
from tests import image_factory

MODEL = "gpt-4o-mini"
REPEATS = 9
BUDGET_MS = 150.0


def _ms(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def _pillow_load(path: Path) -> None:
    with Image.open(path) as image:
        image.load()


def _case(path: Path, detail: str, repeats: int) -> dict[str, Any]:
    """Time the pipeline and its baseline alternately; describe what would be uploaded."""
    prepared = prepare_image(path, MODEL, detail)  # warm: first-call imports and caches
    pipeline, baseline = [], []
    for index in range(repeats):
        steps = [
            lambda: pipeline.append(
                _ms(lambda: prepare_image(path, MODEL, detail).data_url())  # type: ignore[arg-type]
            ),
            lambda: baseline.append(_ms(lambda: _pillow_load(path))),
        ]
        for step in steps if index % 2 else reversed(steps):
            step()
    url = prepared.data_url()
    model_uses = sent_size(MODEL, *prepared.original_size, detail)  # type: ignore[arg-type]
    return {
        "ms": pipeline,
        "pillow_load_ms": baseline,
        "original": prepared.original_size,
        "sent": prepared.sent_size,
        "model_uses": model_uses,
        "mime": prepared.mime,
        "tokens": prepared.tokens,
        "file_bytes": path.stat().st_size,
        "encoded_bytes": len(prepared.data),
        "data_url_bytes": len(url),
    }


def _stages(path: Path, repeats: int) -> dict[str, float]:
    """Where the screenshot's time goes: decode, downscale+encode, base64 (medians, ms)."""
    decode, prepare, encode64 = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        image = load_image(path)
        decoded = time.perf_counter()
        prepared = prepare_image(image, MODEL, "high")
        ready = time.perf_counter()
        prepared.data_url()
        done = time.perf_counter()
        decode.append((decoded - start) * 1000)
        prepare.append((ready - decoded) * 1000)
        encode64.append((done - ready) * 1000)
    return {
        "decode_ms": median(decode),
        "resize_and_encode_ms": median(prepare),
        "base64_ms": median(encode64),
    }


def run(repeats: int = REPEATS) -> BenchResult:
    out = BenchResult("images")
    cases: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="askshot-bench-") as folder:
        screenshot = Path(folder) / "screenshot-4k.png"
        image_factory.screenshot(3840, 2160).save(screenshot)  # Pillow's default PNG
        photo = Path(folder) / "photo-12mp.jpg"
        image_factory.photo(4000, 3000).save(photo, quality=90)
        for label, path in (("screenshot", screenshot), ("photo", photo)):
            for detail in ("high", "low"):
                cases[f"{label} {detail}"] = _case(path, detail, repeats)
        stages = _stages(screenshot, repeats)

    for name, case in cases.items():
        value, base = median(case["ms"]), median(case["pillow_load_ms"])
        is_screenshot = name.startswith("screenshot")
        out.figures.append(
            Figure.compared(
                "images",
                f"4K {name} → data URL" if is_screenshot else f"12 MP {name} → data URL",
                value,
                "ms",
                baseline=base,
                baseline_name="decode",
                target=f"< {BUDGET_MS:.0f} ms" if is_screenshot else "(informative)",
                ok=value < BUDGET_MS if is_screenshot else None,
            )
        )
    excess = max(
        (c["sent"][0] * c["sent"][1]) / (c["model_uses"][0] * c["model_uses"][1])
        for c in cases.values()
    )
    out.figures.append(
        Figure.compared(
            "images",
            "pixels sent / pixels model uses (max)",
            excess,
            "×",
            baseline=None,
            baseline_name="",
            target="≤ 1×",
            ok=excess <= 1.0,
        )
    )
    shot = cases["screenshot high"]
    out.figures.append(
        Figure.compared(
            "images",
            "4K screenshot high: upload vs file",
            shot["data_url_bytes"] / 1000,
            "kB",
            baseline=shot["file_bytes"] / 1000,
            baseline_name="file",
            target="(informative)",
            ok=None,
        )
    )
    out.details = {"repeats": repeats, "model": MODEL, "cases": cases, "screenshot_stages": stages}
    return out


def report(result: BenchResult) -> None:
    d = result.details
    print(f"{d['model']}, {d['repeats']} repeats, medians; baseline = Pillow open+load of the file")
    for name, c in d["cases"].items():
        decode = median(c["pillow_load_ms"])
        print(
            f"  {name:<16} {median(c['ms']):6.1f} ms (decode alone {decode:5.1f})"
            f"  {c['original'][0]}×{c['original'][1]} → {c['sent'][0]}×{c['sent'][1]} "
            f"(model uses {c['model_uses'][0]}×{c['model_uses'][1]}, {c['tokens']:,} tokens)  "
            f"{c['mime']} {c['encoded_bytes'] / 1000:,.0f} kB, data URL "
            f"{c['data_url_bytes'] / 1000:,.0f} kB vs file {c['file_bytes'] / 1000:,.0f} kB"
        )
    s = d["screenshot_stages"]
    print(
        f"  4K screenshot high, by stage: decode {s['decode_ms']:.1f} ms, downscale + PNG "
        f"{s['resize_and_encode_ms']:.1f} ms, base64 {s['base64_ms']:.1f} ms"
    )
