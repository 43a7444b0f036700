"""What the fake OpenAI server received, and helpers to check it.

`RecordedRequest.images()` decodes each `image_url` data URL with Pillow so a
test can assert the pixel size and detail the client really uploaded.
"""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass, field
from typing import Any


def decode_data_url(url: str) -> Any:
    """The Pillow image inside a `data:image/...;base64,` URL."""
    from PIL import Image

    header, _, payload = url.partition(",")
    if not header.startswith("data:image/") or ";base64" not in header:
        raise ValueError(f"not a base64 image data URL: {header[:40]!r}")
    image = Image.open(io.BytesIO(base64.b64decode(payload)))
    image.load()
    return image


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or None
    request_id: str  # the x-request-id the server answered with
    client_left: threading.Event = field(default_factory=threading.Event)

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    def parts(self, kind: str) -> list[dict[str, Any]]:
        """All content parts of one type (`text` or `image_url`) across the messages."""
        found: list[dict[str, Any]] = []
        for message in (self.body or {}).get("messages", []):
            content = message.get("content")
            if isinstance(content, list):
                found.extend(p for p in content if p.get("type") == kind)
            elif kind == "text" and isinstance(content, str):
                found.append({"type": "text", "text": content})
        return found

    def user_text(self) -> str:
        """The text of the last user message."""
        users = [m for m in (self.body or {}).get("messages", []) if m.get("role") == "user"]
        if not users:
            return ""
        content = users[-1].get("content")
        if isinstance(content, str):
            return content
        return "".join(p.get("text", "") for p in content if p.get("type") == "text")

    def images(self) -> list[tuple[int, int, str | None]]:
        """(width, height, detail) of every image sent, decoded from its data URL."""
        result = []
        for part in self.parts("image_url"):
            image_url = part["image_url"]
            width, height = decode_data_url(image_url["url"]).size
            result.append((width, height, image_url.get("detail")))
        return result


def describe(body: dict[str, Any]) -> str:
    """A short Markdown answer that says what the request contained."""
    rec = RecordedRequest("POST", "", {}, body, "")
    images = rec.images()
    words = len(rec.user_text().split())
    if images:
        sizes = ", ".join(f"{w}×{h} ({d or 'auto'})" for w, h, d in images)
        seen = f"**{len(images)} image{'s' if len(images) != 1 else ''}**: {sizes}"
    else:
        seen = "**no images**"
    return (
        f"I received {seen} and a question of {words} words.\n\n"
        f"- model asked: `{body['model']}`\n"
        f"- messages: {len(body.get('messages', []))}\n\n"
        "That is all I can see."
    )
