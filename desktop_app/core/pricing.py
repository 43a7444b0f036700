"""What tokens cost, per model, and what a usage report costs in dollars.

Prices are US dollars per million tokens, as OpenAI's API pricing page listed
them on PRICES_AS_OF (standard tier, not batch). The lookup order is: a user's
override in Settings → the provider's catalogue (`/models` with prices) → this
table → unknown. A gateway's own reported cost (OpenRouter's `usage.cost`)
wins over all of them after the fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from desktop_app.core.events import Usage
from desktop_app.core.models import normalize_model

PRICES_AS_OF = "2025-08-07"
PER_MILLION = 1_000_000


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    cached_input: float
    output: float


PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(input=0.15, cached_input=0.075, output=0.60),
    "gpt-4o": Price(input=2.50, cached_input=1.25, output=10.00),
    "gpt-4.1": Price(input=2.00, cached_input=0.50, output=8.00),
    "gpt-4.1-mini": Price(input=0.40, cached_input=0.10, output=1.60),
    "gpt-4.1-nano": Price(input=0.10, cached_input=0.025, output=0.40),
    "o4-mini": Price(input=1.10, cached_input=0.275, output=4.40),
    "gpt-5-mini": Price(input=0.25, cached_input=0.025, output=2.00),
    "gpt-5-nano": Price(input=0.05, cached_input=0.005, output=0.40),
}


class PriceSource(Enum):
    OVERRIDE = "override"  # the user's own, in Settings
    CATALOGUE = "catalogue"  # the provider's /models
    TABLE = "table"  # the built-in table, as of PRICES_AS_OF


def _by_name(model: str, prices: Mapping[str, Price]) -> Price | None:
    """An exact id first (a catalogue's `vendor/model` ids), then the canonical name."""
    price = prices.get(model) or prices.get(model.strip())
    if price is not None:
        return price
    canonical = normalize_model(model)
    for name, candidate in prices.items():
        if normalize_model(name) == canonical:
            return candidate
    return None


def lookup_price(
    model: str,
    overrides: Mapping[str, Price] | None = None,
    catalogue: Mapping[str, Price] | None = None,
) -> tuple[Price, PriceSource] | None:
    """The price of `model` and where it came from, or None when unknown."""
    if overrides:
        price = _by_name(model, overrides)
        if price is not None:
            return price, PriceSource.OVERRIDE
    if catalogue:
        price = _by_name(model, catalogue)
        if price is not None:
            return price, PriceSource.CATALOGUE
    price = PRICES.get(normalize_model(model))
    return (price, PriceSource.TABLE) if price is not None else None


def price_for(
    model: str,
    overrides: Mapping[str, Price] | None = None,
    catalogue: Mapping[str, Price] | None = None,
) -> Price | None:
    """The price of `model`: override → catalogue → built-in table; None when unknown.

    `catalogue` maps model ids to prices (`Catalogue.prices()`).
    """
    found = lookup_price(model, overrides, catalogue)
    return found[0] if found else None


def usage_cost(
    model: str,
    usage: Usage,
    overrides: Mapping[str, Price] | None = None,
    catalogue: Mapping[str, Price] | None = None,
) -> float | None:
    """Dollars for one usage report; None when the model's price is unknown.

    Cached tokens are part of the input count and are billed at the cached price.
    """
    if usage.reported_cost is not None:
        return usage.reported_cost
    return cost_at(price_for(model, overrides, catalogue), usage)


def cost_at(price: Price | None, usage: Usage) -> float | None:
    """Dollars for `usage` at `price` (the gateway's reported cost is not consulted)."""
    if price is None:
        return None
    cached = min(usage.cached_tokens, usage.input_tokens)
    fresh = usage.input_tokens - cached
    return (
        fresh * price.input + cached * price.cached_input + usage.output_tokens * price.output
    ) / PER_MILLION


def estimate_cost(
    model: str,
    input_tokens: int,
    output_tokens: int = 0,
    overrides: Mapping[str, Price] | None = None,
    catalogue: Mapping[str, Price] | None = None,
) -> float | None:
    """Dollars for a request before it is sent (no cache discount assumed)."""
    return usage_cost(model, Usage(input_tokens, 0, output_tokens), overrides, catalogue)


def format_usd(amount: float | None) -> str:
    """`$0.0055` for small sums (a cent-fraction matters here), `$12.34` for large ones."""
    if amount is None:
        return "cost unknown"
    if amount == 0:
        return "$0.00"
    if abs(amount) < 0.000_001:
        return "< $0.000001"
    if abs(amount) < 0.01:
        return f"${amount:.6f}".rstrip("0")
    if abs(amount) < 1:
        return f"${amount:.4f}"
    return f"${amount:,.2f}"


def estimate_text_tokens(text: str) -> int:
    """A fast estimate of text tokens without a tokenizer: about 4 characters each."""
    return max(1, (len(text) + 3) // 4) if text else 0
