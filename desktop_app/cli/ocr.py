"""`askshot ocr IMAGE`: print the text Tesseract reads in an image, all on this machine."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from desktop_app.core.errors import AppError, ErrorKind

if TYPE_CHECKING:
    from PIL import Image

    from desktop_app.context import Services


def add_parser(sub: Any) -> None:
    ocr = sub.add_parser("ocr", help="print the text in an image, read on this machine")
    ocr.add_argument("image", metavar="IMAGE", help="an image file; - reads one from stdin")


def require_tesseract(feature: str) -> None:
    """Refuse `feature` with the install sentence when Tesseract is missing (exit 2)."""
    from desktop_app.core import ocr

    if not ocr.available():
        raise AppError(
            ErrorKind.BAD_INPUT,
            f"{feature} needs Tesseract, which is not installed. {ocr.install_hint()}",
        )


def load_full_size(path: str) -> Image.Image:
    """The whole image, upright and undownscaled: OCR and redaction need every pixel."""
    from pathlib import Path

    from desktop_app.core.images import load_image

    if path == "-":
        return load_image(sys.stdin.buffer.read(), "stdin")
    return load_image(Path(path), path)


def run_ocr(args: argparse.Namespace, services: Services) -> int:
    from desktop_app.core import ocr

    require_tesseract("Reading text in an image")
    text = ocr.read_text(load_full_size(args.image))
    if not text.strip():
        label = "the image from stdin" if args.image == "-" else f"“{args.image}”"
        print(f"askshot: no text was found in {label}.", file=sys.stderr)
        return 0
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
