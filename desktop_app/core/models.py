"""Model ids as users and gateways spell them, reduced to one canonical name."""

from __future__ import annotations

import re

_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")
_GATEWAY_PREFIX = re.compile(r"^(openai|azure|openai-compatible)/", re.IGNORECASE)


def normalize_model(model: str) -> str:
    """`openai/gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`; unknown ids pass through lowered.

    Gateways prefix the vendor (OpenRouter) and the API answers with dated
    snapshots; prices and image rules are published per family, not per snapshot.
    """
    name = model.strip().lower()
    name = _GATEWAY_PREFIX.sub("", name)
    name = name.removesuffix(":latest")
    return _DATED.sub("", name)


# Tokens a model reads at most in one request (input and output together), as
# OpenAI documents them; unknown models are not checked.
CONTEXT_WINDOWS: dict[str, int] = {
    "gpt-4o-mini": 128_000,
    "gpt-4o": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576,
    "o4-mini": 200_000,
    "gpt-5-mini": 400_000,
    "gpt-5-nano": 400_000,
}


def context_window(model: str) -> int | None:
    """The model's context window in tokens, or None when unknown."""
    return CONTEXT_WINDOWS.get(normalize_model(model))
