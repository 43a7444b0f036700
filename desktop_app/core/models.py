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
