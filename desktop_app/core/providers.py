"""Provider profiles: an OpenAI-compatible endpoint and the model to ask there.

Kept apart from settings.py so the schema code can build profiles without a
circular import; `desktop_app.core.settings` re-exports everything here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_PROVIDER = "OpenAI"


@dataclass(frozen=True)
class ProviderProfile:
    """An endpoint, its model id, and what it supports.

    `stream_options` says whether the endpoint accepts `stream_options`
    (usage on the last chunk); it is switched off for good when the endpoint
    rejects it once. `needs_key` is False for local servers. `model_family`
    maps a gateway's alias (`my-vision`) to the model it stands for
    (`gpt-4o-mini`), so images are sized and priced as that family; the wire
    always sends `model`.
    """

    name: str
    base_url: str
    model: str
    stream_options: bool = True
    needs_key: bool = True
    model_family: str | None = None

    @property
    def priced_as(self) -> str:
        """The model id used for image sizing, context window and prices."""
        return self.model_family or self.model

    @property
    def builtin(self) -> bool:
        return self.name in BUILTIN_NAMES

    @property
    def complete(self) -> bool:
        return self.missing() is None

    def missing(self) -> str | None:
        """A sentence saying what must be filled in before this profile can be used."""
        gaps: list[tuple[str, str]] = []
        if not self.base_url:
            gaps.append(("a base URL", "--base-url"))
        elif not self.base_url.lower().startswith(("http://", "https://")):
            return (
                f"The {self.name} profile's base URL {self.base_url!r} must start with "
                "http:// or https://: fix it in Settings → Providers, or pass --base-url."
            )
        if not self.model:
            gaps.append(("a model id", "--model"))
        if not gaps:
            return None
        what = " and ".join(g[0] for g in gaps)
        flags = " and ".join(g[1] for g in gaps)
        them = "them" if len(gaps) > 1 else "it"
        source = (
            f"copy {them} from the Gate.AI console into Settings → Providers"
            if self.name == "Gate.AI"
            else f"fill {them} in under Settings → Providers"
        )
        return f"The {self.name} profile needs {what}: {source}, or pass {flags}."

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base_url": self.base_url,
            "model": self.model,
            "stream_options": self.stream_options,
            "needs_key": self.needs_key,
            "model_family": self.model_family,
        }


def builtin_profiles() -> list[ProviderProfile]:
    """The profiles every installation starts with (the OpenAI one is the default)."""
    return [
        ProviderProfile(DEFAULT_PROVIDER, "https://api.openai.com/v1", "gpt-4o-mini"),
        ProviderProfile("OpenRouter", "https://openrouter.ai/api/v1", "openai/gpt-4o-mini"),
        # Gate.AI shows the base URL and model id in its console; the user pastes both.
        ProviderProfile("Gate.AI", "", ""),
        ProviderProfile("Local server", "http://localhost:11434/v1", "llava", needs_key=False),
    ]


BUILTIN_NAMES: tuple[str, ...] = tuple(p.name for p in builtin_profiles())
