"""A server's error message as plain text.

Gateways wrap the upstream provider's error object inside their own message,
as JSON or as a Python dict's repr; a person should read the sentence inside,
not braces and quotes.
"""

from __future__ import annotations

import ast
import json
import re

_EMBEDDED = re.compile(r"\{.*\}", re.DOTALL)
_LITELLM_TRAILER = re.compile(r"\s*Received Model Group=")
_MAX_PARSED = 20_000  # error bodies are short; never parse a huge one


def plain_text(message: object) -> str:
    """A server's error message as text: gateways nest the upstream's error object, as
    JSON or as a Python dict's repr inside a string; show its `message`, not the braces."""
    if isinstance(message, dict):
        inner = message.get("error", message)
        if isinstance(inner, dict) and inner.get("message") is not None:
            return plain_text(inner["message"])
        if isinstance(inner, str):
            return plain_text(inner)
        return " ".join(f"{k}: {v}" for k, v in message.items() if isinstance(v, str))
    # LiteLLM appends its routing state; it says nothing to the person reading.
    text = _LITELLM_TRAILER.split(str(message or ""), 1)[0]
    found = _EMBEDDED.search(text) if len(text) < _MAX_PARSED else None
    if found is None:
        return text
    parsed = _parse_object(found.group(0))
    if parsed is None:
        return text
    inner_text = plain_text(parsed)
    if not inner_text:
        return text
    before = text[: found.start()].rstrip(" -:")
    return f"{before}: {inner_text}" if before else inner_text


def _parse_object(text: str) -> dict[str, object] | None:
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict):
            return value
    return None
