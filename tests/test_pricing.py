"""Prices, cost of a usage report, and the session's spend and budget."""

from __future__ import annotations

import pytest

from desktop_app.core.events import Usage
from desktop_app.core.pricing import PRICES, Price, format_usd, price_for, usage_cost
from desktop_app.core.spend import BudgetState, SessionSpend


def test_gpt_4o_mini_prices_are_the_published_ones() -> None:
    assert PRICES["gpt-4o-mini"] == Price(input=0.15, cached_input=0.075, output=0.60)


@pytest.mark.parametrize(
    "model", ["gpt-4o-mini", "gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini", "GPT-4o-mini"]
)
def test_snapshots_and_gateway_ids_find_the_family_price(model: str) -> None:
    assert price_for(model) == PRICES["gpt-4o-mini"]


def test_a_screenshot_question_costs_what_the_table_says() -> None:
    # 1365x768 at high detail: 2,833 + 6 tiles x 5,667 = 36,835 image tokens, plus text.
    usage = Usage(input_tokens=36_862, cached_tokens=0, output_tokens=57)
    cost = usage_cost("gpt-4o-mini-2024-07-18", usage)
    assert cost == pytest.approx((36_862 * 0.15 + 57 * 0.60) / 1e6, abs=1e-12)
    assert format_usd(cost).startswith("$0.00556")


def test_cached_tokens_are_billed_at_the_cached_price() -> None:
    usage = Usage(input_tokens=10_000, cached_tokens=8_000, output_tokens=1_000)
    expected = (2_000 * 0.15 + 8_000 * 0.075 + 1_000 * 0.60) / 1e6
    assert usage_cost("gpt-4o-mini", usage) == pytest.approx(expected, abs=1e-12)


def test_a_gateways_reported_cost_wins() -> None:
    usage = Usage(input_tokens=10_000, output_tokens=10, reported_cost=0.0123)
    assert usage_cost("openai/gpt-4o-mini", usage) == 0.0123


def test_user_override_beats_the_table_and_unknown_models_have_no_price() -> None:
    overrides = {"gpt-4o-mini": Price(1.0, 0.5, 2.0)}
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    assert usage_cost("gpt-4o-mini-2024-07-18", usage, overrides) == pytest.approx(3.0)
    assert usage_cost("llava", usage) is None
    assert format_usd(None) == "cost unknown"


def test_session_spend_adds_up_per_model() -> None:
    spend = SessionSpend()
    spend.record("gpt-4o-mini", Usage(1_000, 0, 100))
    spend.record("gpt-4o-mini", Usage(2_000, 500, 200))
    spend.record("llava", Usage(10, 0, 10))
    assert spend.total_usage == Usage(3_010, 500, 310)
    mini = spend.per_model["gpt-4o-mini"]
    assert mini.requests == 2
    assert spend.total_cost == pytest.approx((2_500 * 0.15 + 500 * 0.075 + 300 * 0.60) / 1e6)
    assert spend.has_unpriced


def test_budget_warns_at_80_percent_and_refuses_past_100() -> None:
    spend = SessionSpend(budget_usd=1.0, price_overrides={"m": Price(1.0, 1.0, 1.0)})
    assert spend.check().state is BudgetState.OK
    spend.record("m", Usage(input_tokens=850_000))  # $0.85
    warning = spend.check()
    assert warning.state is BudgetState.WARNING and "85%" in (warning.message or "")
    refused = spend.check(next_cost=0.20)
    assert refused.state is BudgetState.EXCEEDED
    assert "$1.00" in (refused.message or "")
    assert SessionSpend().check(next_cost=100.0).state is BudgetState.OFF
