"""A provider's model catalogue (`GET {base_url}/models`), parsed and cached on disk.

OpenAI lists ids only; OpenRouter-style catalogues add a name, the context
length, input modalities and prices (USD per token, as strings). Whatever the
provider, those fields are used when present. Prices are converted here to
USD per million tokens, the unit of `core.pricing.Price`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from desktop_app.core.pricing import PER_MILLION, Price

MAX_AGE = timedelta(hours=24)
CACHE_VERSION = 1


@dataclass(frozen=True)
class ModelInfo:
    """One model as the catalogue describes it; None where the catalogue is silent."""

    id: str
    name: str | None = None
    context_length: int | None = None
    vision: bool | None = None  # None: the catalogue does not say
    price: Price | None = None  # USD per MILLION tokens (converted from per-token strings)


@dataclass(frozen=True)
class Catalogue:
    """The models one provider offered when `fetched_at` (UTC)."""

    provider: str
    fetched_at: datetime
    models: tuple[ModelInfo, ...]

    def find(self, model_id: str) -> ModelInfo | None:
        """The model with this id (exact first, then ignoring case), or None."""
        wanted = model_id.strip()
        for info in self.models:
            if info.id == wanted:
                return info
        folded = wanted.casefold()
        for info in self.models:
            if info.id.casefold() == folded:
                return info
        return None

    def stale(self, now: datetime | None = None, max_age: timedelta = MAX_AGE) -> bool:
        """True when the catalogue is older than `max_age` (refetch before trusting it)."""
        now = now or datetime.now(timezone.utc)
        return now - self.fetched_at > max_age

    def sorted_for_picker(self) -> list[ModelInfo]:
        """Vision-capable models first, then those the catalogue is silent on, then by id."""
        rank = {True: 0, None: 1, False: 2}
        return sorted(self.models, key=lambda m: (rank[m.vision], m.id.casefold()))

    def prices(self) -> dict[str, Price]:
        """Model id → price, for the models whose price the catalogue gives."""
        return {m.id: m.price for m in self.models if m.price is not None}

    @property
    def has_prices(self) -> bool:
        return any(m.price is not None for m in self.models)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": CACHE_VERSION,
            "provider": self.provider,
            "fetched_at": self.fetched_at.isoformat(),
            "models": [_model_to_json(m) for m in self.models],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Catalogue:
        """Read a cached catalogue back; raises ValueError for anything unexpected."""
        if data.get("version") != CACHE_VERSION:
            raise ValueError("unknown catalogue cache version")
        fetched = datetime.fromisoformat(str(data["fetched_at"]))
        if fetched.tzinfo is None:
            fetched = fetched.replace(tzinfo=timezone.utc)
        models = tuple(_model_from_json(m) for m in data["models"])
        return cls(str(data["provider"]), fetched, models)


@dataclass(frozen=True)
class Credits:
    """What a gateway says about the key's credit (OpenRouter `GET /key`), in USD."""

    remaining: float | None  # `limit_remaining`; None: no limit set, or not said
    used: float | None  # `usage`
    limit: float | None = None  # `limit`; None: unlimited


def parse_credits(payload: Any) -> Credits | None:
    """Credits from a `/key` body (`{"data": {...}}`), or None when it holds none."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, Mapping):
        return None

    def dollars(name: str) -> float | None:
        value = data.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return None

    credits = Credits(dollars("limit_remaining"), dollars("usage"), dollars("limit"))
    return None if credits == Credits(None, None, None) else credits


def parse_models(payload: Any) -> tuple[ModelInfo, ...]:
    """ModelInfos from a `/models` body: `{"data": [...]}`, `{"models": [...]}` or a list.

    Entries without a string id are skipped; a malformed field reads as unknown.
    """
    if isinstance(payload, Mapping):
        entries = payload.get("data")
        if entries is None:
            entries = payload.get("models")
    else:
        entries = payload
    if not isinstance(entries, list):
        raise ValueError("the /models answer holds no list of models")
    models: list[ModelInfo] = []
    seen: set[str] = set()
    for entry in entries:
        info = parse_entry(entry)
        if info is not None and info.id not in seen:
            seen.add(info.id)
            models.append(info)
    return tuple(models)


def parse_entry(entry: Any) -> ModelInfo | None:
    if isinstance(entry, str):
        return ModelInfo(entry) if entry.strip() else None
    if not isinstance(entry, Mapping):
        return None
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not model_id.strip():
        return None
    name = entry.get("name")
    return ModelInfo(
        id=model_id.strip(),
        name=name if isinstance(name, str) and name.strip() else None,
        context_length=_context_length(entry),
        vision=_vision(entry),
        price=_price(entry.get("pricing")),
    )


def _context_length(entry: Mapping[str, Any]) -> int | None:
    for source in (entry, entry.get("top_provider")):
        if isinstance(source, Mapping):
            value = source.get("context_length")
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


def _vision(entry: Mapping[str, Any]) -> bool | None:
    architecture = entry.get("architecture")
    if isinstance(architecture, Mapping):
        modalities = architecture.get("input_modalities")
        if isinstance(modalities, list):
            return "image" in modalities
        modality = architecture.get("modality")  # older OpenRouter: "text+image->text"
        if isinstance(modality, str) and "->" in modality:
            return "image" in modality.split("->", 1)[0]
    return None


def _per_million(value: Any) -> float | None:
    """A per-token price string ("0.00000015") as USD per million; None when unusable.

    OpenRouter marks variable-priced routers with "-1": that is no price.
    """
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return round(number * PER_MILLION, 9)


def _price(pricing: Any) -> Price | None:
    if not isinstance(pricing, Mapping):
        return None
    prompt = _per_million(pricing.get("prompt"))
    completion = _per_million(pricing.get("completion"))
    if prompt is None or completion is None:
        return None
    cached = _per_million(pricing.get("input_cache_read"))
    return Price(input=prompt, cached_input=prompt if cached is None else cached, output=completion)


def _model_to_json(m: ModelInfo) -> dict[str, Any]:
    price = None
    if m.price is not None:
        price = {
            "input": m.price.input,
            "cached_input": m.price.cached_input,
            "output": m.price.output,
        }
    return {
        "id": m.id,
        "name": m.name,
        "context_length": m.context_length,
        "vision": m.vision,
        "price": price,
    }


def _model_from_json(data: Mapping[str, Any]) -> ModelInfo:
    price = data.get("price")
    return ModelInfo(
        id=str(data["id"]),
        name=data.get("name"),
        context_length=data.get("context_length"),
        vision=data.get("vision"),
        price=(
            Price(float(price["input"]), float(price["cached_input"]), float(price["output"]))
            if price
            else None
        ),
    )


# --- the disk cache: one JSON file per provider in the data folder -------------------------


def cache_path(folder: Path, provider: str, base_url: str) -> Path:
    """The cache file for a provider; the URL is part of the key (a profile can be repointed)."""
    slug = re.sub(r"[^a-z0-9]+", "-", provider.lower()).strip("-") or "provider"
    digest = hashlib.sha256(base_url.strip().rstrip("/").encode()).hexdigest()[:10]
    return folder / f"{slug}-{digest}.json"


def load_cached(path: Path) -> Catalogue | None:
    """The cached catalogue, or None when there is none or it cannot be read."""
    try:
        return Catalogue.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_cached(path: Path, catalogue: Catalogue) -> None:
    """Write atomically; raises OSError (the caller decides whether that matters)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(catalogue.to_json(), indent=1), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def build(provider: str, models: Iterable[ModelInfo], now: datetime | None = None) -> Catalogue:
    return Catalogue(provider, now or datetime.now(timezone.utc), tuple(models))
