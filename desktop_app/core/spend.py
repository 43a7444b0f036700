"""What this session has spent, per model, and the budget check before a send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from desktop_app.core.events import Usage
from desktop_app.core.pricing import Price, PriceSource, format_usd, lookup_price, usage_cost

WARN_FRACTION = 0.8


class BudgetState(Enum):
    OFF = "off"
    OK = "ok"
    WARNING = "warning"  # at or past 80%
    EXCEEDED = "exceeded"  # at or past 100%: sending is refused unless overridden


@dataclass
class ModelTotals:
    requests: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    unpriced_requests: int = 0  # answers whose cost is unknown (model not in the table)


@dataclass(frozen=True)
class BudgetCheck:
    state: BudgetState
    message: str | None  # a sentence for the user when state is WARNING or EXCEEDED


class SessionSpend:
    """Accumulates tokens and dollars per model for one run of the app or CLI."""

    def __init__(
        self,
        budget_usd: float | None = None,
        price_overrides: Mapping[str, Price] | None = None,
    ) -> None:
        self.budget_usd = budget_usd
        self.price_overrides = dict(price_overrides or {})
        # Prices from loaded provider catalogues (model id → price); filled by Services.
        self.catalogue_prices: dict[str, Price] = {}
        self.per_model: dict[str, ModelTotals] = {}

    def price_of(self, model: str) -> Price | None:
        """The price every estimate and charge uses: override → catalogue → table."""
        found = lookup_price(model, self.price_overrides, self.catalogue_prices)
        return found[0] if found else None

    def price_source(self, model: str) -> PriceSource | None:
        """Where `price_of(model)` comes from (None: the price is unknown)."""
        found = lookup_price(model, self.price_overrides, self.catalogue_prices)
        return found[1] if found else None

    def estimate(self, model: str, input_tokens: int, output_tokens: int = 0) -> float | None:
        """Dollars for a request before it is sent, at `price_of(model)`."""
        return usage_cost(
            model,
            Usage(input_tokens, 0, output_tokens),
            self.price_overrides,
            self.catalogue_prices,
        )

    def cost_of(self, model: str, usage: Usage) -> float | None:
        """Dollars for one usage report (the gateway's reported cost wins)."""
        return usage_cost(model, usage, self.price_overrides, self.catalogue_prices)

    def record(self, model: str, usage: Usage, *, priced_as: str | None = None) -> float | None:
        """Add one answer's usage under `model`, priced as `priced_as` (an alias's family)
        or `model`; returns its cost (None when the price is unknown)."""
        cost = self.cost_of(priced_as or model, usage)
        totals = self.per_model.setdefault(model, ModelTotals())
        totals.requests += 1
        totals.usage = totals.usage + Usage(
            usage.input_tokens, usage.cached_tokens, usage.output_tokens
        )
        if cost is None:
            totals.unpriced_requests += 1
        else:
            totals.cost += cost
        return cost

    @property
    def total_usage(self) -> Usage:
        total = Usage()
        for totals in self.per_model.values():
            total = total + totals.usage
        return total

    @property
    def total_cost(self) -> float:
        return sum(t.cost for t in self.per_model.values())

    @property
    def has_unpriced(self) -> bool:
        return any(t.unpriced_requests for t in self.per_model.values())

    def check(self, next_cost: float | None = None) -> BudgetCheck:
        """Budget state now, or after spending `next_cost` more (the pre-send estimate)."""
        if not self.budget_usd or self.budget_usd <= 0:
            return BudgetCheck(BudgetState.OFF, None)
        spent = self.total_cost
        projected = spent + (next_cost or 0.0)
        budget = format_usd(self.budget_usd)
        if spent >= self.budget_usd or (next_cost is not None and projected > self.budget_usd):
            return BudgetCheck(
                BudgetState.EXCEEDED,
                f"This would pass the session budget of {budget} "
                f"({format_usd(spent)} spent so far). Raise the budget in Settings "
                "or send anyway.",
            )
        if projected >= WARN_FRACTION * self.budget_usd:
            percent = round(100 * projected / self.budget_usd)
            return BudgetCheck(
                BudgetState.WARNING,
                f"{percent}% of the session budget of {budget} is used.",
            )
        return BudgetCheck(BudgetState.OK, None)
