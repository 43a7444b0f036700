"""Read text in an image locally with Tesseract.

The only module that runs an OCR engine: replace this file to use another one.
Tesseract runs as a subprocess (no shell) with the image as a PNG on stdin and
its TSV report on stdout; every word keeps its box in the image's own pixels.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from PIL import Image

from desktop_app.core.errors import AppError, ErrorKind

# Generous: a full 1920x1080 screenshot takes a second or two; a stuck engine must not hang.
TIMEOUT_SECONDS = 60.0
# Small text reads badly. Measured on DejaVu Sans drawn on a 1920x1080 image (five lines
# with an email, a key, an IP and a card number): text of 9-10 px read 86-91% right as
# is and 95-97% at three times the size; from 11 px up, upscaling gained nothing and cost
# twice the time. Small text shows as short word boxes (a quarter of them under 10 px)
# read with low confidence (a mean under 80, against 89-94 from 11 px up).
SMALL_WORD_PX = 10
LOW_CONFIDENCE = 80.0
UPSCALE = 3
# Past this many pixels an upscale costs more memory and time than it is worth.
_MAX_UPSCALED_PIXELS = 20_000_000


@dataclass(frozen=True)
class Word:
    """One word Tesseract read."""

    text: str
    box: tuple[int, int, int, int]  # left, top, width, height, in the image's own pixels
    line: int  # a line number across the whole image, so lines can be rebuilt
    confidence: float  # 0 to 100


@functools.cache
def _binary() -> str | None:
    return shutil.which("tesseract")


def available() -> bool:
    """Whether Tesseract is installed (looked up once per process)."""
    return _binary() is not None


def install_hint() -> str:
    """A sentence saying how to install Tesseract on this system."""
    if sys.platform == "darwin":
        how = "brew install tesseract"
    elif sys.platform.startswith("win"):
        how = "the installer from https://github.com/UB-Mannheim/tesseract/wiki"
    else:
        how = "sudo apt install tesseract-ocr"
    return f"Install Tesseract to read text locally: {how}"


def _png_bytes(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "L"):
        # Transparent pixels become white, which is what a screenshot's background usually is.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    # Low compression: tesseract decodes it at once, and zlib level 1 is several times faster.
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _run(image: Image.Image) -> str:
    binary = _binary()
    if binary is None:
        raise AppError(ErrorKind.BAD_INPUT, install_hint())
    try:
        done = subprocess.run(
            [binary, "-", "stdout", "--psm", "3", "tsv"],
            input=_png_bytes(image),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            # Tesseract's OpenMP threads make one page slower, not faster, where the
            # machine has fewer cores than OpenMP thinks (containers, busy laptops):
            # measured on a 1920x1080 page of 1,200 words, 15 s against 2.8 s with one.
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AppError(
            ErrorKind.ENVIRONMENT,
            f"Reading the text took longer than {TIMEOUT_SECONDS:.0f} seconds and was stopped; "
            "try a smaller image or crop it to the text.",
        ) from None
    except OSError as exc:
        raise AppError(
            ErrorKind.ENVIRONMENT,
            f"Tesseract could not be started ({exc.strerror or exc}). {install_hint()}",
        ) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        last = detail[-1] if detail else f"exit status {done.returncode}"
        raise AppError(
            ErrorKind.ENVIRONMENT,
            f"Tesseract could not read this image ({last}). "
            "Check that its English language data is installed (tesseract-ocr-eng).",
        )
    return done.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str, scale: float = 1.0) -> list[Word]:
    """Words from Tesseract's TSV report; boxes are divided by `scale`."""
    words: list[Word] = []
    line_ids: dict[tuple[int, int, int, int], int] = {}
    rows = tsv.splitlines()
    for row in rows[1:]:  # the first row is the header
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":  # level 5 is a word
            continue
        text = cols[11].strip()
        if not text:
            continue
        try:
            page, block, par, line = (int(c) for c in cols[1:5])
            left, top, width, height = (int(c) for c in cols[6:10])
            confidence = float(cols[10])
        except ValueError:
            continue
        line_no = line_ids.setdefault((page, block, par, line), len(line_ids))
        box = (
            round(left / scale),
            round(top / scale),
            max(1, round(width / scale)),
            max(1, round(height / scale)),
        )
        words.append(Word(text=text, box=box, line=line_no, confidence=confidence))
    return words


def looks_small(words: list[Word]) -> bool:
    """Whether the words read look like small text that an upscale would read better."""
    if not words:
        return False
    heights = sorted(w.box[3] for w in words)
    mean_confidence = sum(w.confidence for w in words) / len(words)
    return heights[len(heights) // 4] < SMALL_WORD_PX and mean_confidence < LOW_CONFIDENCE


def read_words(image: Image.Image) -> list[Word]:
    """Every word in `image` with its box in `image`'s pixels.

    Raises AppError (BAD_INPUT when Tesseract is missing, with `install_hint()`;
    ENVIRONMENT when it fails or times out).
    """
    words = parse_tsv(_run(image))
    if looks_small(words):
        w, h = image.size
        factor = UPSCALE
        while factor > 1 and w * h * factor * factor > _MAX_UPSCALED_PIXELS:
            factor -= 1
        if factor > 1:
            big = image.resize((w * factor, h * factor), Image.Resampling.LANCZOS)
            # Boxes are scaled back, so they stay in `image`'s pixels.
            words = parse_tsv(_run(big), scale=factor)
    return words


def lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped by line, in reading order."""
    grouped: dict[int, list[Word]] = {}
    for word in words:
        grouped.setdefault(word.line, []).append(word)
    return [grouped[k] for k in sorted(grouped)]


def read_text(image: Image.Image) -> str:
    """The text in `image`: each line's words joined by spaces, lines by "\\n"."""
    return "\n".join(" ".join(w.text for w in line) for line in lines(read_words(image)))
