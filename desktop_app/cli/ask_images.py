"""The images of `askshot ask`: read, redact what the finder sees, or send their text instead.

Redaction happens on the full-size pixels, before the image is downscaled and
encoded, so nothing of a secret survives into what is sent or saved. Only
kinds and counts are printed, never what was found.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.cli.ocr import load_full_size, require_tesseract
from desktop_app.core import privacy
from desktop_app.core.errors import AppError, ErrorKind

if TYPE_CHECKING:
    from desktop_app.core.events import Detail
    from desktop_app.core.images import PreparedImage
    from desktop_app.core.ocr import Word
    from desktop_app.core.privacy import Finding
    from desktop_app.core.spend import SessionSpend

# How a finding's kind reads on the command line, shorter than the window's: (one, many).
KIND_NAMES = {
    "email": ("email address", "email addresses"),
    "api_key": ("API key", "API keys"),
    "card": ("card number", "card numbers"),
    "iban": ("IBAN", "IBANs"),
    "ip": ("IP address", "IP addresses"),
    "phone": ("phone number", "phone numbers"),
}


@dataclass(frozen=True)
class ImageText:
    """The text read from one image, sent in place of its pixels."""

    name: str  # the file's name only: the server never needs the local folder
    text: str

    def block(self) -> str:
        return f"[Text read from {self.name}]\n{self.text}\n[End of text from {self.name}]"


@dataclass
class AskInputs:
    images: list[PreparedImage]
    texts: list[ImageText]

    def question_with_texts(self, question: str) -> str:
        """The question first (it titles the conversation), then each image's text."""
        return "\n\n".join([question, *(t.block() for t in self.texts)])


def read_inputs(
    paths: Sequence[str],
    model: str,
    detail: Detail,
    *,
    redact: bool,
    send_text: bool,
    kinds: Sequence[str],
    spend: SessionSpend,
) -> AskInputs:
    """Prepare every image; with `redact` or `send_text` OCR each one first (exit 2 if no
    Tesseract). `model` sizes and prices images (a profile's `priced_as`)."""
    from desktop_app.core.images import prepare_image

    inputs = AskInputs([], [])
    if not (redact or send_text):
        for path in paths:
            if path == "-":
                data = sys.stdin.buffer.read()
                inputs.images.append(prepare_image(data, model, detail, name="stdin"))
            else:
                inputs.images.append(prepare_image(Path(path), model, detail, name=path))
        return inputs

    require_tesseract("--send-text" if send_text and not redact else "--redact auto")
    from desktop_app.core import ocr

    for path in paths:
        label = "stdin" if path == "-" else path
        image = load_full_size(path)
        words = ocr.read_words(image)
        findings: list[Finding] = []
        if redact:
            from desktop_app.core.image_edits import Edit, apply_edits
            from desktop_app.core.privacy import find_secrets

            findings = find_secrets(words, list(kinds))
            if findings:
                image = apply_edits(image, [Edit("redact", f.box) for f in findings])
            print(f"askshot: {redaction_note(findings, label)}", file=sys.stderr)
        if not send_text:
            inputs.images.append(prepare_image(image, model, detail, name=label))
            continue
        text = text_of(words, findings, kinds if redact else ())
        if not text.strip():
            raise AppError(
                ErrorKind.BAD_INPUT,
                f"No text was found in {label}, so there is nothing to send in place of the "
                "image. Leave out --send-text to send the image itself.",
            )
        sent = ImageText(Path(path).name if path != "-" else "stdin", text)
        print(f"askshot: {saving_note(sent, image.size, model, detail, spend)}", file=sys.stderr)
        inputs.texts.append(sent)
    return inputs


def redaction_note(findings: Sequence[Finding], label: str) -> str:
    """'redacted 1 email address and 2 API keys in shot.png': kinds and counts, no values."""
    if not findings:
        return f"found nothing to redact in {label}."
    parts = privacy.counted(findings, KIND_NAMES)
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"redacted {listed} in {label}."


def text_of(words: Sequence[Word], findings: Sequence[Finding], kinds: Sequence[str]) -> str:
    """The words line by line, with every redacted word (and anything else the finder
    spots in the joined text) replaced by a marker naming its kind."""
    from desktop_app.core.privacy import find_in_text

    lines: dict[int, list[str]] = {}
    for word in words:
        kind = next((f.kind for f in findings if _inside(word.box, f.box)), None)
        marker = f"[redacted {KIND_NAMES.get(kind, (kind,))[0]}]" if kind else word.text
        line = lines.setdefault(word.line, [])
        if not (kind and line and line[-1] == marker):  # one marker for a split secret
            line.append(marker)
    text = "\n".join(" ".join(line) for line in lines.values())
    if not kinds:
        return text
    # A secret split across OCR words the box test missed: mask its span in the text too.
    limit = len(text)
    for kind, start, end in sorted(find_in_text(text, list(kinds)), key=lambda s: -s[1]):
        if end <= limit:  # overlapping spans: the later one is already masked
            text = f"{text[:start]}[redacted {KIND_NAMES.get(kind, (kind,))[0]}]{text[end:]}"
            limit = start
    return text


def _inside(box: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    """The centre of `box` lies in `outer` (both left, top, width, height)."""
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return outer[0] <= cx <= outer[0] + outer[2] and outer[1] <= cy <= outer[1] + outer[3]


def saving_note(
    sent: ImageText, size: tuple[int, int], model: str, detail: Detail, spend: SessionSpend
) -> str:
    """What sending the text instead of the image saves, in tokens and dollars."""
    from desktop_app.core.image_tokens import image_tokens
    from desktop_app.core.pricing import estimate_text_tokens, format_usd

    text_tokens = estimate_text_tokens(sent.block())
    image = image_tokens(model, *size, detail)
    head = f"sending the text read from {sent.name} (about {text_tokens:,} tokens)"
    if image is None:
        return f"{head} instead of the image, whose cost is unknown for {model}."
    saved = image - text_tokens
    image_cost, text_cost = spend.estimate(model, image), spend.estimate(model, text_tokens)
    dollars = None if image_cost is None or text_cost is None else image_cost - text_cost
    if saved >= 0:
        return (
            f"{head} instead of the image ({image:,} tokens): saves about {saved:,} tokens "
            f"({format_usd(dollars)})."
        )
    extra = None if dollars is None else -dollars
    return (
        f"{head} instead of the image ({image:,} tokens): costs about {-saved:,} tokens "
        f"more ({format_usd(extra)})."
    )
