"""Finding secrets in the editor's image: OCR plus the finder, run on a worker thread.

Tesseract takes a second or more on a screenshot, so the editor never calls it
on the GUI thread; this is the job it hands to `ui.common.workers.Worker`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

from desktop_app.core import ocr
from desktop_app.core.errors import AppError, ErrorKind
from desktop_app.core.image_edits import Edit, apply_edits
from desktop_app.core.privacy import KINDS, Finding, find_secrets, summary


def install_sentence() -> str:
    """How to install Tesseract, without its final full stop (it goes inside a sentence)."""
    return ocr.install_hint().rstrip(".")


def find_redactions(image: Image.Image, kinds: Sequence[str] = KINDS) -> list[Finding]:
    """The finder's boxes on `image` (full-size pixels). Raises AppError with a sentence."""
    return find_secrets(ocr.read_words(image), tuple(kinds))


def as_redactions(findings: Sequence[Finding]) -> list[Edit]:
    return [Edit("redact", finding.box) for finding in findings]


def describe(findings: Sequence[Finding]) -> str:
    """E.g. "2 email addresses, 1 API key or token" (kinds and counts, never the values)."""
    return summary(findings)


def redact_found(image: Image.Image, kinds: Sequence[str]) -> tuple[Image.Image, str]:
    """`image` with what the finder sees covered, and what that was ("" when nothing).

    Automatic redaction must never pass an image through unchecked: without
    Tesseract this raises AppError(ENVIRONMENT) saying how to install it.
    """
    if not ocr.available():
        raise AppError(
            ErrorKind.ENVIRONMENT,
            "Automatic redaction is on, but Tesseract is not installed, so the image was not "
            f"attached. {ocr.install_hint().rstrip('.')}, or turn it off in Settings → Privacy.",
        )
    findings = find_redactions(image, kinds)
    if not findings:
        return image, ""
    return apply_edits(image, as_redactions(findings)), describe(findings)
